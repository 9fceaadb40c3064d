"""Node loss: the container (the customer's server) stops, as on a power or host failure."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from rehearsal.models.durations import Duration
from rehearsal.scenarios.faults.base import Fault, FaultSpec


class ContainerStopSpec(FaultSpec):
    type: Literal["container.stop"]
    grace: Duration = 10.0


class ContainerStop(Fault):
    """Stops the targets; revert starts them again, so they boot their enabled services."""

    kind: ClassVar[str] = "container.stop"
    Spec: ClassVar[type[FaultSpec]] = ContainerStopSpec
    example: ClassVar[dict[str, Any]] = {"type": "container.stop", "target": "n1", "grace": 1}

    def inject(self) -> None:
        assert isinstance(self.spec, ContainerStopSpec)
        for node in self.spec.targets:
            self.env.stop_node(node, self.spec.grace)

    def is_injected(self) -> bool:
        return not any(self.env.node_running(node) for node in self.spec.targets)

    def revert(self) -> None:
        for node in self.spec.targets:
            if not self.env.node_running(node):
                self.env.start_node(node)

    def is_reverted(self) -> bool:
        return all(self.env.node_running(node) for node in self.spec.targets)
