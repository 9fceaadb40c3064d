"""Report files are written whole or not at all: a write that fails leaves the old file (or
none) and no temporary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.journal.whole_files import replacing, write_whole


def test_a_written_file_holds_all_its_content(tmp_path: Path) -> None:
    path = write_whole(tmp_path / "report.md", "# Report\nÜber alles\n")
    assert path.read_text(encoding="utf-8") == "# Report\nÜber alles\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_failing_write_leaves_no_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    with pytest.raises(OSError, match="No space left"), replacing(target) as temporary:
        temporary.write_text("<html><body>half a rep")
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_keeps_the_previous_file_whole(tmp_path: Path) -> None:
    target = write_whole(tmp_path / "results.json", '{"status": "passed"}\n')
    with pytest.raises(RuntimeError), replacing(target) as temporary:
        temporary.write_text('{"stat')
        raise RuntimeError("killed mid-write")
    assert target.read_text() == '{"status": "passed"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
