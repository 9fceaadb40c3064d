"""Fakes handed to the engine in unit tests, in place of Docker, SSH and HTTP."""

from __future__ import annotations

import re
import shlex
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from rehearsal.envs.base import CommandResult
from rehearsal.journal.writer import Journal
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.probes import Probe, Sample


@dataclass
class FakeShop:
    """A shop that is up while its active app node runs; `nginx-upstream-switch app NODE` moves it.

    Commands are answered from ``replies`` (command → result); ``grep -c`` reads ``files``.
    """

    running: dict[str, bool] = field(
        default_factory=lambda: {"lb1": True, "app1": True, "app2": True, "db1": True}
    )
    active: str = "app1"
    run_id: str = "fake-000000"
    commands: list[tuple[str, str]] = field(default_factory=list)
    broken_commands: set[str] = field(default_factory=set)
    replies: dict[str, CommandResult] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    command_delay_s: float = 0.0

    def up(self) -> bool:
        return self.running["lb1"] and self.running[self.active]

    def address(self, node: str) -> str:
        if node in self.addresses:
            return self.addresses[node]
        if node not in self.running:
            raise KeyError(node)
        return f"10.0.0.{sorted(self.running).index(node) + 1}"

    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        return self.address(node), port

    def connect(self, node: str, port: int, timeout_s: float) -> socket.socket:
        return socket.create_connection((self.address(node), port), timeout=timeout_s)

    def stop_node(self, node: str, grace_s: float) -> None:
        self.running[node] = False

    def start_node(self, node: str) -> None:
        self.running[node] = True

    def node_running(self, node: str) -> bool:
        return self.running[node]

    def node_state(self, node: str) -> str:
        return "running" if self.running[node] else "exited"

    def nodes(self) -> list[str]:
        return list(self.running)

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult:
        self.commands.append((node, command))
        time.sleep(self.command_delay_s)
        if command in self.broken_commands:
            return CommandResult(1, "command not found", 0.01)
        if command in self.replies:
            return self.replies[command]
        argv = shlex.split(command)
        if argv[:2] == ["grep", "-c"]:
            count = len(re.findall(argv[-2], self.files.get(argv[-1], ""), re.MULTILINE))
            return CommandResult(0 if count else 1, f"{count}\n", 0.01)
        if argv[:1] == ["tail"]:
            return CommandResult(0, self.files.get(argv[-1], ""), 0.01)
        if command.startswith("nginx-upstream-switch app "):
            self.active = command.split()[2]
        return CommandResult(0, "ok", 0.01)


class ShopProbe(Probe):
    key = "fake"

    def __init__(self, shop: FakeShop) -> None:
        self.shop = shop

    def sample(self) -> Sample:
        started = time.monotonic()
        return Sample(
            self.shop.up(), time.monotonic() - started, "HTTP 200" if self.shop.up() else "HTTP 502"
        )


def start_run(journal: Journal, scenario: Scenario, **overrides: Any) -> None:
    """The ``run.started`` event a session writes, for engine tests that run without one."""
    journal.record(
        "run.started",
        **{
            "run_id": "r-1",
            "kind": scenario.kind,
            "title": "t",
            "purpose": None,
            "customer": "Acme",
            "profile": "p",
            "scenario": "s",
            "team": {},
            "services": [],
            "measured_probe": "shop-http",
            "rto_s": 300.0,
            "criteria": [c.model_dump() for c in scenario.criteria],
            **overrides,
        },
    )
