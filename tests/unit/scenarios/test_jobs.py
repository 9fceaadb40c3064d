"""Batch jobs: the ``job:`` step, jobs run as scheduled, their results and findings."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.envs.base import CommandResult
from rehearsal.journal.check import check_journal
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.schedules import schedule_problem, times_between
from rehearsal.report.junit import write_junit
from rehearsal.results.derive import derive_results
from rehearsal.scenarios.dryrun import dry_run
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.planning import Plan, load_plan
from rehearsal.secrets.redaction import MASK, redactor_for
from tests.conftest import EXAMPLES
from tests.fakes import FakeShop, ShopProbe, start_run
from tests.scaffolds import webshop_scenario

BACKUP = "pg_dump shop > /var/backups/shop.sql"
EXPORT = "shop-export --since yesterday"
JOBS = f"""\
jobs:
  - name: nightly-backup
    say: Back up the shop database
    schedule: "daily 01:30"
    on: db1
    run: "{BACKUP}"
    timeout: 2s
  - name: order-export
    say: Export the day's orders
    schedule: "cron 31 1 * * *"
    on: app1
    run: "{EXPORT}"
  - name: paper-report
    say: Print the weekly report (done by hand)
    schedule: weekly, on Mondays
    on: app1
"""
runner = CliRunner()


def limited(command: str, limit: str) -> str:
    """The command line a job's command is run as on its node."""
    return shlex.join(["timeout", "-k", "5", limit, "sh", "-c", command])


def _files(tmp_path: Path, body: str) -> Path:
    return webshop_scenario(tmp_path, body, profile_extra=JOBS)


def _run(tmp_path: Path, plan: Plan, shop: FakeShop) -> list[dict[str, Any]]:
    run_dir = tmp_path / "run"
    journal = Journal(run_dir, redactor_for(plan.profile))
    start_run(journal, plan.scenario)
    Engine(
        plan.scenario,
        plan.profile,
        shop,
        journal,
        probes={"shop-http": (ShopProbe(shop), 0.02)},
        run_dir=run_dir,
    ).run()
    journal.record("run.finished", outcome="completed", error=None)
    journal.close()
    return read_journal(run_dir)


def test_a_job_step_runs_the_command_on_its_node_within_its_limit(tmp_path: Path) -> None:
    body = """\
phases:
  - name: before the cutover
    operator: Kim
    analyst: Sato
    steps:
      - job: nightly-backup
"""
    plan = load_plan(_files(tmp_path, body))
    shop = FakeShop()
    events = _run(tmp_path, plan, shop)

    assert ("db1", limited(BACKUP, "2")) in shop.commands
    started = next(e for e in events if e["event"] == "job.started")
    finished = next(e for e in events if e["event"] == "job.finished")
    assert (started["job"], started["node"], started["command"]) == (
        "nightly-backup",
        "db1",
        BACKUP,
    )
    assert (finished["status"], finished["exit_code"], finished["output"]) == ("passed", 0, "ok")
    results = derive_results(events)
    [job] = results.jobs
    assert (job.name, job.node, job.phase, job.trigger, job.status) == (
        "nightly-backup",
        "db1",
        "before the cutover",
        "step",
        "passed",
    )
    assert results.phases[0].steps[0].status == "passed"
    assert results.findings == [] and results.status == "passed"


def test_a_job_failing_under_a_fault_is_a_finding_naming_the_fault(tmp_path: Path) -> None:
    body = """\
phases:
  - name: lose the app node
    operator: Kim
    analyst: Sato
    steps:
      - fault: {type: container.stop, target: app1}
      - job: order-export
"""
    plan = load_plan(_files(tmp_path, body))
    refused = CommandResult(7, "curl: (7) Failed to connect to app1 port 8080\n", 0.2)
    shop = FakeShop(replies={limited(EXPORT, "300"): refused})
    results = derive_results(_run(tmp_path, plan, shop))

    [job] = results.jobs
    assert (job.status, job.exit_code) == ("failed", 7)
    assert job.faults_active == ["F1 container.stop on app1"]
    assert results.phases[0].steps[1].status == "failed"
    [finding] = [f for f in results.findings if f.id.startswith("J")]
    assert finding.title == "Batch job order-export failed on app1"
    assert finding.severity == "high" and finding.phase == "lose the app node"
    assert "exited 7" in finding.detail and "F1 container.stop on app1" in finding.detail
    assert "Failed to connect" in finding.detail
    assert results.status == "failed"

    junit = ET.parse(write_junit(results, tmp_path / "junit.xml")).getroot()
    [suite] = [suite for suite in junit if suite.get("name") == "batch jobs"]
    [case] = suite
    assert case.get("name") == "order-export on app1 (step, lose the app node)"
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == "exited 7"


