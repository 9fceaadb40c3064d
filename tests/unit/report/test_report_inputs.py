"""`rehearsal report` on damaged, partial and older journals: a report, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rehearsal.cli.app import app
from tests.drill_journal import write_drill_journal

runner = CliRunner()


def report(run_dir: Path) -> tuple[int, str]:
    done = runner.invoke(app, ["report", str(run_dir)])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done.exit_code, done.output


def test_a_folder_without_a_journal_exits_2(tmp_path: Path) -> None:
    code, said = report(tmp_path)
    assert code == 2 and "no journal.jsonl here" in said


def test_a_journal_cut_mid_line_reports_what_it_can_and_says_the_run_is_incomplete(
    tmp_path: Path,
) -> None:
    run_dir = write_drill_journal(tmp_path / "run")
    journal = run_dir / "journal.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[:-3]) + lines[-3][:25])  # killed while writing

    code, said = report(run_dir)

    assert code == 0
    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "incomplete"
    assert "cut short" in results["journal_problems"][0]
    assert "cut short" in said
    html = (run_dir / "report.html").read_text()
    assert "What the record of this run lacks" in html and "Could not finish" in html


def test_a_journal_appended_to_after_a_cut_line_stays_readable(tmp_path: Path) -> None:
    run_dir = write_drill_journal(tmp_path / "run")
    journal = run_dir / "journal.jsonl"
    journal.write_text(journal.read_text()[:-20])
    done = runner.invoke(
        app, ["findings", "edit", str(run_dir), "R1", "--owner", "me", "--by", "me"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(journal.read_text().splitlines()[-1])["event"] == "finding.edited"


def test_an_older_journal_with_missing_fields_and_unknown_events_says_what_was_missing(
    tmp_path: Path,
) -> None:
    odd = [
        {"at": "2026-11-20T09:00:30+00:00", "event": "chaos.monkey", "what": "new in v9"},
        {"at": "2026-11-20T09:00:31+00:00", "event": "step.started", "index": 9},
        {"at": "2026-11-20T09:00:32+00:00", "event": "finding", "id": "X", "severity": "dire",
         "category": "procedure", "title": "t", "detail": "d"},
        {"at": "yesterday", "event": "probe.sample", "probe": "shop-http", "ok": True},
    ]  # fmt: skip
    run_dir = write_drill_journal(tmp_path / "run", extra=odd)
    journal = run_dir / "journal.jsonl"
    first, *rest = journal.read_text().splitlines(keepends=True)
    started = json.loads(first)
    del started["title"], started["team"]
    journal.write_text(json.dumps(started) + "\n" + "".join(rest))

    code, said = report(run_dir)

    assert code == 0
    problems = json.loads((run_dir / "results.json").read_text())["journal_problems"]
    text = " ".join(problems)
    assert "lacks title, team" in text
    assert "step.started (missing or invalid: type, label)" in text
    assert "finding (missing or invalid: severity)" in text
    assert "probe.sample (no valid time)" in text
    assert "chaos.monkey (1)" in text
    assert "untitled run" in (run_dir / "report.html").read_text()
    assert "lacks title, team" in said


def test_a_journal_that_is_not_a_rehearsal_journal_exits_2(tmp_path: Path) -> None:
    (tmp_path / "journal.jsonl").write_text('{"at": "2026-11-20T09:00:00+00:00", "event": "x"}\n')
    code, said = report(tmp_path)
    assert code == 2 and "no run.started event" in said
