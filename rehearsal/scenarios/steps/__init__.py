"""Step types, registered here by the YAML key that selects them."""

from __future__ import annotations

from rehearsal.scenarios.steps.action import ActionKind, ActionStep
from rehearsal.scenarios.steps.base import (
    Names,
    PhaseInfo,
    StepContext,
    StepKind,
    StepOutcome,
)
from rehearsal.scenarios.steps.check import CheckKind, CheckStep
from rehearsal.scenarios.steps.evidence import EvidenceKind, EvidenceStep
from rehearsal.scenarios.steps.fault import FaultKind, FaultStep
from rehearsal.scenarios.steps.job import JobKind, JobRef
from rehearsal.scenarios.steps.load import LoadKind, LoadStep
from rehearsal.scenarios.steps.observe import ObserveKind, ObserveStep
from rehearsal.scenarios.steps.runbook import RunbookKind, RunbookRef
from rehearsal.scenarios.steps.wait import ProbeState, WaitKind, WaitSpec, WaitStep

STEPS: dict[str, StepKind] = {
    kind.key: kind
    for kind in (
        FaultKind(),
        WaitKind(),
        CheckKind(),
        RunbookKind(),
        ActionKind(),
        ObserveKind(),
        EvidenceKind(),
        LoadKind(),
        JobKind(),
    )
}

__all__ = [
    "STEPS",
    "ActionStep",
    "CheckStep",
    "EvidenceStep",
    "FaultStep",
    "JobRef",
    "LoadStep",
    "Names",
    "ObserveStep",
    "PhaseInfo",
    "ProbeState",
    "RunbookRef",
    "StepContext",
    "StepKind",
    "StepOutcome",
    "WaitSpec",
    "WaitStep",
]
