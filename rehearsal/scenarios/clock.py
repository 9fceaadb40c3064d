"""The run's clock: the customer time a drill stands for, passing ``speed`` times faster
than the wall clock from when the first phase starts.

A scenario sets it with ``at:`` (or, for the jobs only, ``jobs.clock``); the engine journals
an ``at:`` mapping as ``run.clock`` so everything derived later reads the customer's hour
from the journal, never from the wall clock at report time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from rehearsal.models.calendar import DAYS
from rehearsal.models.scenario import JobTiming, WeekdayAt
from rehearsal.scenarios.document import Scenario


@dataclass(frozen=True)
class RunClock:
    customer_start: datetime
    """What the customer's clock reads when the first phase starts (in ``zone``)."""
    wall_start: datetime
    zone: tzinfo
    speed: float
    from_at: bool
    """The scenario's ``at:`` set it: then it is journaled and every calendar verdict reads
    it. ``jobs.clock`` (or nothing) sets it for the jobs only, as before ``at:`` existed."""

    def customer(self, wall: datetime) -> datetime:
        return self.customer_start + (wall - self.wall_start) * self.speed

    def journal_fields(self) -> dict[str, object]:
        return {
            "customer_at": self.customer_start.isoformat(),
            "timezone": str(self.zone),
            "speed": self.speed,
            "wall_at": self.wall_start.isoformat(),
        }


def next_weekday_at(at: WeekdayAt, zone: tzinfo, now: datetime) -> datetime:
    """The next ``at.weekday`` ``at.time`` in ``zone`` from ``now`` (now itself included)."""
    local = now.astimezone(zone)
    ahead = (DAYS.index(at.weekday) - local.weekday()) % 7
    found = datetime.combine(local.date() + timedelta(days=ahead), at.time, zone)
    return found if found >= local else found + timedelta(days=7)


def jobs_clock_start(timing: JobTiming, zone: tzinfo, now: datetime) -> datetime:
    """What ``jobs.clock`` makes the clock read: that time today when only a time of day is
    given, else the real time, in the customer's time zone."""
    clock = timing.clock
    local = now.astimezone(zone)
    if clock is None:
        return local
    if isinstance(clock, datetime):
        return clock if clock.tzinfo else clock.replace(tzinfo=zone)
    return datetime.combine(local.date(), clock, zone)


def run_clock(scenario: Scenario, calendar_zone: ZoneInfo | None, now: datetime) -> RunClock:
    """The run's clock, started at ``now`` (when the first phase starts), in the calendar's
    time zone; without a calendar, an ISO ``at:`` keeps its own offset and the rest is UTC."""
    speed = scenario.jobs.speed
    at = scenario.at
    zone: tzinfo = calendar_zone or UTC
    if isinstance(at, WeekdayAt):  # validation refuses this form without a calendar
        return RunClock(next_weekday_at(at, zone, now), now, zone, speed, True)
    if isinstance(at, datetime):
        start = at.astimezone(calendar_zone) if calendar_zone else at
        assert start.tzinfo is not None  # validation refuses an 'at:' without an offset
        return RunClock(start, now, start.tzinfo, speed, True)
    return RunClock(jobs_clock_start(scenario.jobs, zone, now), now, zone, speed, False)


def rehearsed_as_at(customer: datetime, wall: datetime) -> str:
    """The line a report and a dry run say it with."""
    return (
        f"Rehearsed as at {customer:%a %Y-%m-%d %H:%M} {customer.tzname()} "
        f"(run on {wall.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
    )
