"""A job's schedule as profiles write it: five-field cron (``cron`` in front or not) or
``daily HH:MM``. Read only when a scenario runs jobs as scheduled, so a profile's free-text
schedule stays valid for profiles that only document their jobs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta

_DAILY = re.compile(r"^daily\s+([01]?\d|2[0-3]):([0-5]\d)$")
FORMS = "write cron like '30 1 * * *' (or 'cron 30 1 * * *') or 'daily 01:30'"


def schedule_problem(schedule: str) -> str | None:
    """Why ``schedule`` cannot be read, with the forms that can; None when it can."""
    text = schedule.strip()
    if _DAILY.match(text):
        return None
    cron = _cron(text)
    if cron is None:
        return f"cannot read schedule {schedule!r}; {FORMS}"
    from cronsim import CronSim, CronSimError

    try:
        CronSim(cron, datetime(2000, 1, 1))
    except CronSimError as error:
        return f"cannot read schedule {schedule!r} as cron ({error}); {FORMS}"
    return None


def times_between(schedule: str, start: datetime, end: datetime) -> Iterator[datetime]:
    """Each time the schedule fires from ``start`` (included) up to ``end`` (excluded), in
    ``start``'s time zone; a schedule with a problem fires never."""
    if schedule_problem(schedule) is not None:
        return
    text = schedule.strip()
    daily = _DAILY.match(text)
    if daily:
        at = datetime.combine(start.date(), time(int(daily[1]), int(daily[2])), start.tzinfo)
        at = at if at >= start else at + timedelta(days=1)
        while at < end:
            yield at
            at += timedelta(days=1)
        return
    from cronsim import CronSim

    cron = _cron(text)
    assert cron is not None
    # CronSim yields times strictly after its start: begin a microsecond earlier.
    for at in CronSim(cron, start - timedelta(microseconds=1)):
        if at >= end:
            return
        yield at


def _cron(text: str) -> str | None:
    fields = text.split()
    if fields[:1] == ["cron"]:
        fields = fields[1:]
    return " ".join(fields) if len(fields) == 5 else None
