"""The hour a drill stands for: ``at:`` read and refused at its line, the run's clock
journaled as ``run.clock``, and every calendar verdict taken on the customer's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.calendar import Calendar
from rehearsal.models.scenario import WeekdayAt
from rehearsal.report import render_reports
from rehearsal.report.notice import render_notice
from rehearsal.report.response import calendar_sentences
from rehearsal.report.wording import load_wording
from rehearsal.results.derive import derive_results
from rehearsal.scenarios.clock import next_weekday_at, run_clock
from rehearsal.scenarios.dryrun import dry_run
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.planning import load_plan
from tests.fakes import FakeShop, ShopProbe, start_run
from tests.scaffolds import WEBSHOP_PROFILE, webshop_scenario

SEOUL = ZoneInfo("Asia/Seoul")
PHASES = """\
phases:
  - {name: p, operator: Kim, analyst: Sato, steps: [{wait: {for: 100ms}}]}
"""
runner = CliRunner()


def _validate(scenario: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", str(scenario)])
    return result.exit_code, result.stdout.strip().splitlines()


def test_at_is_read_in_both_forms(tmp_path: Path) -> None:
    iso = load_plan(webshop_scenario(tmp_path, 'at: "2026-12-07T10:30:00+09:00"\n' + PHASES))
    assert iso.scenario.at == datetime(2026, 12, 7, 10, 30, tzinfo=SEOUL)
    weekly = load_plan(webshop_scenario(tmp_path, 'at: {weekday: Mon, time: "10:30"}\n' + PHASES))
    assert isinstance(weekly.scenario.at, WeekdayAt)
    assert (weekly.scenario.at.weekday, f"{weekly.scenario.at.time:%H:%M}") == ("mon", "10:30")


@pytest.mark.parametrize(
    ("at", "column", "expected"),
    [
        ('"2026-12-07T10:30:00"', 1, "has no offset; add one, e.g. '2026-12-07T10:30:00+09:00'"),
        ("2026-12-07T10:30:00", 1, "has no offset"),
        ('"next monday"', 1, "'next monday' is not an ISO time"),
        ('{weekday: mun, time: "10:30"}', 6, "weekday 'mun' is not a day; write one of mon,"),
        ('{weekday: mon, time: "25:30"}', 20, "time '25:30' is not HH:MM; write it like '10:30'"),
        ('{weekday: mon, time: "9:30"}', 20, "time '9:30' is not HH:MM"),
    ],
)
def test_bad_at_is_refused_at_its_line(tmp_path: Path, at: str, column: int, expected: str) -> None:
    scenario = webshop_scenario(tmp_path, f"at: {at}\n" + PHASES)
    code, lines = _validate(scenario)
    assert code == 2
    [line] = lines
    assert line.startswith(f"{scenario}:5:{column}: at"), line
    assert expected in line


def test_at_and_jobs_clock_together_are_refused_saying_which_to_keep(tmp_path: Path) -> None:
    body = 'jobs: {clock: "01:29:40"}\nat: "2026-12-07T10:30:00+09:00"\n' + PHASES
    code, lines = _validate(webshop_scenario(tmp_path, body))
    assert code == 2
    [line] = lines
    assert ":6:1: at: both 'at:' and 'jobs.clock' set the run's clock; keep 'at:'" in line
    assert "remove 'clock:' from 'jobs:'" in line


def _without_calendar(profile: str) -> str:
    """The profile's text less its top-level ``calendar:`` block."""
    kept, inside = [], False
    for line in profile.splitlines(keepends=True):
        if line[:1] not in (" ", "#", "\n", ""):
            inside = line.startswith("calendar:")
        if not inside:
            kept.append(line)
    return "".join(kept)


def test_the_weekday_form_without_a_calendar_zone_says_to_set_it(tmp_path: Path) -> None:
    scenario = webshop_scenario(tmp_path, 'at: {weekday: mon, time: "10:30"}\n' + PHASES)
    (tmp_path / "profile.yaml").write_text(_without_calendar(WEBSHOP_PROFILE.read_text()))
    code, lines = _validate(scenario)
    assert code == 2
    [line] = lines
    assert line.startswith(f"{scenario}:5:"), line
    assert "the profile has no calendar; set 'calendar: {timezone: Asia/Seoul}'" in line


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 6, 3, 0, tzinfo=UTC), datetime(2026, 12, 7, 10, 30)),  # Sun 12:00
        (datetime(2026, 12, 7, 1, 30, tzinfo=UTC), datetime(2026, 12, 7, 10, 30)),  # that hour
        (datetime(2026, 12, 7, 2, 0, tzinfo=UTC), datetime(2026, 12, 14, 10, 30)),  # past it
    ],
)
def test_the_weekday_form_is_the_next_such_hour_from_the_runs_start(
    now: datetime, expected: datetime
) -> None:
    at = WeekdayAt.model_validate({"weekday": "mon", "time": "10:30"})
    assert next_weekday_at(at, SEOUL, now) == expected.replace(tzinfo=SEOUL)


