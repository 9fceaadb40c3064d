"""A scenario: who takes part, what is broken in which phase, and what counts as success."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Discriminator, Field, Tag, model_validator

from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.scenarios.faults import FAULTS, FaultSpec
from rehearsal.suggest import did_you_mean


def _fault_type(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in FAULTS else None


if TYPE_CHECKING:
    AnyFaultSpec = FaultSpec
else:
    _tagged = tuple(Annotated[fault.Spec, Tag(fault.kind)] for fault in FAULTS.values())
    AnyFaultSpec = (
        Annotated[_tagged, Discriminator(_fault_type)] if len(_tagged) > 1 else _tagged[0]
    )


class Person(Strict):
    name: Text = Field(max_length=200)
    contact: Text | None = None


class Team(Strict):
    owner: Person | None = None
    operators: list[Person] = Field(min_length=1)
    analysts: list[Person] = Field(min_length=1)

    def names(self) -> set[str]:
        people = [*self.operators, *self.analysts, *([self.owner] if self.owner else [])]
        return {person.name for person in people}


class ProbeState(Strict):
    probe: Name
    status: Literal["passing", "failing"]


class WaitSpec(Strict):
    until: ProbeState | None = None
    for_: Duration | None = Field(default=None, alias="for")
    timeout: Duration = 60.0

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.until is None) == (self.for_ is None):
            raise ValueError("a wait has either 'until:' (a probe state) or 'for:' (a duration)")
        return self


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


class WaitStep(Strict):
    wait: WaitSpec


class RunbookRef(Strict):
    runbook: Name


STEP_KINDS: dict[str, type[Strict]] = {"fault": FaultStep, "wait": WaitStep, "runbook": RunbookRef}


def _step_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = [key for key in value if key in STEP_KINDS]
        return keys[0] if len(keys) == 1 else None
    return next((kind for kind, model in STEP_KINDS.items() if isinstance(value, model)), None)


Step = Annotated[
    Annotated[FaultStep, Tag("fault")]
    | Annotated[WaitStep, Tag("wait")]
    | Annotated[RunbookRef, Tag("runbook")],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step is one of 'fault:', 'wait:' or 'runbook:'",
    ),
]


class Phase(Strict):
    name: Text = Field(max_length=200)
    operator: Text = Field(max_length=200)
    analyst: Text = Field(max_length=200)
    steps: list[Step] = Field(min_length=1)


class RecoverWithin(Strict):
    recover_within: Literal["rto"] | Duration = Field(
        description="the service must be back within the profile's RTO, or this duration"
    )


class Scenario(Strict):
    kind: Literal["rehearsal", "reproduction"]
    title: Text | None = Field(default=None, max_length=300)
    purpose: Text | None = None
    profile: str = Field(description="path of the customer profile, relative to this file")
    team: Team
    steady_state: list[Name] = Field(min_length=1, description="probes that must pass")
    phases: list[Phase] = Field(min_length=1)
    criteria: list[RecoverWithin] = []
    steady_state_timeout: Duration = 120.0
