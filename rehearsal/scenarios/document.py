"""A scenario document: its phases and their steps, whose types come from the step registry."""

from __future__ import annotations

import operator
from datetime import datetime
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.models.scenario import (
    JobTiming,
    RecoverWithin,
    StopWhen,
    Team,
    WeekdayAt,
    aware_time,
)
from rehearsal.scenarios.steps import STEPS
from rehearsal.scenarios.symptom import Symptom


def step_key(value: Any) -> str | None:
    """The step type of a YAML step (its one known key), or None."""
    if isinstance(value, dict):
        keys = [key for key in value if key in STEPS]
        return keys[0] if len(keys) == 1 else None
    return next((key for key, kind in STEPS.items() if isinstance(value, kind.Model)), None)


if TYPE_CHECKING:
    Step = Strict
else:
    Step = Annotated[
        reduce(operator.or_, [Annotated[kind.Model, Tag(key)] for key, kind in STEPS.items()]),
        Discriminator(
            step_key,
            custom_error_type="step_kind",
            custom_error_message=f"a step is one of {', '.join(repr(k + ':') for k in STEPS)}",
        ),
    ]


def _at_form(value: Any) -> str:
    return "weekday form" if isinstance(value, dict | WeekdayAt) else "iso time"


# One form's errors only: a mapping is the weekday form, anything else an ISO time.
RunAt = Annotated[
    Annotated[datetime, Tag("iso time")] | Annotated[WeekdayAt, Tag("weekday form")],
    Discriminator(_at_form),
]


MAX_ATTEMPTS = 50


class Attempts(Strict):
    """How many times a reproduction tries, and how many of its tries run side by side, each
    on a mirror of its own."""

    count: int = Field(ge=1, le=MAX_ATTEMPTS, description="how many tries")
    parallel: int = Field(
        default=1, ge=1, description="how many tries run at once, each on its own mirror"
    )

    @model_validator(mode="after")
    def _parallel_within_count(self) -> Self:
        if self.parallel > self.count:
            raise ValueError(
                f"'parallel: {self.parallel}' is more than 'count: {self.count}'; at most "
                f"{self.count} tries can run at once, so write 'parallel: {self.count}' or less"
            )
        return self


def _attempts_form(value: Any) -> str:
    return "mapping" if isinstance(value, dict | Attempts) else "count"


# One form's errors only: a mapping is {count, parallel}, anything else a count.
AttemptsField = Annotated[
    Annotated[int, Field(ge=1, le=MAX_ATTEMPTS), Tag("count")]
    | Annotated[Attempts, Tag("mapping")],
    Discriminator(_attempts_form),
]


class Phase(Strict):
    name: Text = Field(max_length=200)
    operator: Text = Field(max_length=200)
    analyst: Text = Field(max_length=200)
    steps: list[Step] = Field(min_length=1)


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
    stop_when: list[StopWhen] = []
    symptom: Symptom | None = Field(
        default=None, description="reproductions: what shows the incident happened"
    )
    attempts: AttemptsField = Field(
        default=1,
        description="reproductions: how many tries (a number), or {count, parallel} to run "
        "'parallel' of them at once, each on a mirror of its own",
    )
    seed: int | None = Field(default=None, description="makes random choices repeatable")
    jobs: JobTiming = Field(
        default=JobTiming(),
        description="'as_scheduled' (or a mapping with run, clock, speed) to run the profile's "
        "jobs when their schedule comes round",
    )
    at: RunAt | None = Field(
        default=None,
        description="the customer time the drill stands for when its first phase starts: an "
        "ISO time with an offset ('2026-12-07T10:30:00+09:00') or {weekday: mon, time: "
        "'10:30'} in the calendar's time zone (the next such hour); it then passes at "
        "'jobs.speed' and drives scheduled jobs and every calendar verdict",
    )

    @field_validator("at", mode="before")
    @classmethod
    def _at_has_offset(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else aware_time(value)

    @field_validator("at")
    @classmethod
    def _one_clock(cls, value: Any, info: ValidationInfo) -> Any:
        jobs = info.data.get("jobs")
        if value is not None and isinstance(jobs, JobTiming) and jobs.clock is not None:
            raise ValueError(
                "both 'at:' and 'jobs.clock' set the run's clock; keep 'at:' (it drives the "
                "jobs too) and remove 'clock:' from 'jobs:'"
            )
        return value

    @field_validator("jobs", mode="before")
    @classmethod
    def _jobs_shorthand(cls, value: Any) -> Any:
        return {"run": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _reproduction_has_symptom(self) -> Self:
        if self.kind == "reproduction" and self.symptom is None:
            raise ValueError("a reproduction needs 'symptom:' (what shows the incident happened)")
        if self.kind == "rehearsal" and self.attempt_count != 1:
            raise ValueError("'attempts:' is for reproductions; a rehearsal runs once")
        return self

    @property
    def attempt_count(self) -> int:
        return self.attempts if isinstance(self.attempts, int) else self.attempts.count

    @property
    def parallel(self) -> int:
        """How many attempts run at once (1: one after the other)."""
        return 1 if isinstance(self.attempts, int) else self.attempts.parallel


def question_ids(scenario: Scenario) -> list[str]:
    """Ids under which answers files answer manual steps and observations, in order."""
    found = []
    for p, phase in enumerate(scenario.phases):
        for s, step in enumerate(phase.steps):
            key = step_key(step)
            assert key is not None
            asked = STEPS[key].question_id(step, f"{p + 1}.{s + 1}")
            if asked is not None:
                found.append(asked)
    return found
