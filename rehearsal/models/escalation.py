"""Who responds, in what order, and how fast: the people on call, the escalation policy, and
the customer's service-level targets by severity."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rehearsal.models.alerts import Notify
from rehearsal.models.base import Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.models.vocabulary import Severity


class Person(Strict):
    name: Text = Field(max_length=100)
    role: Text | None = Field(default=None, description="e.g. 'tier 1', 'account manager'")


class Tier(Strict):
    """One step of the escalation: this person is asked, and has ``within`` to recover."""

    person: Text = Field(max_length=100, description="a name under on_call.people")
    within: Duration = Field(gt=0, description="how long before the next tier is asked")
    notify: list[Notify] = Field(
        default=[], description="how this person is told they are asked (e.g. an e-mail)"
    )


class ResponseTarget(Strict):
    first_response: Duration = Field(description="alert → acknowledged by the person on duty")
    recovery: Duration | Literal["rto"] = Field(
        default="rto", description="alert → service back; 'rto' is the profile's RTO"
    )
    hours: Literal["24x7", "business"] = Field(
        default="24x7", description="'business': the target holds only within business hours"
    )


class OnCall(Strict):
    people: list[Person] = Field(min_length=1)
    escalation: list[Tier] = Field(default=[], description="tier 1 first; each asked in turn")
    targets: dict[Severity, ResponseTarget] = Field(
        default={}, description="service-level targets by the alert's severity"
    )

    def names(self) -> list[str]:
        return [person.name for person in self.people]