def test_a_job_over_its_limit_is_timed_out_and_a_finding(tmp_path: Path) -> None:
    body = """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - job: nightly-backup
"""
    plan = load_plan(_files(tmp_path, body))
    slow = CommandResult(124, "dumping...\n", 2.01)
    shop = FakeShop(replies={limited(BACKUP, "2"): slow})
    results = derive_results(_run(tmp_path, plan, shop))

    assert results.jobs[0].status == "timed out"
    [finding] = results.findings
    assert finding.title == "Batch job nightly-backup did not finish in time on db1"
    assert "stopped at its limit of 2.0 s" in finding.detail
    assert "No fault was active" in finding.detail


def test_job_output_is_masked_like_other_outputs(tmp_path: Path) -> None:
    body = """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - job: nightly-backup
"""
    password = "Tr0ub4dor-3-pw"
    scenario = _files(tmp_path, body)
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        profile.read_text().replace(
            "params: {db_host: db1, pool_size: 20}",
            f'params: {{db_host: db1, pool_size: 20, db_password: "{password}"}}',
            1,
        )
    )
    plan = load_plan(scenario)
    leaky = CommandResult(0, f"connected with {password}\n", 0.1)
    events = _run(tmp_path, plan, FakeShop(replies={limited(BACKUP, "2"): leaky}))

    finished = next(e for e in events if e["event"] == "job.finished")
    assert finished["output"] == f"connected with {MASK}\n"
    assert password not in (tmp_path / "run" / "journal.jsonl").read_text()


def test_jobs_run_as_scheduled_on_the_runs_clock(tmp_path: Path) -> None:
    body = """\
jobs: {run: as_scheduled, clock: "01:29:59", speed: 30}
phases:
  - name: cutover
    operator: Kim
    analyst: Sato
    steps:
      - wait: {for: 3s}
"""
    plan = load_plan(_files(tmp_path, body))
    shop = FakeShop()
    events = _run(tmp_path, plan, shop)

    # 01:30 comes after 1/30 s of the run, 01:31 after 2 s; the manual job never runs.
    assert ("db1", limited(BACKUP, "2")) in shop.commands
    assert ("app1", limited(EXPORT, "300")) in shop.commands
    [scheduled] = [e for e in events if e["event"] == "jobs.scheduled"]
    assert scheduled["jobs"] == ["nightly-backup", "order-export"]
    results = derive_results(events)
    seoul = ZoneInfo("Asia/Seoul")
    assert [(j.name, j.trigger, j.phase, j.status) for j in results.jobs] == [
        ("nightly-backup", "schedule", "cutover", "passed"),
        ("order-export", "schedule", "cutover", "passed"),
    ]
    due = [
        j.scheduled_for.astimezone(seoul).strftime("%H:%M") for j in results.jobs if j.scheduled_for
    ]
    assert due == ["01:30", "01:31"]
    gap = (results.jobs[1].started_at - results.jobs[0].started_at).total_seconds()
    assert 1.5 < gap < 2.8


def test_a_job_still_running_when_it_comes_due_again_is_skipped_and_a_finding(
    tmp_path: Path,
) -> None:
    body = """\
jobs: {run: as_scheduled, clock: "01:29:59", speed: 60}
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - wait: {for: 2500ms}
"""
    every_minute = JOBS.replace('"cron 31 1 * * *"', '"* * * * *"')
    scenario = _files(tmp_path, body)
    profile = tmp_path / "profile.yaml"
    profile.write_text(profile.read_text().replace(JOBS, every_minute))
    plan = load_plan(scenario)
    shop = FakeShop(command_delay_s=1.5)
    results = derive_results(_run(tmp_path, plan, shop))

    exports = [j for j in results.jobs if j.name == "order-export"]
    assert "skipped" in [j.status for j in exports]
    assert any(
        f.title == "Batch job order-export overran its schedule on app1" for f in results.findings
    )


def _validate(scenario: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", str(scenario)])
    return result.exit_code, result.stdout.strip().splitlines()


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("job: nightly-bakcup", "unknown job 'nightly-bakcup'; did you mean 'nightly-backup'?"),
        ("job: paper-report", "job 'paper-report' has no 'run:' command in the profile"),
    ],
)
def test_a_step_naming_a_job_that_cannot_run_is_refused_at_its_line(
    tmp_path: Path, step: str, expected: str
) -> None:
    body = f"""\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - wait: {{for: 1s}}
      - {step}
"""
    scenario = _files(tmp_path, body)
    code, lines = _validate(scenario)
    assert code == 2
    [line] = lines
    assert line.startswith(f"{scenario}:11:"), line
    assert expected in line


