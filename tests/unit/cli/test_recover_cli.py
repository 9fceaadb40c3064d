"""`rehearsal recover`: the command a revert failure and validate's warnings send users to."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rehearsal.cli.app import app

runner = CliRunner()


def test_recover_says_what_it_reverts() -> None:
    done = runner.invoke(app, ["recover", "--help"])
    assert done.exit_code == 0, done.output
    assert "Revert every fault the run's journal says is still injected" in done.output


def test_recover_without_a_journal_says_what_to_pass(tmp_path: Path) -> None:
    done = runner.invoke(app, ["recover", "no-such-run", "--out", str(tmp_path)])
    assert done.exit_code == 2
    expected = f"{tmp_path / 'no-such-run'}: no journal.jsonl here; pass a run id or folder"
    assert expected in done.output
