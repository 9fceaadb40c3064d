"""The reports folder's file system fills while a fault is on: the run reverts the fault,
removes the mirror, exits 3 with one line saying what is kept and how to rebuild the
reports, and leaves no report file half written.

The file system is real: a sparse file made ext4 and loop-mounted, always unmounted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.docker import docker_client
from rehearsal.journal.writer import read_journal_lines
from tests.conftest import ROOT
from tests.integration.test_crash import DATA, TOKEN
from tests.integration.test_isolation import _holding, _release, _resources, _run_id

pytestmark = pytest.mark.docker
REPORT_FILES = ("results.json", "report.html", "report.md", "notice.md", "junit.xml")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MiB ext4 file system mounted on a loop device; unmounted and its loop device
    gone afterwards, whatever happened."""
    image, mount = tmp_path / "disk.img", tmp_path / "reports"
    mount.mkdir()
    subprocess.run(["truncate", "-s", "64M", str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True)
    subprocess.run(["mount", "-o", "loop", str(image), str(mount)], check=True)
    try:
        yield mount
    finally:
        for _ in range(20):
            if subprocess.run(["umount", str(mount)], check=False).returncode == 0:
                break
            time.sleep(0.5)
        loops = subprocess.run(["losetup", "-j", str(image)], capture_output=True, text=True)
        assert loops.stdout == "", f"loop device left behind: {loops.stdout}"


def _fill(folder: Path) -> None:
    """Use every block left: one preallocated file, then zeros until the last one."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    subprocess.run(["fallocate", "-l", str(free), str(folder / "filler")], check=False)
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={folder / 'filler-rest'}", "bs=4k"],
        capture_output=True,
        check=False,
    )
    assert os.statvfs(folder).f_bavail == 0


def test_a_full_reports_disk_is_exit_3_one_line_and_no_half_report(small_disk: Path) -> None:
    client = docker_client()
    process = subprocess.Popen(
        [sys.executable, "-m", "rehearsal", "run", str(DATA / "fill.yaml")]
        + ["--out", str(small_disk), "--people", "none"],
        cwd=ROOT,
        env={**os.environ, "REHEARSAL_TEST_API_TOKEN": TOKEN},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        run_dir = _holding(small_disk)
        run_id = _run_id(run_dir)
        events = read_journal_lines(run_dir).events
        assert any(e["event"] == "fault.injected" for e in events), "the fault is on"
        _fill(small_disk)
        _release(client, run_id)
        output = process.communicate(timeout=300)[0]
    finally:
        if process.poll() is None:
            process.kill()
    print(output)
    assert process.returncode == 3, output
    assert "Traceback" not in output, output
    [told] = [line for line in output.splitlines() if "no space left" in line]
    # With every block used, even a line the journal wrote may be lost: it says "intact"
    # only when no append failed, and then the journal must end whole.
    kept = "is intact" if "is intact" in told else "may lack events recorded after the disk filled"
    assert told == (
        f"{small_disk}: no space left on the device; the journal {run_dir / 'journal.jsonl'} "
        f"{kept}; once there is space, `rehearsal report {run_dir}` rebuilds the reports"
    )
    journal = read_journal_lines(run_dir)
    finished = journal.events[-1]["event"] == "run.finished"
    print(f"journal: {len(journal.events)} events, ends with run.finished: {finished}")
    if kept == "is intact":
        assert finished and journal.unreadable == 0
        reverted = [e["status"] for e in journal.events if e["event"] == "fault.reverted"]
        assert reverted == ["reverted"], "the fault was reverted on the full disk"
    assert _resources(client, run_id) == {"containers": [], "networks": []}
    written = sorted(p.name for p in run_dir.iterdir() if p.is_file())
    assert not [name for name in written if name in REPORT_FILES or "partial" in name], written

    (small_disk / "filler").unlink(missing_ok=True)
    (small_disk / "filler-rest").unlink(missing_ok=True)
    rebuilt = subprocess.run(
        [sys.executable, "-m", "rehearsal", "report", str(run_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    results = json.loads((run_dir / "results.json").read_text())
    assert results["run_id"] == run_id and (run_dir / "report.html").stat().st_size > 0
