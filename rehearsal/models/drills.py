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

from datetime import date
from typing import Self

from pydantic import Field, model_validator

from rehearsal.models.base import Name, Strict


class Drill(Strict):
    name: Name
    scenario: str = Field(description="scenario file, relative to the scenarios folder")
    profile: str | None = None
    answers: str | None = None
    cron: str | None = Field(default=None, description="five-field cron expression")
    rrule: str | None = Field(default=None, description="an iCalendar RRULE")
    timezone: str = "UTC"
    until: date | None = Field(default=None, description="last day a run may start")

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if self.cron is not None and self.rrule is not None:
            raise ValueError("a drill has 'cron:' or 'rrule:', not both")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(f"cron {self.cron!r} needs five fields: minute hour day month weekday")
        return self


class DrillsFile(Strict):
    drills: list[Drill] = Field(min_length=1)
