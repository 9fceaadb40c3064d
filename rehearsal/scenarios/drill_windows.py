"""Scheduled drills against the customer's calendar: a drill with no schedule of its own runs
when each maintenance window opens, and a schedule that starts runs outside every window is
a warning at ``serve`` time (disruptive work belongs in the agreed windows)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from rehearsal.models.calendar import Calendar
from rehearsal.models.drills import Drill

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


def now_utc() -> datetime:
    return datetime.now(UTC)
