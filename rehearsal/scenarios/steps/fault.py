"""``fault:`` — break something; its revert is on the fault stack before it is injected."""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Discriminator, Tag, model_validator

from rehearsal.models.base import Strict
from rehearsal.scenarios.faults import FAULTS, Fault, FaultSpec
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome
from rehearsal.suggest import did_you_mean


def _fault_type(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in FAULTS else None


if TYPE_CHECKING:
    AnyFaultSpec = FaultSpec
else:
    AnyFaultSpec = Annotated[
        reduce(operator.or_, [Annotated[f.Spec, Tag(f.kind)] for f in FAULTS.values()]),
        Discriminator(_fault_type),
    ]


class FaultStep(Strict):
    fault: AnyFaultSpec

    @model_validator(mode="before")
    @classmethod
    def _known_type(cls, value: Any) -> Any:
        fault = value.get("fault") if isinstance(value, dict) else None
        if isinstance(fault, dict):
            kind = fault.get("type")
            if not isinstance(kind, str):
                raise ValueError(f"a fault needs 'type:', one of: {', '.join(sorted(FAULTS))}")
            if kind not in FAULTS:
                raise ValueError(f"unknown fault type {kind!r}{did_you_mean(kind, FAULTS)}")
        return value


class FaultKind(StepKind):
    key: ClassVar[str] = "fault"
    Model: ClassVar[type[Strict]] = FaultStep

    def label(self, step: FaultStep) -> str:
        return f"{step.fault.type} on {', '.join(step.fault.targets)}"

    def check(self, step: FaultStep, names: Names) -> list[tuple[Loc, str]]:
        return [
            (
                ("fault", "target"),
                f"unknown node {target!r}"
                f"{did_you_mean(target, names.nodes)} (targets are nodes of the profile)",
            )
            for target in step.fault.targets
            if target not in names.nodes
        ]

    def run(self, step: FaultStep, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        spec = step.fault
        fault_id = context.next_fault_id()
        fault = FAULTS[spec.type](spec, context.env)
        context.faults.callback(revert, context, fault_id, fault)
        context.journal.record(
            "fault.injecting",
            fault=fault_id,
            type=spec.type,
            targets=spec.targets,
            phase=phase.name,
        )
        fault.inject()
        injected = fault.is_injected()
        context.journal.record(
            "fault.injected",
            fault=fault_id,
            type=spec.type,
            targets=spec.targets,
            phase=phase.name,
            verified=injected,
        )
        where = f"{spec.type} on {', '.join(spec.targets)}"
        if not injected:
            return StepOutcome("failed", f"{where} did not take")
        return StepOutcome("passed", where)


def revert(context: StepContext, fault_id: str, fault: Fault) -> None:
    context.journal.record("fault.reverting", fault=fault_id)
    try:
        fault.revert()
        ok = fault.is_reverted()
    except Exception as error:
        context.journal.record(
            "fault.reverted",
            fault=fault_id,
            status="failed",
            detail=f"{type(error).__name__}: {error}",
        )
        raise
    context.journal.record("fault.reverted", fault=fault_id, status="reverted" if ok else "failed")
