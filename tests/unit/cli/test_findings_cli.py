"""Findings after the run: listed, added and changed from the CLI, recorded in the journal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.journal.writer import read_journal
from tests.drill_journal import write_drill_journal

runner = CliRunner()


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    run_dir = write_drill_journal(tmp_path / "reports" / "run-1")
    assert runner.invoke(app, ["report", str(run_dir)]).exit_code == 0
    return run_dir


def results(run_dir: Path) -> dict:
    return json.loads((run_dir / "results.json").read_text())


def test_findings_lists_the_runs_findings(run_dir: Path) -> None:
    done = runner.invoke(app, ["findings", str(run_dir)], env={"COLUMNS": "200"})
    assert done.exit_code == 0
    assert "R1" in done.output and "Connection pool exhausted" in done.output
    assert "open" in done.output


def test_edit_appends_who_decided_and_rebuilds_every_report(run_dir: Path) -> None:
    args = ["findings", "edit", str(run_dir), "R1", "--status", "accepted", "--owner", "Kim Minji"]
    done = runner.invoke(app, [*args, "--by", "Sato Ren"])

    assert done.exit_code == 0, done.output
    last = read_journal(run_dir)[-1]
    assert last["event"] == "finding.edited" and last["by"] == "Sato Ren"
    assert last["changes"] == {"status": "accepted", "owner": "Kim Minji"}
    finding = results(run_dir)["findings"][0]
    assert (finding["status"], finding["owner"]) == ("accepted", "Kim Minji")
    assert finding["history"][0]["by"] == "Sato Ren"
    html = (run_dir / "report.html").read_text()
    assert "Sato Ren: status → accepted" in html
    assert "| Kim Minji | accepted |" in (run_dir / "report.md").read_text()


def test_add_records_a_new_finding_with_the_next_free_id(run_dir: Path) -> None:
    args = ["findings", "add", str(run_dir), "--severity", "high", "--category", "procedure"]
    args += ["--title", "No pool warm-up step", "--recommendation", "Add one", "--by", "J. Park"]
    first = runner.invoke(app, args)
    second = runner.invoke(app, args)

    assert first.exit_code == second.exit_code == 0
    ids = [f["id"] for f in results(run_dir)["findings"]]
    assert ids == ["R1", "F1", "F2"]
    assert results(run_dir)["status"] == "failed", "a high finding fails the run"
    assert "No pool warm-up step" in (run_dir / "report.html").read_text()


def test_an_unknown_id_is_refused_with_the_known_ids(run_dir: Path) -> None:
    before = (run_dir / "journal.jsonl").read_text()
    done = runner.invoke(
        app, ["findings", "edit", str(run_dir), "R9", "--status", "fixed", "--by", "me"]
    )

    assert done.exit_code == 2
    assert "no finding 'R9'" in done.output and "its findings: R1" in done.output
    assert (run_dir / "journal.jsonl").read_text() == before


@pytest.mark.parametrize(
    ("option", "value"), [("--status", "done"), ("--severity", "urgent"), ("--category", "x")]
)
def test_a_word_outside_the_vocabulary_is_refused(run_dir: Path, option: str, value: str) -> None:
    done = runner.invoke(app, ["findings", "edit", str(run_dir), "R1", option, value, "--by", "me"])
    assert done.exit_code == 2
    assert "choose one of" in done.output


def test_findings_of_a_folder_without_a_journal_exit_2(tmp_path: Path) -> None:
    done = runner.invoke(app, ["findings", str(tmp_path)])
    assert done.exit_code == 2
    assert "no journal.jsonl" in done.output
