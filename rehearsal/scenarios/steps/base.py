"""The step protocol: one class a step type, selected by the YAML key users write.

A step type owns its model (what may be written under its key), its label (how journals,
logs and reports name it), its cross-checks against the profile and team, and how it runs.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any, ClassVar

from rehearsal.envs.base import Environment
from rehearsal.errors import RunCancelled
from rehearsal.journal.writer import Journal
from rehearsal.models.base import Strict
from rehearsal.models.profile import Profile
from rehearsal.scenarios.escalation import Acknowledgements
from rehearsal.scenarios.people import Answerer
from rehearsal.scenarios.sampler import ProbeSampler

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class PhaseInfo:
    name: str
    operator: str
    analyst: str
    index: int = 0
    step: int = 0

    @property
    def default_id(self) -> str:
        """``phase.step``, both counted from 1: how answers files name a question."""
        return f"{self.index + 1}.{self.step + 1}"


@dataclass
class StepOutcome:
    status: str
    detail: str
    budget_s: float | None = None


Finding = Callable[..., None]


@dataclass
class StepContext:
    """What a running step may use: the mirror, the journal, the probes, the fault stack
    (lives until the last phase ends), the phase stack (background work of this phase),
    the people who answer questions, and the run folder for evidence."""

    profile: Profile
    env: Environment
    journal: Journal
    sampler: ProbeSampler
    cancelled: threading.Event
    faults: ExitStack
    finding: Finding
    next_fault_id: Callable[[], str]
    answerer: Answerer
    run_dir: Path
    random: Random = field(default_factory=Random)
    seed: int = 0
    phase_stack: ExitStack = field(default_factory=ExitStack)
    phase_faults: ExitStack | None = None
    """Reverts due when the current phase ends (faults with ``until: phase``)."""
    loads: dict[str, Any] = field(default_factory=dict)
    acknowledgements: Acknowledgements = field(default_factory=Acknowledgements)
    """Alerts people have taken on, for steps that wait for it."""

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise RunCancelled("the run was cancelled")


@dataclass(frozen=True)
class Names:
    """Names a step may refer to, for cross-checks before anything starts."""

    nodes: list[str]
    probes: list[str]
    runbooks: list[str]
    operators: list[str]
    analysts: list[str]
    profile: Profile | None = None


class StepKind(ABC):
    key: ClassVar[str]
    Model: ClassVar[type[Strict]]

    @abstractmethod
    def label(self, step: Any) -> str: ...

    def check(self, step: Any, names: Names) -> list[tuple[Loc, str]]:
        """Problems with names the step refers to, located relative to the step."""
        return []

    def question_id(self, step: Any, default: str) -> str | None:
        """The id a person's answer is filed under, for steps that ask one."""
        return None

    @abstractmethod
    def run(self, step: Any, phase: PhaseInfo, context: StepContext) -> StepOutcome: ...