def test_as_scheduled_needs_schedules_the_clock_can_read(tmp_path: Path) -> None:
    body = """\
jobs: as_scheduled
phases:
  - {name: p, operator: Kim, analyst: Sato, steps: [{wait: {for: 1s}}]}
"""
    scenario = _files(tmp_path, body)
    profile = tmp_path / "profile.yaml"
    profile.write_text(profile.read_text().replace('"daily 01:30"', '"nightly"'))
    code, lines = _validate(scenario)
    assert code == 2
    [line] = lines
    assert line.startswith(f"{scenario}:5:"), line
    assert "job 'nightly-backup' cannot run as scheduled: cannot read schedule 'nightly'" in line
    assert "'daily 01:30'" in line


def test_a_step_running_a_job_with_a_command_is_valid(tmp_path: Path) -> None:
    body = """\
phases:
  - {name: p, operator: Kim, analyst: Sato, steps: [{job: nightly-backup}]}
"""
    code, lines = _validate(_files(tmp_path, body))
    assert code == 0, lines


def test_schedules_in_the_forms_profiles_use() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    start = datetime(2026, 11, 29, 1, 29, 30, tzinfo=seoul)
    two_days = start + timedelta(days=2)
    assert [at.strftime("%d %H:%M") for at in times_between("daily 01:30", start, two_days)] == [
        "29 01:30",
        "30 01:30",
    ]
    assert [
        at.strftime("%d %H:%M") for at in times_between("cron 30 1 * * *", start, two_days)
    ] == [
        "29 01:30",
        "30 01:30",
    ]
    assert list(times_between("0 3 * * 3", start, two_days)) == []  # Wednesday is later
    assert schedule_problem("30 1 * * *") is None
    assert "as cron" in (schedule_problem("61 1 * * *") or "")
    assert "cannot read schedule 'daily'" in (schedule_problem("daily") or "")


def test_a_journal_with_a_bad_job_status_keeps_the_rest(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.record(
        "run.started",
        run_id="r",
        kind="rehearsal",
        title="t",
        customer="c",
        profile="p",
        scenario="s",
        team={},
    )
    journal.record("job.started", job="j", node="n1", phase=None, trigger="step")
    journal.record("job.finished", job="j", node="n1", trigger="step", status="exploded")
    journal.close()
    checked = check_journal(tmp_path)
    assert "1 job.finished (missing or invalid: status) event(s) were left out." in checked.problems
    [job] = derive_results(checked.events).jobs
    assert job.status == "running"


def test_the_nightly_export_example_comes_due_while_its_database_is_down() -> None:
    scenario = EXAMPLES / "webshop" / "drill-nightly-export.yaml"
    code, lines = _validate(scenario)
    assert code == 0, lines
    plan = load_plan(scenario)
    [job] = plan.profile.jobs
    clock = plan.scenario.jobs.clock
    assert plan.scenario.jobs.run == "as_scheduled" and clock is not None
    seoul = ZoneInfo("Asia/Seoul")
    start = datetime.combine(datetime(2026, 11, 29).date(), clock, seoul)  # type: ignore[arg-type]
    [due] = times_between(job.schedule, start, start + timedelta(minutes=1))
    fault = plan.scenario.phases[1].steps[0]
    assert 0 < (due - start).total_seconds() < fault.fault.duration  # type: ignore[attr-defined]


def test_a_dry_run_says_when_jobs_come_due(tmp_path: Path) -> None:
    body = """\
jobs: {run: as_scheduled, clock: "01:29:30", speed: 60}
phases:
  - {name: p, operator: Kim, analyst: Sato, steps: [{job: nightly-backup}]}
"""
    lines = dry_run(load_plan(_files(tmp_path, body)))
    assert "  1. job nightly-backup" in lines
    due = lines[lines.index(next(line for line in lines if "running 60x" in line)) + 1 :]
    assert due[:2] == [
        "  nightly-backup on db1 at 01:30 (+0.5 s)",
        "  order-export on app1 at 01:31 (+1.5 s)",
    ]
    assert len(due) == 6 and due[2] == "  nightly-backup on db1 at 01:30 (+1440.5 s)"
