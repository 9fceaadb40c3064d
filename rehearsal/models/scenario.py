"""A scenario: who takes part, what is broken in which phase, and what counts as success."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal, Self

from pydantic import Field, model_validator

from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.durations import Duration


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


class StopWhen(Strict):
    """A safety limit: when it is reached the run stops, every fault is reverted, and the
    report says why."""

    probe: Name | None = Field(default=None, description="with failing_longer_than")
    failing_longer_than: Duration | None = None
    downtime_budget: Duration | None = Field(
        default=None, description="total time the business services may be down"
    )
    step_failed: bool = Field(default=False, description="stop at the first failed step")

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        chosen = [
            self.failing_longer_than is not None,
            self.downtime_budget is not None,
            self.step_failed,
        ]
        if sum(chosen) != 1:
            raise ValueError(
                "a stop condition is one of 'failing_longer_than:' (with 'probe:'), "
                "'downtime_budget:' or 'step_failed: true'"
            )
        if (self.failing_longer_than is None) != (self.probe is None):
            raise ValueError("'failing_longer_than:' goes with 'probe:'")
        return self


class RecoverWithin(Strict):
    recover_within: Literal["rto"] | Duration = Field(
        description="the service must be back within the profile's RTO, or this duration"
    )


class JobTiming(Strict):
    """Whether profile jobs also run by themselves: ``as_scheduled`` runs each job whose
    schedule falls inside the run, on a clock set to ``clock`` when the first phase starts."""

    run: Literal["as_scheduled", "when_asked"] = Field(
        default="when_asked",
        description="as_scheduled: jobs run when their schedule comes round during the run; "
        "when_asked: only at 'job:' steps",
    )
    clock: datetime | time | None = Field(
        default=None,
        description="the customer's local time (calendar time zone, else UTC) when the first "
        "phase starts, e.g. '01:29:30' or '2026-11-29T01:29:30'; default: the real time",
    )
    speed: float = Field(
        default=1.0,
        ge=1,
        le=3600,
        description="customer seconds a real second: 60 plays an hour of the night in a minute",
    )
