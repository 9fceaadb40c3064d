"""Drills files: scheduled, unattended deployments, and what is wrong with a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.deployments import build_deployments, load_drills, scenario_files
from rehearsal.errors import InvalidInput
from tests.conftest import EXAMPLES


def _drills(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drills.yaml"
    path.write_text(text)
    return path


def test_scenarios_are_found_for_the_launch_form() -> None:
    assert scenario_files(EXAMPLES) == [
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
    assert launch._parameter_openapi_schema.properties["scenario"]["enum"] == scenario_files(
        EXAMPLES
    )
    assert nightly.parameters["people"] == "none"
    assert nightly.parameters["until"] == "2999-12-01"
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
        ('scenario: webshop/drill-app-node-loss.yaml\n    cron: "0 2 * *"', 2, "five fields"),
        (
            'scenario: webshop/drill-app-node-loss.yaml\n    cron: "0 2 * * *"\n'
            "    timezone: Mars/Olympus",
            5,
            "unknown time zone",
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
