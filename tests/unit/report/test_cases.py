"""The case library: runs indexed as they are reported, found again by their words."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.report.cases import CASES_NAME, reindex, search
from rehearsal.runs.session import write_results
from tests.drill_journal import T0, write_drill_journal

runner = CliRunner()


def two_runs(reports: Path) -> None:
    for n in (1, 2):
        run_dir = write_drill_journal(
            reports / f"run-{n}", run_id=f"run-{n}", start=T0 + timedelta(days=n)
        )
        write_results(run_dir)


def test_a_reported_run_is_found_by_words_of_its_findings_and_observations(tmp_path: Path) -> None:
    two_runs(tmp_path)
    hits = search(tmp_path, "connection POOL")
    assert [(h.run_id, h.matched.split(":")[0]) for h in hits] == [
        ("run-2", "finding R1"),
        ("run-2", "observation o1"),
        ("run-1", "finding R1"),
        ("run-1", "observation o1"),
    ]
    assert hits[0].customer == "Acme Retail"
    assert hits[0].report == str((tmp_path / "run-2" / "report.html").resolve())
    assert search(tmp_path, "warmed") and not search(tmp_path, "kubernetes")


def test_reindex_rebuilds_the_library_from_the_run_folders(tmp_path: Path) -> None:
    two_runs(tmp_path)
    (tmp_path / CASES_NAME).unlink()
    assert reindex(tmp_path) == 2
    assert len(search(tmp_path, "pool exhausted")) == 2


def test_search_falls_back_to_like_without_fts5(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / CASES_NAME) as db:  # as a SQLite without FTS5 would make it
        db.execute("CREATE TABLE entries (run_id, kind, ref, title, body)")
    two_runs(tmp_path)
    assert {h.run_id for h in search(tmp_path, "pool exhausted")} == {"run-1", "run-2"}


def test_cases_commands_print_the_run_the_finding_and_the_report(tmp_path: Path) -> None:
    two_runs(tmp_path)
    assert runner.invoke(app, ["cases", "reindex", str(tmp_path)]).exit_code == 0
    done = runner.invoke(app, ["cases", "search", "connection pool", "--reports", str(tmp_path)])
    assert done.exit_code == 0
    assert "run-2  2026-11-22  Acme Retail — Loss of the active application server" in done.output
    assert "finding R1: Connection pool exhausted on app2 during fail-over" in done.output
    assert str(tmp_path / "run-2" / "report.html") in done.output
