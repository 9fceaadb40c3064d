"""The environment backend protocol: what faults, probes and steps may ask of a mirror."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rehearsal.envs.ansible import SshLogin
    from rehearsal.envs.routes import Stream


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    output: str
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True)
class NodeLimits:
    """How a node is placed and sized: its networks (profile names), CPU and memory caps."""

    networks: tuple[str, ...]
    cpus: float | None
    memory_bytes: int | None
    measured: bool = False
    """The machine's own size (a lab host), not a cap rehearsal set: memory is what the
    kernel reports, a little under the RAM fitted."""


class Environment(Protocol):
    run_id: str

    def address(self, node: str) -> str:
        """Where the orchestrator reaches ``node``; KeyError for an unknown node."""
        ...

    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        """Where a plain socket here reaches ``node``'s ``port`` (through a forward, when the
        node is not routable from here); KeyError for an unknown node."""
        ...

    def connect(self, node: str, port: int, timeout_s: float) -> Stream:
        """A connection to ``node``'s ``port`` from here; OSError when refused or unreachable.

        Unlike connecting to ``endpoint``, this fails when the node refuses, even through a
        forward (whose local side always accepts)."""
        ...

    def nodes(self) -> list[str]:
        """Every node of the environment, in profile order."""
        ...

    def peer_addresses(self, node: str) -> list[str]:
        """Every address ``node`` has, one a network it joins."""
        ...

    def gateways(self, node: str) -> list[str]:
        """The orchestrator's addresses on the node's networks (its way in, kept open)."""
        ...

    def stop_node(self, node: str, grace_s: float) -> None: ...

    def start_node(self, node: str) -> None: ...

    def node_running(self, node: str) -> bool: ...

    def node_state(self, node: str) -> str:
        """``running``, ``paused``, ``exited``, ... as the container engine says it."""
        ...

    def kill_node(self, node: str, signal: str) -> None: ...

    def pause_node(self, node: str) -> None: ...

    def unpause_node(self, node: str) -> None: ...

    def restart_node(self, node: str, grace_s: float) -> None: ...

    def recreate_node(self, node: str) -> None:
        """Remove the node and make it again from its image: in-node state is lost."""
        ...

    def started_at(self, node: str) -> str:
        """When the node's current process tree started (changes on restart)."""
        ...

    def private_key(self) -> Path:
        """The run's SSH key, for Ansible."""
        ...

    def login(self, node: str) -> SshLogin | None:
        """How Ansible logs in to ``node`` when not as root with the run's key (a lab host)."""
        ...

    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult:
        """Run ``argv`` in the node directly (no shell, no SSH): how faults reach inside."""
        ...

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult:
        """Run ``command`` in the node's login shell over SSH, as an operator would type it."""
        ...
