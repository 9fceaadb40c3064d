"""The customer's calendar: business hours, holidays and maintenance windows in one time zone.

Disruptive work belongs in a maintenance window; business impact is stated against business
hours; a shared lab host may only be used inside its allowed windows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from rehearsal.models.base import Name, Strict

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Window(Strict):
    """Weekly hours: on these days, from ``from`` up to (not including) ``to``."""

    name: Name | None = None
    days: list[Day] = Field(default=list(DAYS), min_length=1)
    start: time = Field(alias="from", description="local time the window opens, '22:00'")
    end: time = Field(alias="to", description="local time it closes; '24:00' is midnight")

    @field_validator("end", mode="before")
    @classmethod
    def _midnight(cls, value: object) -> object:
        return "23:59:59.999999" if value in ("24:00", "24:00:00") else value

    @model_validator(mode="after")
    def _not_inverted(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"the window closes ({self.end:%H:%M}) before it opens ({self.start:%H:%M}); "
                "a night window is two windows, e.g. 22:00-24:00 and 00:00-04:00 the next day"
            )
        return self

    def contains(self, local: datetime) -> bool:
        return DAYS[local.weekday()] in self.days and self.start <= local.time() < self.end

    def describe(self) -> str:
        days = "daily" if len(self.days) == 7 else ", ".join(d.capitalize() for d in self.days)
        end = "24:00" if self.end.hour == 23 and self.end.minute == 59 else f"{self.end:%H:%M}"
        return f"{days} {self.start:%H:%M}-{end}"


def _overlap(a: Window, b: Window) -> bool:
    return bool(set(a.days) & set(b.days)) and a.start < b.end and b.start < a.end


class Calendar(Strict):
    timezone: str = Field(description="an IANA time zone, e.g. 'Asia/Seoul'")
    business_hours: list[Window] = Field(default=[], description="when the business trades")
    holidays: list[date] = Field(default=[], description="days without business hours")
    maintenance_windows: list[Window] = Field(
        default=[], description="when disruptive work is agreed; scheduled drills belong here"
    )
    lab_windows: list[Window] = Field(
        default=[],
        description="when the shared lab host may run this customer's drills; "
        "outside them 'run' refuses unless --force",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; write an IANA name like 'Asia/Seoul' or 'UTC'"
            ) from None
        return value

    def overlaps(self) -> list[tuple[str, int, str]]:
        """(list key, index of the later window, message) for each pair of overlapping windows."""
        found = []
        for key in ("business_hours", "maintenance_windows", "lab_windows"):
            windows: list[Window] = getattr(self, key)
            for i, later in enumerate(windows):
                for earlier in windows[:i]:
                    if _overlap(earlier, later):
                        found.append(
                            (
                                key,
                                i,
                                f"{later.describe()} overlaps {earlier.describe()}; "
                                "merge them or move one",
                            )
                        )
        return found

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.zone)

    def business_open(self, when: datetime) -> bool:
        local = self.local(when)
        if local.date() in self.holidays:
            return False
        return any(window.contains(local) for window in self.business_hours)

    def maintenance_window(self, when: datetime) -> Window | None:
        local = self.local(when)
        return next((w for w in self.maintenance_windows if w.contains(local)), None)

    def lab_allowed(self, when: datetime) -> bool:
        local = self.local(when)
        return not self.lab_windows or any(w.contains(local) for w in self.lab_windows)

    def next_maintenance(self, after: datetime) -> datetime | None:
        """When the next maintenance window opens after ``after`` (within four weeks)."""
        local = self.local(after)
        for offset in range(29):
            day = local.date() + timedelta(days=offset)
            opens = sorted(
                datetime.combine(day, w.start, self.zone)
                for w in self.maintenance_windows
                if DAYS[day.weekday()] in w.days
            )
            found = next((at for at in opens if at > local), None)
            if found is not None:
                return found
        return None
