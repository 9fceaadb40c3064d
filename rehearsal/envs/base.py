"""The environment backend protocol: what faults, probes and steps may ask of a mirror."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    output: str
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class Environment(Protocol):
    run_id: str

    def address(self, node: str) -> str:
        """Where the orchestrator reaches ``node``; KeyError for an unknown node."""
        ...

    def stop_node(self, node: str, grace_s: float) -> None: ...

    def start_node(self, node: str) -> None: ...

    def node_running(self, node: str) -> bool: ...

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult:
        """Run ``command`` in the node's login shell over SSH, as an operator would type it."""
        ...
