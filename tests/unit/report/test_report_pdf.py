"""report.pdf from headless Chromium, and one clear line when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from tests.drill_journal import write_drill_journal

runner = CliRunner()


@pytest.mark.usefixtures("chromium")
def test_report_pdf_is_printed_by_chromium(tmp_path: Path) -> None:
    run_dir = write_drill_journal(tmp_path / "run")
    done = runner.invoke(app, ["report", str(run_dir), "--pdf"])
    assert done.exit_code == 0, done.output
    assert (run_dir / "report.pdf").read_bytes().startswith(b"%PDF")


def test_without_chromium_the_other_formats_are_written_and_one_line_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    run_dir = write_drill_journal(tmp_path / "run")
    done = runner.invoke(app, ["report", str(run_dir), "--pdf"])
    assert done.exit_code == 3
    assert "Chromium is not installed (apt-get install chromium)" in done.output
    assert "Traceback" not in done.output
    assert (run_dir / "report.html").is_file() and not (run_dir / "report.pdf").exists()
