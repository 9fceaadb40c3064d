"""Scheduled drills against the customer's calendar: a drill with no schedule of its own runs
when each maintenance window opens, and a schedule that starts runs outside every window is
a warning at ``serve`` time (disruptive work belongs in the agreed windows)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from rehearsal.models.calendar import Calendar
from rehearsal.models.drills import Drill, ended

LOOKAHEAD = 20  # upcoming runs checked against the windows


def window_crons(calendar: Calendar) -> list[str]:
    """One cron line a maintenance window: it starts when the window opens."""
    return [
        f"{w.start.minute} {w.start.hour} * * {','.join(w.days)}"
        for w in calendar.maintenance_windows
    ]


def upcoming(drill: Drill, now: datetime, count: int = LOOKAHEAD) -> list[datetime]:
    zone = ZoneInfo(drill.timezone)
    start = now.astimezone(zone)
    if drill.rrule is not None:
        from dateutil.rrule import rrulestr

        rule = rrulestr(drill.rrule, dtstart=start.replace(microsecond=0))
        return list(islice(iter(rule), count))
    if drill.cron is None:
        return []
    from cronsim import CronSim

    return list(islice(CronSim(drill.cron, start), count))


def schedule_warnings(drill: Drill, calendar: Calendar | None, now: datetime) -> list[str]:
    if calendar is None or not calendar.maintenance_windows:
        return []
    outside = [at for at in upcoming(drill, now) if calendar.maintenance_window(at) is None]
    if not outside:
        return []
    first = calendar.local(outside[0])
    windows = "; ".join(w.name or w.describe() for w in calendar.maintenance_windows)
    return [
        f"warning: drill {drill.name!r} is scheduled outside every maintenance window "
        f"(next such run {first:%a %Y-%m-%d %H:%M} {calendar.timezone}; windows: {windows}); "
        "leave out 'cron:'/'rrule:' to run when each window opens"
    ]


def starts_between(
    drill: Drill, calendar: Calendar | None, since: datetime, until: datetime, limit: int = 200
) -> list[datetime]:
    """Every start of ``drill`` from ``since`` up to ``until`` and its own ``until:`` day, at
    most ``limit``: its cron or rrule, or else each maintenance window's opening (none
    without a calendar to read them from)."""
    if drill.cron is not None or drill.rrule is not None:
        schedules = [drill]
    elif calendar is not None:
        zone = {"timezone": calendar.timezone}
        schedules = [drill.model_copy(update={"cron": c, **zone}) for c in window_crons(calendar)]
    else:
        schedules = []
    found = sorted(
        at.astimezone(UTC)
        for schedule in schedules
        for at in upcoming(schedule, since, limit)
        if at < until and not ended(drill.until, drill.timezone, at)
    )
    return found[:limit]


def now_utc() -> datetime:
    return datetime.now(UTC)
