"""Drills files: scheduled, unattended deployments, and what is wrong with a bad one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.errors import InvalidInput
from rehearsal.flows.deployments import build_deployments
from rehearsal.flows.launch_form import scenario_choices
from rehearsal.models.drills import ended
from rehearsal.scenarios.planning import load_drills
from tests.conftest import EXAMPLES


def _drills(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drills.yaml"
    path.write_text(text)
    return path


def test_scenarios_are_found_for_the_launch_form() -> None:
    assert sorted(scenario_choices(EXAMPLES).values()) == [
        "clinic/drill-api-node-loss.yaml",
        "clinic/repro-db-disk-full.yaml",
        "products/keepalived/drill-lb-loss.yaml",
        "products/mariadb/drill-primary-loss.yaml",
        "products/rabbitmq/drill-broker-node-down.yaml",
        "products/tomcat/drill-jvm-crash.yaml",
        "webshop/drill-app-node-loss.yaml",
        "webshop/drill-db-failover.yaml",
        "webshop/drill-nightly-export.yaml",
        "webshop/drill-on-call.yaml",
        "webshop/repro-pool-exhaustion.yaml",
    ]


def test_each_drill_becomes_a_scheduled_unattended_deployment(tmp_path: Path) -> None:
    path = _drills(
        tmp_path,
        """\
drills:
  - name: nightly-app-node-loss
    scenario: webshop/drill-app-node-loss.yaml
    cron: "0 2 * * *"
    timezone: Asia/Seoul
    until: 2999-12-01
  - name: before-cutover
    scenario: webshop/repro-pool-exhaustion.yaml
    answers: webshop/answers-repro.yaml
    rrule: "FREQ=DAILY;BYHOUR=3"
    until: 2020-01-01
""",
    )
    drills = load_drills(path, EXAMPLES)
    launch, stop, nightly, ended = build_deployments(EXAMPLES, tmp_path / "reports", drills)
    assert (stop.name, stop.parameters) == ("emergency-stop", {})
    assert launch._parameter_openapi_schema.properties["scenario"]["enum"] == list(
        scenario_choices(EXAMPLES)
    )
    assert nightly.parameters["people"] == "none"
    assert nightly.parameters["until"] == "2999-12-01"
    assert nightly.parameters["timezone"] == "Asia/Seoul"
    [schedule] = nightly.schedules
    assert schedule.schedule.cron == "0 2 * * *" and schedule.active
    assert str(schedule.schedule.timezone) == "Asia/Seoul"
    [past] = ended.schedules
    assert "UNTIL=20200101T235959" in past.schedule.rrule and not past.active
    assert ended.parameters["answers"] == "webshop/answers-repro.yaml"


@pytest.mark.parametrize(
    ("entry", "line", "expected"),
    [
        ('scenario: webshop/nope.yaml\n    cron: "0 2 * * *"', 3, "'webshop/nope.yaml' not found"),
        ('scenario: webshop/drill-app-node-loss.yaml\n    cron: "0 2 * *"', 4, "five fields"),
        (
            'scenario: webshop/drill-app-node-loss.yaml\n    cron: "99 99 * * *"',
            4,
            "cron '99 99 * * *': bad minute; the five fields are minute (0-59) hour (0-23)",
        ),
        (
            'scenario: webshop/drill-app-node-loss.yaml\n    rrule: "FREQ=DAILY;BYHOUR=26"',
            4,
            "rrule 'FREQ=DAILY;BYHOUR=26': hour must be in 0..23; write an iCalendar RRULE",
        ),
        ('scenario: webshop/drill-app-node-loss.yaml\n    rrule: "BYHOUR=2"', 4, "has no FREQ="),
        (
            'scenario: webshop/drill-app-node-loss.yaml\n    cron: "0 2 * * *"\n'
            "    timezone: Mars/Olympus",
            5,
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            'scenario: webshop/drill-app-node-loss.yaml\n    cron: "0 2 * * *"\n    timezone: Asia',
            5,
            "unknown time zone 'Asia'",
        ),
    ],
)
def test_bad_drills_are_reported_with_their_line(
    tmp_path: Path, entry: str, line: int, expected: str
) -> None:
    path = _drills(tmp_path, f"drills:\n  - name: d\n    {entry}\n")
    with pytest.raises(InvalidInput) as refused:
        load_drills(path, EXAMPLES)
    [problem] = refused.value.problems
    assert problem.line == line and expected in problem.message, problem


def test_a_second_drill_of_one_name_is_refused_where_it_is_named(tmp_path: Path) -> None:
    entry = (
        '  - name: nightly\n    scenario: webshop/drill-app-node-loss.yaml\n    cron: "0 2 * * *"\n'
    )
    path = _drills(tmp_path, "drills:\n" + entry * 2)
    with pytest.raises(InvalidInput) as refused:
        load_drills(path, EXAMPLES)
    [problem] = refused.value.problems
    assert problem.line == 5 and "drills: 'nightly' is defined more than once" in problem.message


@pytest.mark.parametrize(
    ("utc", "over"),
    [
        ("2026-11-30T17:00:00", False),  # 02:00 in Seoul on the last day: it runs
        ("2026-12-01T14:59:59", False),  # 23:59:59 in Seoul, the last second of it
        ("2026-12-01T15:00:00", True),  # midnight in Seoul: the day after, still 12-01 in UTC
        ("2026-12-01T17:00:00", True),  # 02:00 in Seoul on the day after: it does not run
    ],
)
def test_until_is_the_last_day_on_the_drills_own_clock(utc: str, over: bool) -> None:
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert ended(date(2026, 12, 1), "Asia/Seoul", now) is over
    assert ended(date(2026, 12, 1), "UTC", now) is False  # UTC's 12-01 lasts until 24:00 UTC
    assert ended(None, "Asia/Seoul", now) is False


def test_serve_refuses_a_bad_cron_with_its_line_and_no_traceback(tmp_path: Path) -> None:
    path = _drills(
        tmp_path,
        "drills:\n  - name: d\n    scenario: webshop/drill-app-node-loss.yaml\n"
        '    cron: "99 99 * * *"\n',
    )
    done = CliRunner().invoke(app, ["serve", "--drills", str(path), "--scenarios", str(EXAMPLES)])
    assert done.exit_code == 2, done.output
    assert done.output.startswith(f"{path}:4:5: drills.0.cron: cron '99 99 * * *': bad minute")
    assert "Traceback" not in done.output and isinstance(done.exception, SystemExit)
