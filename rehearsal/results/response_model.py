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
    """Whom the first acknowledgement was given for; ``acknowledged_source`` says who gave it."""
    acknowledged_at: datetime | None = None
    acknowledged_source: str | None = None
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
    """resolved, declined, escalated or run ended (each maybe after "acknowledged, then",
    with who stood in when no person did: "acknowledged (scripted), then"), or waiting (the
    journal stops before the tier ended)."""
    acknowledged_at: datetime | None = None
    acknowledged_source: str | None = None

    @property
    def passed_on(self) -> bool:
        """The next tier was asked after this one (limit reached, or declined)."""
        return self.outcome.endswith(("escalated", "declined"))


class StandIn(Record):
    """The first answer in a phase that no person gave: scripted in an answers file, the
    tool's own, or of unknown source (a journal older than sources). Never a person's figure."""

    person: str
    """Whom it answered for."""
    source: str
    after_s: float
    """Seconds from the alert."""


class PhaseResponse(Record):
    """How fast people responded in one phase, in seconds from the journal's timestamps.
    ``responder``, ``time_to_acknowledge_s`` and ``handling_s`` count only answers a person
    gave; an earlier answer that stood in for one is ``stand_in``."""

    phase: str
    attempt: int = 1
    on_duty: str
    responder: str | None
    severity: str | None
    time_to_detect_s: float | None
    time_to_alert_s: float | None
    time_to_acknowledge_s: float | None
    handling_s: float | None
    waiting_for_people_s: float | None
    """The waits for answers people gave (or nobody gave)."""
    stand_in: StandIn | None = None
    waiting_for_stand_ins_s: float | None = None
    """The waits an answers file or the tool held the phase for; None in older results."""


class PersonResponse(Record):
    person: str
    phases: list[str]
    acknowledged: int
    """Acknowledgements they gave themselves."""
    mean_time_to_acknowledge_s: float | None
    handling_s: float | None
    waited_for_s: float | None
    """The waits for their own answers, or their silence; a stand-in's wait is not theirs."""
    escalated_past: int
    answered_for_them: int = 0
    """Acknowledgements given in their name but not by them (scripted, the tool's, unknown)."""


class RunClockResult(Record):
    """The customer time the run stood for (from ``run.clock``): ``customer_at`` when the
    first phase started at ``wall_at``, passing ``speed`` times faster than real time."""

    customer_at: datetime
    timezone: str
    speed: float
    wall_at: datetime

    def customer(self, wall: datetime) -> datetime:
        return self.customer_at + (wall - self.wall_at) * self.speed


class CalendarNote(Record):
    timezone: str
    ran_at_local: str
    as_at: bool = False
    """The hour is the one the scenario's ``at:`` stands for, not when it really ran."""
    business_hours: bool
    holiday: bool
    maintenance_window: str | None
    business_hours_text: str
    estimates: dict[str, str] = {}
    """service → what its downtime would have cost during business hours ('about 31 orders')."""
