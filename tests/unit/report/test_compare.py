"""Across runs: the compare table, and the trend section in a later run's report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.report.compare import compare
from rehearsal.report.trend import load_point
from rehearsal.runs.session import write_results
from tests.drill_journal import T0, write_drill_journal

runner = CliRunner()


def series(reports: Path) -> list[Path]:
    """Three drills, the fail-over getting faster each time (written out of order)."""
    dirs = []
    for day, took in ((3, 5.0), (1, 40.0), (2, 20.0)):
        run_dir = write_drill_journal(
            reports / f"run-{day}", run_id=f"run-{day}", start=T0 + timedelta(days=day),
            switch_took_s=took,
        )  # fmt: skip
        write_results(run_dir)
        dirs.append(run_dir)
    return dirs


def test_runs_are_compared_oldest_first_with_the_change(tmp_path: Path) -> None:
    points = [p for d in series(tmp_path) if (p := load_point(d)) is not None]
    table = compare(points)
    assert [p.run_id for p in table.runs] == ["run-1", "run-2", "run-3"]
    rows = {row.measure: row for row in table.rows}
    step = rows["runbook step 1. Switch the load balancer to app2"]
    assert step.values == ["40.0 s", "20.0 s", "5.0 s"] and step.change == "−35.0 s"
    assert rows["findings: medium"].values == ["1", "1", "1"]
    assert rows["findings"].change == "+0"
    assert "time to recover" in rows and "within RTO" in rows


def test_compare_command_prints_and_writes_html_and_markdown(tmp_path: Path) -> None:
    dirs = series(tmp_path / "reports")
    out = tmp_path / "out"
    done = runner.invoke(
        app, ["compare", *map(str, dirs), "--out", str(out)], env={"COLUMNS": "250"}
    )
    assert done.exit_code == 0, done.output
    assert "run-1" in done.output and "−35.0 s" in done.output
    assert (
        "| runbook step 1. Switch the load balancer to app2 | 40.0 s |"
        in (out / "compare.md").read_text()
    )
    assert "run-3/report.html" in (out / "compare.html").read_text()


def test_compare_refuses_a_folder_without_results(tmp_path: Path) -> None:
    done = runner.invoke(app, ["compare", str(tmp_path)])
    assert done.exit_code == 2 and "no readable results.json" in done.output


def test_a_later_report_shows_earlier_runs_of_the_same_scenario(tmp_path: Path) -> None:
    series(tmp_path)
    write_results(tmp_path / "run-3")  # it was written first; now its predecessors exist
    latest = (tmp_path / "run-3" / "report.html").read_text()
    first = (tmp_path / "run-1" / "report.html").read_text()
    assert "Earlier runs" in latest
    assert latest.index('href="../run-1/report.html"') < latest.index('href="../run-2/report.html"')
    assert "Earlier runs" not in first
