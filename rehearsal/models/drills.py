"""A drills file: scheduled, unattended rehearsals before a cutover.

drills:
  - name: nightly-app-node-loss
    scenario: webshop/drill-app-node-loss.yaml     # relative to the scenarios folder
    answers: webshop/answers-app-node-loss.yaml    # optional
    cron: "0 2 * * *"                              # or rrule: "FREQ=DAILY;BYHOUR=2";
                                                   # neither: when each maintenance window
                                                   # of the profile's calendar opens
    timezone: Asia/Seoul
    until: 2026-12-01                              # the cutover: no runs after it
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from dateutil.rrule import rrulestr
from pydantic import Field, field_validator, model_validator

from rehearsal.models.base import Name, Strict

CRON_FIELDS = (
    "the five fields are minute (0-59) hour (0-23) day of month (1-31) month (1-12) "
    "weekday (0-6, Sunday 0, or mon-sun), e.g. '0 2 * * *' for 02:00 every day"
)
# Any instant parses a rule; checking one needs no clock.
EPOCH = datetime(2000, 1, 1)


class Drill(Strict):
    name: Name
    scenario: str = Field(description="scenario file, relative to the scenarios folder")
    profile: str | None = None
    answers: str | None = None
    cron: str | None = Field(default=None, description="five-field cron expression")
    rrule: str | None = Field(default=None, description="an iCalendar RRULE")
    timezone: str = "UTC"
    until: date | None = Field(default=None, description="last day a run may start")

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, cron: str | None) -> str | None:
        if cron is None:
            return None
        if len(cron.split()) != 5:
            raise ValueError(f"cron {cron!r} needs five fields; {CRON_FIELDS}")
        try:
            CronSim(cron, EPOCH)
        except CronSimError as error:
            raise ValueError(f"cron {cron!r}: {str(error).lower()}; {CRON_FIELDS}") from None
        return cron

    @field_validator("rrule")
    @classmethod
    def _rrule_parses(cls, rule: str | None) -> str | None:
        if rule is None:
            return None
        fix = "write an iCalendar RRULE such as 'FREQ=DAILY;BYHOUR=2' (FREQ= is required)"
        if "FREQ=" not in rule.upper():
            raise ValueError(f"rrule {rule!r} has no FREQ=; {fix}")
        try:
            rrulestr(rule, dtstart=EPOCH)
        except (ValueError, TypeError) as error:
            raise ValueError(f"rrule {rule!r}: {error}; {fix}") from None
        return rule

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" is a folder
            raise ValueError(
                f"unknown time zone {zone!r}; use a name like 'Asia/Seoul' or 'UTC'"
            ) from None
        return zone

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if self.cron is not None and self.rrule is not None:
            raise ValueError("a drill has 'cron:' or 'rrule:', not both")
        return self


class DrillsFile(Strict):
    drills: list[Drill] = Field(min_length=1)


def ended(until: date | None, timezone: str, now: datetime) -> bool:
    """Whether a drill's last day is behind it on the drill's own clock: a 02:00 Seoul run
    the day after ``until`` is past it though it is still ``until`` in UTC."""
    return until is not None and now.astimezone(ZoneInfo(timezone)).date() > until
