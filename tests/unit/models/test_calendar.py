"""The customer's calendar: business hours, windows, scheduled drills and the lab host."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.errors import InvalidInput, RunRefused
from rehearsal.flows.deployments import build_deployments, serve_warnings
from rehearsal.models.calendar import DAYS
from rehearsal.models.loading import load_profile
from rehearsal.runs.lab_window import check_lab_window
from rehearsal.scenarios.planning import load_drills
from tests.conftest import EXAMPLES

WEBSHOP = EXAMPLES / "webshop"
SEOUL = ZoneInfo("Asia/Seoul")


def test_business_hours_holidays_and_windows_are_read_in_the_customers_zone() -> None:
    calendar = load_profile(WEBSHOP / "profile.yaml").calendar
    assert calendar is not None
    # 2026-11-29 is a Sunday: 02:00 in Seoul is inside 'sunday-night', 17:00 UTC on Saturday.
    sunday_night = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    window = calendar.maintenance_window(sunday_night)
    assert window is not None and window.name == "sunday-night"
    assert not calendar.business_open(sunday_night)
    assert calendar.business_open(datetime(2026, 11, 27, 10, 0, tzinfo=SEOUL))
    assert not calendar.business_open(datetime(2026, 12, 25, 10, 0, tzinfo=SEOUL)), "holiday"
    opens = calendar.next_maintenance(datetime(2026, 11, 27, 10, 0, tzinfo=SEOUL))
    assert opens == datetime(2026, 11, 29, 1, 0, tzinfo=SEOUL)


def _drills(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drills.yaml"
    path.write_text(text)
    return path


def test_a_drill_outside_every_window_is_a_warning_and_no_schedule_means_the_windows(
    tmp_path: Path,
) -> None:
    path = _drills(
        tmp_path,
        """\
drills:
  - name: afternoon
    scenario: webshop/drill-app-node-loss.yaml
    cron: "0 14 * * *"
    timezone: Asia/Seoul
  - name: in-the-windows
    scenario: webshop/drill-app-node-loss.yaml
""",
    )
    drills = load_drills(path, EXAMPLES)
    [warning] = serve_warnings(drills, EXAMPLES)
    assert "drill 'afternoon' is scheduled outside every maintenance window" in warning
    by_name = {d.name: d for d in build_deployments(EXAMPLES, tmp_path / "reports", drills)}
    windows = by_name["in-the-windows"]
    assert [(s.schedule.cron, str(s.schedule.timezone)) for s in windows.schedules] == [
        ("0 1 * * sun", "Asia/Seoul"),
        ("0 23 * * tue,thu", "Asia/Seoul"),
    ]
    assert serve_warnings(drills[1:], EXAMPLES) == []


def test_a_drill_with_no_schedule_and_no_windows_is_refused(tmp_path: Path) -> None:
    for name in ("profile.yaml", "drill-app-node-loss.yaml"):
        shutil.copy(WEBSHOP / name, tmp_path / name)
    profile = tmp_path / "profile.yaml"
    text = profile.read_text()
    profile.write_text(text[: text.index("  maintenance_windows:")])
    path = _drills(tmp_path, "drills:\n  - name: d\n    scenario: drill-app-node-loss.yaml\n")
    with pytest.raises(InvalidInput) as refused:
        load_drills(path, tmp_path)
    [problem] = refused.value.problems
    assert problem.line == 2 and "no 'cron:' or 'rrule:'" in problem.message


def _lab_profile(tmp_path: Path, days: list[str]) -> Path:
    for name in ("profile.yaml", "drill-app-node-loss.yaml"):
        shutil.copy(WEBSHOP / name, tmp_path / name)
    profile = tmp_path / "profile.yaml"
    window = f'  lab_windows:\n    - {{days: [{", ".join(days)}], from: "00:00", to: "24:00"}}\n'
    profile.write_text(profile.read_text() + window)
    return profile


def test_lab_window_refuses_outside_and_force_only_warns(tmp_path: Path) -> None:
    profile = load_profile(_lab_profile(tmp_path, ["sat", "sun"]))
    weekday = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # Thursday in Seoul
    with pytest.raises(RunRefused, match="outside the lab windows"):
        check_lab_window(profile, weekday, force=False)
    forced = check_lab_window(profile, weekday, force=True)
    assert forced is not None and "--force" in forced
    assert check_lab_window(profile, datetime(2026, 11, 28, 3, 0, tzinfo=UTC), False) is None


def test_run_outside_the_lab_window_exits_2_before_anything_starts(tmp_path: Path) -> None:
    today = datetime.now(SEOUL).weekday()
    busy = {DAYS[today], DAYS[(today + 1) % 7]}  # a run crossing midnight is refused too
    _lab_profile(tmp_path, [d for d in DAYS if d not in busy])
    result = CliRunner().invoke(
        app, ["run", str(tmp_path / "drill-app-node-loss.yaml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2, result.output
    assert "outside the lab windows" in result.output
    assert not (tmp_path / "out").exists()


def _journal(started: datetime) -> list[dict[str, object]]:
    from rehearsal.runs.session import people_fields

    def at(second: float) -> str:
        return (started + timedelta(seconds=second)).isoformat()

    profile = load_profile(WEBSHOP / "profile.yaml")
    service = profile.business.services[0].model_dump()
    return [
        {"at": at(0), "event": "run.started", "run_id": "r", "kind": "rehearsal", "title": "t",
         "customer": "c", "profile": "p", "scenario": "s", "team": {}, "rto_s": 300.0,
         "services": [service], **people_fields(profile)},
        {"at": at(1), "event": "probe.sample", "probe": "shop-http", "ok": False},
        {"at": at(91), "event": "probe.sample", "probe": "shop-http", "ok": True},
        {"at": at(92), "event": "run.finished", "outcome": "completed"},
    ]  # fmt: skip


def test_business_impact_is_stated_against_the_calendar() -> None:
    from rehearsal.report.response import calendar_sentences
    from rehearsal.report.wording import load_wording
    from rehearsal.results.derive import derive_results

    night = derive_results(_journal(datetime(2026, 11, 28, 17, 0, tzinfo=UTC)))  # Sun 02:00
    assert night.calendar is not None and night.calendar.maintenance_window == "sunday-night"
    said = calendar_sentences(night, load_wording("en"))
    assert said[0] == (
        "The drill ran at Sun 2026-11-29 02:00 Asia/Seoul, inside the agreed maintenance "
        "window “sunday-night”."
    )
    assert said[-1].startswith("Had this happened during business hours (daily 08:00-23:00), ")
    assert said[-1].endswith("That is about 60 orders lost.")  # 40 a minute for 90 s

    noon = derive_results(_journal(datetime(2026, 11, 26, 3, 0, tzinfo=UTC)))  # Thu 12:00
    said = calendar_sentences(noon, load_wording("ja"))
    assert "メンテナンス時間帯の外" in said[0] and "営業時間内" in said[1]
    told = calendar_sentences(noon, load_wording("en"), to_customer=True)[1]
    assert told == (
        "It ran during your business hours (daily 08:00-23:00), on the test copy only: "
        "your own system was not touched."
    ), "the customer is not left to think their system was broken in business hours"
    assert said[-1].startswith("実施した時間帯に checkout が実際に 1 min 30 s 停止していれば")
