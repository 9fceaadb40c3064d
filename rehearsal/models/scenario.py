"""A scenario: who takes part, what is broken in which phase, and what counts as success."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.calendar import DAYS, Day
from rehearsal.models.durations import Duration

TimeOfDay = time  # a field named 'time' cannot be annotated with the name it shadows
HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


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


class WeekdayAt(Strict):
    """A weekday and a time of day in the profile calendar's time zone: the next such hour
    from when the run starts."""

    weekday: Day = Field(description="mon, tue, wed, thu, fri, sat or sun")
    time: TimeOfDay = Field(description="local time of day, 'HH:MM', e.g. '10:30'")

    @field_validator("weekday", mode="before")
    @classmethod
    def _known_day(cls, value: Any) -> Any:
        if not (isinstance(value, str) and value.lower() in DAYS):
            raise ValueError(
                f"weekday {value!r} is not a day; write one of {', '.join(DAYS)}, e.g. 'mon'"
            )
        return value.lower()

    @field_validator("time", mode="before")
    @classmethod
    def _hh_mm(cls, value: Any) -> Any:
        if not (isinstance(value, str) and HH_MM.fullmatch(value)):
            raise ValueError(f"time {value!r} is not HH:MM; write it like '10:30' (quoted)")
        return value


def aware_time(value: Any) -> Any:
    """An ISO time for ``at:`` must carry its offset: without one, which hour it is depends
    on where the run happens to start."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO time; write '2026-12-07T10:30:00+09:00', or "
                "{weekday: mon, time: '10:30'}"
            ) from None
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError(
            f"'at: {value.isoformat()}' has no offset; add one, e.g. "
            f"'{value.isoformat()}+09:00', or write {{weekday: mon, time: '10:30'}} to use the "
            "calendar's time zone"
        )
    return value
