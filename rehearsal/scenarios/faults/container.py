"""The node itself fails: it stops, dies from a signal, freezes, reboots, or is rebuilt.

Every revert here is "the node is running again"; a stopped node boots its enabled
services on start, as a server does after a power cut.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from rehearsal.models.durations import Duration
from rehearsal.scenarios.faults.base import Fault, FaultSpec, S

Signal = Literal["SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT"]


class _NodeBack(Fault[S]):
    """Revert shared by the node faults: start whatever is not running, unpause the rest."""

    containers_only: ClassVar[bool] = True

    def revert(self) -> None:
        for node in self.targets:
            state = self.env.node_state(node)
            if state == "paused":
                self.env.unpause_node(node)
            elif state != "running":
                self.env.start_node(node)

    def is_reverted(self) -> bool:
        return all(self.env.node_state(node) == "running" for node in self.targets)


class ContainerStopSpec(FaultSpec):
    type: Literal["container.stop"]
    grace: Duration = 10.0


class ContainerStop(_NodeBack[ContainerStopSpec]):
    """Stops the targets; revert starts them again, so they boot their enabled services."""

    kind: ClassVar[str] = "container.stop"
    example: ClassVar[dict[str, Any]] = {"type": "container.stop", "target": "n1", "grace": 1}

    def inject(self) -> None:
        for node in self.targets:
            self.env.stop_node(node, self.spec.grace)

    def is_injected(self) -> bool:
        return not any(self.env.node_running(node) for node in self.targets)


class ContainerKillSpec(FaultSpec):
    type: Literal["container.kill"]
    signal: Signal = "SIGKILL"


class ContainerKill(_NodeBack[ContainerKillSpec]):
    """Sends a signal to the node's init: a crash (SIGKILL) rather than an orderly stop."""

    kind: ClassVar[str] = "container.kill"
    example: ClassVar[dict[str, Any]] = {"type": "container.kill", "target": "n1"}

    def inject(self) -> None:
        for node in self.targets:
            self.env.kill_node(node, self.spec.signal)

    def is_injected(self) -> bool:
        return not any(self.env.node_running(node) for node in self.targets)


class ContainerPauseSpec(FaultSpec):
    type: Literal["container.pause"]


class ContainerPause(_NodeBack[ContainerPauseSpec]):
    """Freezes every process of the node: it holds its connections but answers nothing."""

    kind: ClassVar[str] = "container.pause"
    example: ClassVar[dict[str, Any]] = {"type": "container.pause", "target": "n1"}

    def inject(self) -> None:
        for node in self.targets:
            self.env.pause_node(node)

    def is_injected(self) -> bool:
        return all(self.env.node_state(node) == "paused" for node in self.targets)


class ContainerRestartSpec(FaultSpec):
    type: Literal["container.restart"]
    grace: Duration = 10.0


class ContainerRestart(_NodeBack[ContainerRestartSpec]):
    """Reboots the node: a short outage, then its enabled services start again."""

    kind: ClassVar[str] = "container.restart"
    example: ClassVar[dict[str, Any]] = {"type": "container.restart", "target": "n1", "grace": 1}

    def inject(self) -> None:
        self._before = {node: self.env.started_at(node) for node in self.targets}
        for node in self.targets:
            self.env.restart_node(node, self.spec.grace)

    def is_injected(self) -> bool:
        before = getattr(self, "_before", {})
        return all(self.env.started_at(node) != before.get(node) for node in self.targets)


class ContainerRecreateSpec(FaultSpec):
    type: Literal["container.recreate"]


class ContainerRecreate(_NodeBack[ContainerRecreateSpec]):
    """Removes the node and makes it again from its image, at the same addresses.

    Everything changed inside the node since it was built is lost (files, installed
    packages, data not on a volume): the "server rebuilt from the golden image" case.
    """

    kind: ClassVar[str] = "container.recreate"
    example: ClassVar[dict[str, Any]] = {"type": "container.recreate", "target": "n1"}

    def inject(self) -> None:
        self._before = {node: self.env.started_at(node) for node in self.targets}
        for node in self.targets:
            self.env.recreate_node(node)

    def is_injected(self) -> bool:
        before = getattr(self, "_before", {})
        return all(self.env.started_at(node) != before.get(node) for node in self.targets)
