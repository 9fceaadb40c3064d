"""A process dies or hangs: killed by a signal, or frozen with SIGSTOP while it holds its
sockets (the "up but not answering" case)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.errors import FaultFailure
from rehearsal.models.base import Name
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.node import on_each
from rehearsal.scenarios.faults.processes import ProcessMatch, Signal, alive
from rehearsal.scenarios.faults.service import service_ok, service_run


class ProcessKillSpec(FaultSpec, ProcessMatch):
    type: Literal["process.kill"]
    signal: Signal = "SIGKILL"
    service: Name | None = Field(
        default=None, description="SysV service to start again on revert (/etc/init.d/NAME)"
    )


class ProcessKill(Fault[ProcessKillSpec]):
    """Signals the matching processes. Revert starts ``service`` again when given; a node
    whose main process was killed (so it stopped) is started again."""

    requires: ClassVar[frozenset[str]] = frozenset({"procps"})

    kind: ClassVar[str] = "process.kill"
    example: ClassVar[dict[str, Any]] = {"type": "process.kill", "target": "n1", "name": "sshd"}
    _killed: dict[str, list[str]] = {}

    def inject(self) -> None:
        spec = self.spec
        self._killed = {}
        self.confirmed = set()
        outcomes = on_each(
            self.targets, lambda node: spec.signal_and_wait(self.env, node, spec.signal, "dead")
        )
        for node, outcome in zip(self.targets, outcomes, strict=True):
            if outcome is None:
                raise FaultFailure(f"{node}: no process matches {spec.name or spec.pattern!r}")
            self._killed[node], took = outcome
            if took:
                self.confirmed.add(node)

    def is_injected(self) -> bool:
        return all(self._gone(node) for node in self.unchecked())

    def _gone(self, node: str) -> bool:
        """The killed processes are gone, or the node went down with them (then a check run
        in it can fail half way, so its state is asked again after)."""
        if self.env.node_state(node) != "running":
            return True
        return not alive(self.env, node, self._killed[node]) or (
            self.env.node_state(node) != "running"
        )

    def revert(self) -> None:
        service = self.spec.service
        for node in self.targets:
            if service and self.env.node_running(node) and not service_ok(self.env, node, service):
                service_run(self.env, node, service, "start")
            if not self.env.node_running(node):  # it was the node's main process
                self.env.start_node(node)

    def is_reverted(self) -> bool:
        service = self.spec.service
        return all(
            self.env.node_running(node) and (service is None or service_ok(self.env, node, service))
            for node in self.targets
        )


class ProcessHangSpec(FaultSpec, ProcessMatch):
    type: Literal["process.hang"]


class ProcessHang(Fault[ProcessHangSpec]):
    """Freezes the matching processes (SIGSTOP); revert thaws them (SIGCONT). Connections
    stay open and time out, which is harder on clients than a clean crash."""

    requires: ClassVar[frozenset[str]] = frozenset({"procps"})

    kind: ClassVar[str] = "process.hang"
    example: ClassVar[dict[str, Any]] = {"type": "process.hang", "target": "n1", "name": "sshd"}

    def inject(self) -> None:
        self.confirmed = set(self.targets) if self._signal("SIGSTOP", "stopped") else set()

    def _signal(self, name: str, took: str) -> bool:
        """Signal every target's matches; True when the signal took on all of them."""
        spec = self.spec
        outcomes = on_each(
            self.targets, lambda node: spec.signal_and_wait(self.env, node, name, took)
        )
        for node, outcome in zip(self.targets, outcomes, strict=True):
            if outcome is None and name == "SIGSTOP":
                raise FaultFailure(f"{node}: no process matches {spec.name or spec.pattern!r}")
        return all(outcome is None or outcome[1] for outcome in outcomes)

    def _states(self, node: str) -> list[str]:
        return alive(self.env, node, self.spec.pids(self.env, node))

    def is_injected(self) -> bool:
        return all(
            (states := self._states(node)) and set(states) == {"T"} for node in self.unchecked()
        )

    def revert_argv(self, node: str) -> list[str] | None:
        return self.spec.signal_argv("SIGCONT", "running")

    def revert(self) -> None:
        self._signal("SIGCONT", "running")

    def is_reverted(self) -> bool:
        return all(on_each(self.targets, lambda node: "T" not in self._states(node)))
