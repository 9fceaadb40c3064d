"""When scheduled drills start between two instants: their own schedule, or each
maintenance window's opening, and never after their last day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from rehearsal.models.calendar import Calendar
from rehearsal.models.drills import Drill
from rehearsal.scenarios.drill_windows import starts_between

SINCE = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


def test_a_cron_drill_starts_each_night_until_its_last_day() -> None:
    drill = Drill(name="nightly", scenario="s.yaml", cron="0 2 * * *", timezone="Asia/Seoul",
                  until=date(2026, 12, 2))  # fmt: skip
    starts = starts_between(drill, None, SINCE, SINCE + timedelta(days=10))
    assert starts == [
        datetime(2026, 11, 30, 17, 0, tzinfo=UTC),  # 02:00 Seoul on 1 December
        datetime(2026, 12, 1, 17, 0, tzinfo=UTC),  # 02:00 Seoul on 2 December, its last day
    ]


def test_a_drill_without_a_schedule_starts_as_each_window_opens() -> None:
    calendar = Calendar.model_validate(
        {"timezone": "UTC", "maintenance_windows": [{"days": ["sun"], "from": "01:00",
                                                     "to": "05:00"}]}
    )  # fmt: skip
    drill = Drill(name="windows", scenario="s.yaml")
    starts = starts_between(drill, calendar, SINCE, SINCE + timedelta(days=14))
    assert starts == [
        datetime(2026, 12, 6, 1, 0, tzinfo=UTC),
        datetime(2026, 12, 13, 1, 0, tzinfo=UTC),
    ]
    assert starts_between(drill, None, SINCE, SINCE + timedelta(days=14)) == []
