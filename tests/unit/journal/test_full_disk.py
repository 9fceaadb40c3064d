"""A full disk under the reports folder: a run's journal goes on (faults must still be
reverted, and that is journaled), and the error says what is kept and how to get the reports.

/dev/full answers every write with ENOSPC, as a full file system does; the real file
system is tried in tests/integration/test_full_disk.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import ReportsFolderFull
from rehearsal.journal.writer import JOURNAL_NAME, Journal, read_journal


def _on_a_full_disk(run_dir: Path) -> Path:
    run_dir.mkdir()
    (run_dir / JOURNAL_NAME).symlink_to("/dev/full")
    return run_dir


def test_a_runs_journal_counts_what_a_full_disk_kept_out(tmp_path: Path) -> None:
    journal = Journal(_on_a_full_disk(tmp_path / "run"), full_disk_ok=True)
    journal.record("fault.reverting", fault="F1")
    journal.record("fault.reverted", fault="F1", status="reverted")
    journal.close()
    assert journal.unwritten == 2


def test_any_other_journal_raises_on_a_full_disk(tmp_path: Path) -> None:
    """`findings add` must not say "added" for a finding it could not write."""
    journal = Journal(_on_a_full_disk(tmp_path / "run"))
    with pytest.raises(OSError, match="No space left"):
        journal.record(
            "finding.added", id="F9", severity="low", category="procedure", title="a note"
        )
    with pytest.raises(OSError, match="No space left"):  # and again when closed, never silent
        journal.close()


def test_a_journal_with_room_is_appended_as_before(tmp_path: Path) -> None:
    with Journal(tmp_path, full_disk_ok=True) as journal:
        journal.record(
            "run.started",
            run_id="r1",
            kind="rehearsal",
            title="t",
            customer="c",
            profile="p",
            scenario="s",
            team={},
        )
    assert [e["event"] for e in read_journal(tmp_path)] == ["run.started"]
    assert journal.unwritten == 0


def test_the_error_names_the_folder_the_journal_and_the_rebuild(tmp_path: Path) -> None:
    run_dir = tmp_path / "reports" / "20250101T000000Z-drill-abc123"
    intact = str(ReportsFolderFull(run_dir))
    assert intact == (
        f"{tmp_path / 'reports'}: no space left on the device; the journal "
        f"{run_dir / 'journal.jsonl'} is intact; once there is space, "
        f"`rehearsal report {run_dir}` rebuilds the reports"
    )
    assert "may lack events" in str(ReportsFolderFull(run_dir, journal_intact=False))
    assert ReportsFolderFull.exit_code == 3
