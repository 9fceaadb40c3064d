"""The people side of results: alerts and their delivery, escalation, response figures per
phase and per person, and where the run fell in the customer's calendar."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeliveryResult(Record):
    channel: str
    target: str
    delivered: bool
    at: datetime
    detail: str


class AlertResult(Record):
    id: str
    monitor: str
    probe: str
    severity: str
    phase: str | None
    fired_at: datetime
    resolved_at: datetime | None
    deliveries: list[DeliveryResult] = []
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    attempt: int = 1

    @property
    def label(self) -> str:
        """How a reader names it: the count without the id's attempt suffix (``AL1-a2``), plus
        the attempt in a reproduction."""
        number = self.id.partition("-")[0]
        return number if self.attempt == 1 else f"{number} of attempt {self.attempt}"

    @property
    def delivered(self) -> bool:
        return any(d.delivered for d in self.deliveries)


class EscalationStep(Record):
    """One tier asked about one alert, and how it ended for that tier."""

    alert: str
    tier: int
    person: str
    asked_at: datetime
    ended_at: datetime | None
    outcome: str
    """resolved, declined, escalated or run ended (each maybe after "acknowledged, then"),
    or waiting (the journal stops before the tier ended)."""
    acknowledged_at: datetime | None = None

    @property
    def passed_on(self) -> bool:
        """The next tier was asked after this one (limit reached, or declined)."""
        return self.outcome.endswith(("escalated", "declined"))


class PhaseResponse(Record):
    """How fast people responded in one phase, in seconds from the journal's timestamps."""

    phase: str
    attempt: int = 1
    on_duty: str
    responder: str | None
    severity: str | None
    time_to_detect_s: float | None
    time_to_alert_s: float | None
    time_to_acknowledge_s: float | None
    handling_s: float | None
    waiting_for_people_s: float


class PersonResponse(Record):
    person: str
    phases: list[str]
    acknowledged: int
    mean_time_to_acknowledge_s: float | None
    handling_s: float | None
    waited_for_s: float
    escalated_past: int


class CalendarNote(Record):
    timezone: str
    ran_at_local: str
    business_hours: bool
    holiday: bool
    maintenance_window: str | None
    business_hours_text: str
    estimates: dict[str, str] = {}
    """service → what its downtime would have cost during business hours ('about 31 orders')."""
