"""The fault protocol: inject, check it took, revert, check the node is back.

The engine registers ``revert`` on its exit stack *before* calling ``inject``, so a fault
that half-applied, or a run killed between the two, is still undone. Faults keep whatever
their revert needs *inside the node* (backups, firewall chains, marked processes), so
``rehearsal recover`` in another process can undo them from the journal alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar, get_args

from pydantic import Field, model_validator

from rehearsal.envs.base import Environment
from rehearsal.models.base import Name, Strict
from rehearsal.models.durations import Duration
from rehearsal.scenarios.faults.switch import DEFAULT_BOUND_S, HEARTBEAT_S, MIN_BOUND_S


class FaultSpec(Strict):
    """What every fault shares: which nodes it hits, and when."""

    type: str
    target: Name | list[Name] | None = Field(default=None, description="node name(s)")
    role: Name | None = Field(default=None, description="every node of this role")
    network: Name | None = Field(default=None, description="every node on this network")
    label: dict[str, str] | None = Field(default=None, description="nodes with these labels")
    count: int | None = Field(default=None, ge=1, description="pick this many of the matches")
    percent: float | None = Field(
        default=None, gt=0, le=100, description="pick this share of the matches"
    )
    seed: int | None = Field(
        default=None,
        description="makes the random pick repeatable; default: the run's seed (--seed)",
    )
    duration: Duration | None = Field(default=None, description="revert after this long")
    after: Duration = Field(default=0.0, description="inject this long after the step starts")
    parallel: bool = Field(default=False, description="go on with the next step at once")
    until: Literal["phase", "end"] = Field(
        default="phase", description="revert when the phase ends, or at the end of the run"
    )
    switch_after: Duration = Field(
        default=DEFAULT_BOUND_S,
        description="dead man's switch: the node reverts the fault by itself this long after "
        "the orchestrator's last heartbeat, or this long past 'duration'",
    )

    @model_validator(mode="after")
    def _selects_nodes(self) -> Self:
        if self.target is None and self.role is None and self.network is None and not self.label:
            raise ValueError("a fault needs nodes: 'target:', 'role:', 'network:' or 'label:'")
        if self.count is not None and self.percent is not None:
            raise ValueError("give 'count:' or 'percent:', not both")
        if self.switch_after < MIN_BOUND_S:
            raise ValueError(
                f"'switch_after' must be at least three heartbeat intervals ({MIN_BOUND_S:g}s; "
                f"rehearsal beats every {HEARTBEAT_S:g}s), or the switch could revert a fault "
                "whose run is alive"
            )
        return self

    @property
    def targets(self) -> list[str]:
        """The nodes named outright (selection by role, network or label needs a profile)."""
        if self.target is None:
            return []
        return [self.target] if isinstance(self.target, str) else list(self.target)


@dataclass(frozen=True)
class Placement:
    """The nodes a fault was resolved to: its targets, and for network faults their peers."""

    targets: tuple[str, ...]
    peers: tuple[str, ...] = ()
    roles: tuple[Path, ...] = ()
    """The profile's role folders, shipped and own: a playbook fault may use its roles."""


S = TypeVar("S", bound=FaultSpec, covariant=True)
"""A fault's spec type; covariant, so ``Fault[FaultSpec]`` is any fault."""


class Fault(ABC, Generic[S]):
    """One fault type, generic over its spec so ``self.spec`` has the fault's own fields."""

    kind: ClassVar[str]
    Spec: ClassVar[type[FaultSpec]]
    """The spec class, ``S`` itself: taken from ``Fault[XSpec]`` when the class is made (a
    class variable cannot name a type variable)."""
    example: ClassVar[dict[str, Any]]
    """A spec that works on any node of the base image (nodes ``n1``, ``n2``); used by the
    protocol-compliance test and the fault-latency benchmark."""
    requires: ClassVar[frozenset[str]] = frozenset()
    """What a node must have for this fault (names of ``preflight.CHECKS``)."""
    needs: ClassVar[str | None] = None
    """What a node needs beyond the base image for ``example`` to work (None: nothing)."""
    capabilities: ClassVar[frozenset[str]] = frozenset()
    """Linux capabilities beyond Docker's defaults that the targets' containers need; only
    nodes a scenario's faults can hit get them."""
    containers_only: ClassVar[bool] = False
    """It stops, pauses or rebuilds the node's container: a lab host is not ours to do that to."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            spec = next(iter(get_args(base)), None)
            if isinstance(spec, type) and issubclass(spec, FaultSpec):
                cls.Spec = spec

    def __init__(self, spec: S, env: Environment, placement: Placement | None = None) -> None:
        self.spec = spec
        self.env = env
        self.placement = placement or Placement(tuple(spec.targets))
        self.notes: list[str] = []
        """What the journal should know about how the fault was applied."""
        self.confirmed: set[str] = set()
        """Targets whose inject checked its own effect in the same exec (see ``unchecked``)."""

    def unchecked(self) -> list[str]:
        """The targets ``is_injected`` must look at: those whose inject did not check its
        effect itself. Such a check counts once, so later calls look at every node again."""
        left = [node for node in self.targets if node not in self.confirmed]
        self.confirmed = set()
        return left

    def revert_argv(self, node: str) -> list[str] | None:
        """The revert as one argv the node can run alone (its dead man's switch), or None
        for a fault the node cannot undo by itself (a stopped or removed container)."""
        return None

    @classmethod
    def has_switch(cls) -> bool:
        """Whether the node can revert this fault by itself (see ``revert_argv``)."""
        return cls.revert_argv is not Fault.revert_argv

    @classmethod
    def requirements(cls, spec: FaultSpec) -> frozenset[str]:
        """What a node needs for this fault with these fields (see ``preflight``)."""
        return cls.requires

    @property
    def targets(self) -> tuple[str, ...]:
        return self.placement.targets

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
