"""Step types, registered here by the YAML key that selects them."""

from __future__ import annotations

from rehearsal.scenarios.steps.base import (
    Names,
    PhaseInfo,
    StepContext,
    StepKind,
    StepOutcome,
)
from rehearsal.scenarios.steps.fault import FaultKind, FaultStep
from rehearsal.scenarios.steps.runbook import RunbookKind, RunbookRef
from rehearsal.scenarios.steps.wait import ProbeState, WaitKind, WaitSpec, WaitStep

STEPS: dict[str, StepKind] = {kind.key: kind for kind in (FaultKind(), WaitKind(), RunbookKind())}

__all__ = [
    "STEPS",
    "FaultStep",
    "Names",
    "PhaseInfo",
    "ProbeState",
    "RunbookRef",
    "StepContext",
    "StepKind",
    "StepOutcome",
    "WaitSpec",
    "WaitStep",
]
