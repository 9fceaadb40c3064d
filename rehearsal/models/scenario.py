"""A scenario: who takes part, what is broken in which phase, and what counts as success."""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.scenarios.steps import STEPS


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