def _business_journal(wall: datetime, customer: datetime | None) -> list[dict[str, Any]]:
    """A drill on a Mon-Fri 09:00-18:00 calendar: checkout down 60 s, a high alert nobody
    answered, whose target counts only in business hours."""

    def at(second: float) -> str:
        return (wall + timedelta(seconds=second)).isoformat()

    calendar = Calendar.model_validate(
        {
            "timezone": "Asia/Seoul",
            "business_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00",
                                "to": "18:00"}],
            "maintenance_windows": [{"name": "sunday-night", "days": ["sun"], "from": "01:00",
                                     "to": "05:00"}],
        }
    )  # fmt: skip
    on_call = {"people": [], "targets": {"high": {"first_response": 60.0, "recovery": "rto",
                                                  "hours": "business"}}}  # fmt: skip
    service = {"name": "checkout", "impact": "about 40 orders a minute are lost",
               "probe": "shop-http"}  # fmt: skip
    events: list[dict[str, Any]] = [
        {"at": at(0), "event": "run.started", "run_id": "r", "kind": "rehearsal", "title": "t",
         "customer": "c", "profile": "p", "scenario": "s", "team": {}, "rto_s": 300.0,
         "services": [service], "measured_probe": "shop-http", "on_call": on_call,
         "calendar": calendar.model_dump(mode="json", by_alias=True)},
    ]  # fmt: skip
    if customer is not None:
        events.append(
            {"at": at(1), "event": "run.clock", "customer_at": customer.isoformat(),
             "timezone": "Asia/Seoul", "speed": 1.0, "wall_at": at(1)}
        )  # fmt: skip
    events += [
        {"at": at(1), "event": "phase.started", "phase": "p", "operator": "Kim", "analyst": "S"},
        {"at": at(2), "event": "fault.injecting", "fault": "F1", "type": "t", "targets": [],
         "phase": "p"},
        {"at": at(3), "event": "probe.sample", "probe": "shop-http", "ok": False},
        {"at": at(5), "event": "alert.fired", "alert": "AL1", "monitor": "m",
         "probe": "shop-http", "severity": "high", "phase": "p"},
        {"at": at(63), "event": "probe.sample", "probe": "shop-http", "ok": True},
        {"at": at(63), "event": "alert.resolved", "alert": "AL1", "monitor": "m"},
        {"at": at(64), "event": "run.finished", "outcome": "completed"},
    ]  # fmt: skip
    return events


SUNDAY_NIGHT_UTC = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # Sun 12:00 in Seoul
MONDAY_MORNING = datetime(2026, 12, 7, 10, 30, tzinfo=SEOUL)


def test_a_drill_at_monday_morning_is_in_business_hours_whatever_the_wall_clock(
    tmp_path: Path,
) -> None:
    results = derive_results(_business_journal(SUNDAY_NIGHT_UTC, MONDAY_MORNING))

    assert results.clock is not None and results.clock.customer_at == MONDAY_MORNING
    note = results.calendar
    assert note is not None
    assert (note.business_hours, note.as_at, note.maintenance_window) == (True, True, None)
    said = calendar_sentences(results, load_wording("en"))
    assert said[0] == (
        "The drill stood for Mon 2026-12-07 10:30 Asia/Seoul, outside every agreed "
        "maintenance window."
    )
    hours = "Mon, Tue, Wed, Thu, Fri 09:00-18:00"
    assert said[1] == f"That hour is within the customer's business hours ({hours})."
    notice = render_notice(results, load_wording("en"))
    assert f"That hour is within your business hours ({hours})." in notice, "said to them"
    assert "the customer's" not in notice
    assert said[2].startswith(
        "At the hour the drill stood for, a real outage of checkout for 1 min"
    )
    assert said[2].endswith("That is about 40 orders lost."), "40 a minute for 60 s"
    titles = [f.title for f in results.findings if f.id.startswith("P")]
    assert "Nobody responded to alert AL1 (high)" in titles, "the business-hours target counts"

    render_reports(results, [], tmp_path, load_wording("en"))
    line = "Rehearsed as at Mon 2026-12-07 10:30 KST (run on 2026-12-06 03:00 UTC)"
    assert line in (tmp_path / "report.md").read_text()
    assert line in (tmp_path / "report.html").read_text()


