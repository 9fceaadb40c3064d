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
drift_checks:                                      # `profile diff` on a schedule
  - name: webshop-drift
    profile: webshop/profile.yaml                  # relative to the scenarios folder
    inventory: webshop/hosts.ini                   # or hosts: [root@10.0.0.5, ...]
    key: webshop/capture_key                       # optional: else the SSH agent
    cron: "0 6 * * *"                              # or rrule:
    timezone: Asia/Seoul
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self
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


class Scheduled(Strict):
    """When a deployment runs: a cron expression or an RRULE, on a named clock."""

    cron: str | None = Field(default=None, description="five-field cron expression")
    rrule: str | None = Field(default=None, description="an iCalendar RRULE")
    timezone: str = "UTC"

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


class Drill(Scheduled):
    name: Name
    scenario: str = Field(description="scenario file, relative to the scenarios folder")
    profile: str | None = None
    answers: str | None = None
    until: date | None = Field(default=None, description="last day a run may start")


class DriftCheck(Scheduled):
    """``rehearsal profile diff`` on a schedule: the run fails when the servers have drifted
    from the profile, so Prefect's notifications say so before a cutover."""

    name: Name
    profile: str = Field(description="the profile, relative to the scenarios folder")
    hosts: list[str] | None = Field(
        default=None, min_length=1, description="the servers as USER@HOST[:PORT]"
    )
    inventory: str | None = Field(
        default=None, description="an Ansible inventory, relative to the scenarios folder"
    )
    key: str | None = Field(
        default=None, description="private key to log in with, relative to the scenarios folder"
    )
    known_hosts: str = "~/.ssh/known_hosts"
    host_keys: Literal["strict", "accept-new", "off"] = "strict"

    @model_validator(mode="after")
    def _servers_and_schedule(self) -> Self:
        if (self.hosts is None) == (self.inventory is None):
            raise ValueError(
                f"drift check {self.name!r} needs 'hosts:' (USER@HOST[:PORT] entries) or "
                "'inventory:' (an Ansible inventory file), one of the two"
            )
        if self.cron is None and self.rrule is None:
            raise ValueError(
                f"drift check {self.name!r} has no schedule; add 'cron:' (e.g. \"0 6 * * *\") "
                "or 'rrule:'"
            )
        return self


class DrillsFile(Strict):
    drills: list[Drill] = []
    drift_checks: list[DriftCheck] = []

    @model_validator(mode="after")
    def _something_scheduled(self) -> Self:
        if not self.drills and not self.drift_checks:
            raise ValueError("the file schedules nothing; list 'drills:' or 'drift_checks:'")
        return self


def ended(until: date | None, timezone: str, now: datetime) -> bool:
    """Whether a drill's last day is behind it on the drill's own clock: a 02:00 Seoul run
    the day after ``until`` is past it though it is still ``until`` in UTC."""
    return until is not None and now.astimezone(ZoneInfo(timezone)).date() > until
