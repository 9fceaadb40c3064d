"""A process dies or hangs: killed by a signal, or frozen with SIGSTOP while it holds its
sockets (the "up but not answering" case)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.errors import FaultFailure
from rehearsal.models.base import Name
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.processes import ProcessMatch, Signal, alive, signal
from rehearsal.scenarios.faults.service import service_ok, service_run


class ProcessKillSpec(FaultSpec, ProcessMatch):
    type: Literal["process.kill"]
    signal: Signal = "SIGKILL"
    service: Name | None = Field(
        default=None, description="SysV service to start again on revert (/etc/init.d/NAME)"
    )


class ProcessKill(Fault):
    """Signals the matching processes. Revert starts ``service`` again when given; a node
    whose main process was killed (so it stopped) is started again."""

    kind: ClassVar[str] = "process.kill"
    Spec: ClassVar[type[FaultSpec]] = ProcessKillSpec
    example: ClassVar[dict[str, Any]] = {"type": "process.kill", "target": "n1", "name": "sshd"}
    _killed: dict[str, list[str]] = {}

    def inject(self) -> None:
        assert isinstance(self.spec, ProcessKillSpec)
        self._killed = {node: self.spec.pids(self.env, node) for node in self.targets}
        for node, pids in self._killed.items():
            if not pids:
                raise FaultFailure(
                    f"{node}: no process matches {self.spec.name or self.spec.pattern!r}"
                )
            signal(self.env, node, pids, self.spec.signal)

    def is_injected(self) -> bool:
        return all(
            not self.env.node_running(node) or not alive(self.env, node, pids)
            for node, pids in self._killed.items()
        )

    def revert(self) -> None:
        assert isinstance(self.spec, ProcessKillSpec)
        service = self.spec.service
        for node in self.targets:
            if service and self.env.node_running(node) and not service_ok(self.env, node, service):
                service_run(self.env, node, service, "start")
            if not self.env.node_running(node):  # it was the node's main process
                self.env.start_node(node)

    def is_reverted(self) -> bool:
        assert isinstance(self.spec, ProcessKillSpec)
        service = self.spec.service
        return all(
            self.env.node_running(node) and (service is None or service_ok(self.env, node, service))
            for node in self.targets
        )


class ProcessHangSpec(FaultSpec, ProcessMatch):
    type: Literal["process.hang"]


class ProcessHang(Fault):
    """Freezes the matching processes (SIGSTOP); revert thaws them (SIGCONT). Connections
    stay open and time out, which is harder on clients than a clean crash."""

    kind: ClassVar[str] = "process.hang"
    Spec: ClassVar[type[FaultSpec]] = ProcessHangSpec
    example: ClassVar[dict[str, Any]] = {"type": "process.hang", "target": "n1", "name": "sshd"}

    def inject(self) -> None:
        assert isinstance(self.spec, ProcessHangSpec)
        for node in self.targets:
            pids = self.spec.pids(self.env, node)
            if not pids:
                raise FaultFailure(
                    f"{node}: no process matches {self.spec.name or self.spec.pattern!r}"
                )
            signal(self.env, node, pids, "SIGSTOP")

    def _states(self, node: str) -> list[str]:
        assert isinstance(self.spec, ProcessHangSpec)
        return alive(self.env, node, self.spec.pids(self.env, node))

    def is_injected(self) -> bool:
        return all((states := self._states(node)) and set(states) == {"T"} for node in self.targets)

    def revert(self) -> None:
        assert isinstance(self.spec, ProcessHangSpec)
        for node in self.targets:
            if self.env.node_running(node):
                signal(self.env, node, self.spec.pids(self.env, node), "SIGCONT")

    def is_reverted(self) -> bool:
        return all("T" not in self._states(node) for node in self.targets)