def test_without_at_the_verdicts_read_the_real_time_as_before(tmp_path: Path) -> None:
    results = derive_results(_business_journal(SUNDAY_NIGHT_UTC, None))

    assert results.clock is None
    assert results.calendar is not None and not results.calendar.business_hours
    said = calendar_sentences(results, load_wording("en"))
    assert said[0].startswith("The drill ran at Sun 2026-12-06 12:00 Asia/Seoul, outside")
    titles = [f.title for f in results.findings if f.id.startswith("P")]
    assert "Nobody responded to alert AL1 (high)" not in titles, "outside business hours"
    render_reports(results, [], tmp_path, load_wording("en"))
    assert "Rehearsed as at" not in (tmp_path / "report.md").read_text()


def test_the_maintenance_window_verdict_is_taken_at_the_drills_hour() -> None:
    tuesday_noon = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    sunday_night = datetime(2026, 12, 6, 2, 0, tzinfo=SEOUL)
    results = derive_results(_business_journal(tuesday_noon, sunday_night))
    assert results.calendar is not None
    assert results.calendar.maintenance_window == "sunday-night"
    assert not results.calendar.business_hours


JOBS = """\
jobs:
  - {name: nightly-backup, say: Back up, schedule: "daily 01:30", on: db1, run: "pg_dump shop"}
"""


def _engine_run(tmp_path: Path, head: str) -> list[dict[str, Any]]:
    """The webshop with a 01:30 backup job, a 1 s phase under ``head``, on a fake shop."""
    body = head + PHASES.replace("{wait: {for: 100ms}}", "{wait: {for: 1s}}")
    plan = load_plan(webshop_scenario(tmp_path, body, profile_extra=JOBS))
    shop = FakeShop()
    with Journal(tmp_path / "run") as journal:
        start_run(journal, plan.scenario)
        Engine(
            plan.scenario,
            plan.profile,
            shop,
            journal,
            probes={"shop-http": (ShopProbe(shop), 0.02)},
            run_dir=tmp_path / "run",
        ).run()
        journal.record("run.finished", outcome="completed", error=None)
    return read_journal(tmp_path / "run")


def test_the_engine_journals_the_runs_clock_and_the_jobs_run_on_it(tmp_path: Path) -> None:
    events = _engine_run(
        tmp_path, 'at: "2026-12-07T01:29:59+09:00"\njobs: {run: as_scheduled, speed: 30}\n'
    )

    [clock] = [e for e in events if e["event"] == "run.clock"]
    assert clock["customer_at"] == "2026-12-07T01:29:59+09:00"
    assert (clock["timezone"], clock["speed"]) == ("Asia/Seoul", 30.0)
    first_phase = next(e for e in events if e["event"] == "phase.started")
    assert clock["wall_at"] <= first_phase["at"]
    results = derive_results(events)
    assert results.clock is not None and results.clock.speed == 30.0
    [job] = results.jobs
    assert job.scheduled_for is not None
    assert f"{job.scheduled_for.astimezone(SEOUL):%Y-%m-%d %H:%M}" == "2026-12-07 01:30"


def test_jobs_clock_alone_keeps_the_jobs_clock_and_journals_no_run_clock(tmp_path: Path) -> None:
    events = _engine_run(tmp_path, 'jobs: {run: as_scheduled, clock: "01:29:59", speed: 30}\n')

    assert not [e for e in events if e["event"] == "run.clock"]
    [scheduled] = [e for e in events if e["event"] == "jobs.scheduled"]
    assert scheduled["clock"].endswith("T01:29:59+09:00")
    results = derive_results(events)
    assert results.clock is None, "the calendar verdicts read the real time, as before"
    [job] = results.jobs
    assert job.scheduled_for is not None
    assert f"{job.scheduled_for.astimezone(SEOUL):%H:%M}" == "01:30"
    plan = load_plan(tmp_path / "s.yaml")
    assert not run_clock(plan.scenario, SEOUL, SUNDAY_NIGHT_UTC).from_at


def test_the_dry_run_says_the_hour_it_stands_for(tmp_path: Path) -> None:
    plan = load_plan(webshop_scenario(tmp_path, 'at: "2026-12-07T10:30:00+09:00"\n' + PHASES))
    lines = dry_run(plan)
    [said] = [line for line in lines if line.startswith("Rehearsed as at")]
    assert said.startswith("Rehearsed as at Mon 2026-12-07 10:30 KST (run on ")
