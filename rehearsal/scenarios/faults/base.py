"""The fault protocol: inject, check it took, revert, check the node is back.

The engine registers ``revert`` on its exit stack *before* calling ``inject``, so a fault
that half-applied, or a run killed between the two, is still undone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import Field

from rehearsal.envs.base import Environment
from rehearsal.models.base import Name, Strict


class FaultSpec(Strict):
    type: str
    target: Name | list[Name] = Field(description="the node (or nodes) to break")

    @property
    def targets(self) -> list[str]:
        return [self.target] if isinstance(self.target, str) else list(self.target)


class Fault(ABC):
    kind: ClassVar[str]
    Spec: ClassVar[type[FaultSpec]]
    example: ClassVar[dict[str, Any]]
    """A spec that works on any node of the base image (nodes ``n1``, ``n2``); used by the
    protocol-compliance test and the fault-latency benchmark."""

    def __init__(self, spec: FaultSpec, env: Environment) -> None:
        self.spec = spec
        self.env = env

    @abstractmethod
    def inject(self) -> None: ...

    @abstractmethod
    def is_injected(self) -> bool:
        """True when the effect can be seen on the targets."""

    @abstractmethod
    def revert(self) -> None:
        """Undo the fault; safe to call when it was never (or only partly) injected."""

    @abstractmethod
    def is_reverted(self) -> bool: ...
