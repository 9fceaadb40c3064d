"""One run at a time on a lab host: a run is refused while another live run on this machine
holds one of its lab hosts, and lets the next one in when it ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import RunRefused
from rehearsal.runs.live import registered


def test_a_second_run_on_the_same_lab_host_is_refused_until_the_first_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path / "state"))
    with registered("run-a", tmp_path / "a", False, None, ["10.1.2.30:22", "10.1.2.31:22"]):
        with pytest.raises(RunRefused, match=r"lab host 10\.1\.2\.31:22 is in use by run run-a"):
            with registered("run-b", tmp_path / "b", False, None, ["10.1.2.31:22"]):
                pytest.fail("a second run got the lab host")
        with registered("run-c", tmp_path / "c", False, None, ["10.1.2.32:22"]):
            pass
        with registered("run-d", tmp_path / "d", False, None):
            pass
    with registered("run-b", tmp_path / "b", False, None, ["10.1.2.31:22"]):
        assert (tmp_path / "state" / "runs" / "run-b.json").is_file()
