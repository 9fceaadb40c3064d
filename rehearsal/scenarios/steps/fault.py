"""``fault:`` — break something; its revert is on a fault stack before it is injected.

The stack is the phase's (``until: phase``, the default) or the run's (``until: end``),
so every fault is undone when its scope ends, on a failed step, on Ctrl-C or SIGTERM,
or earlier when its ``duration`` runs out. ``after`` delays the injection; with
``parallel: true`` the step does not wait for it, so several faults run at once.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Discriminator, Tag, model_validator

from rehearsal.errors import RunCancelled
from rehearsal.models.base import Strict
from rehearsal.models.durations import format_duration
from rehearsal.models.suggest import did_you_mean
from rehearsal.scenarios.faults import FAULTS, FaultSpec, Placement
from rehearsal.scenarios.faults.lifecycle import ActiveFault
from rehearsal.scenarios.faults.targeting import matching, node_facts, place, problems
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome


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


def describe(spec: FaultSpec, placement: Placement) -> str:
    """What a fault will do and when, in one line (for labels and ``--dry-run``)."""
    where = ", ".join(placement.targets) or "(no node)"
    if placement.peers:
        where += f" <-> {', '.join(placement.peers)}"
    timing = []
    if spec.after:
        timing.append(f"after {format_duration(spec.after)}")
    if spec.duration is not None:
        timing.append(f"for {format_duration(spec.duration)}")
    timing.append("until the end of the run" if spec.until == "end" else "until the phase ends")
    if spec.parallel:
        timing.append("in the background")
    return f"{spec.type} on {where} ({', '.join(timing)})"


class FaultKind(StepKind):
    key: ClassVar[str] = "fault"
    Model: ClassVar[type[Strict]] = FaultStep

    def label(self, step: FaultStep) -> str:
        names = step.fault.targets
        return f"{step.fault.type} on {', '.join(names) if names else 'selected nodes'}"

    def check(self, step: FaultStep, names: Names) -> list[tuple[Loc, str]]:
        if names.profile is None:
            return []
        found = problems(step.fault, names.profile)
        if not found and FAULTS[step.fault.type].containers_only:
            found = [
                (
                    ("type",),
                    f"{step.fault.type} cannot act on {node}: it is a lab host reached over SSH, "
                    "not a container; use a fault that acts inside the node (process.*, "
                    "service.*, network.*, resource.*) or leave it out of the targets",
                )
                for node in matching(step.fault, node_facts(names.profile))
                if names.profile.node(node).lab_host is not None
            ]
        return [(("fault", *where), message) for where, message in found]

    def run(self, step: FaultStep, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        spec = step.fault
        placement = place(spec, context.profile, context.seed)
        fault = FAULTS[spec.type](spec, context.env, placement)
        active = ActiveFault(
            context.next_fault_id(), fault, context.journal, phase.name, context.finding
        )
        scope = context.faults if spec.until == "end" else context.phase_faults or context.faults
        scope.callback(active.revert)
        where = describe(spec, placement)
        if spec.parallel:
            active.inject_later(spec.after, spec.duration)
            return StepOutcome("passed", f"started: {where}")
        if spec.after and context.cancelled.wait(spec.after):
            raise RunCancelled("the run was cancelled")
        if not active.inject():
            return StepOutcome("failed", f"{where} did not take")
        if spec.duration is not None:
            active.revert_after(spec.duration)
        return StepOutcome("passed", where)
