"""A process is known by its pid and kernel start time: the owner's labels, the reaper
and the emergency stop must agree on that start time, in the kernel's own clock ticks
(as labels and live-run files written by earlier versions have it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rehearsal.envs.labels import process_start
from rehearsal.envs.reaper import _children, _end
from rehearsal.runs.emergency import descendants

_IGNORE_TERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


def _kernel_start(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


def test_a_start_time_is_the_kernels_clock_ticks() -> None:
    with subprocess.Popen(["sleep", "30"]) as child:
        try:
            for pid in (os.getpid(), 1, child.pid):
                assert process_start(pid) == _kernel_start(pid)
        finally:
            child.kill()


def test_a_process_that_is_gone_has_no_start_time() -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    assert process_start(child.pid) == ""
    assert process_start(-1) == ""


def test_descendants_are_found_at_every_depth() -> None:
    with subprocess.Popen(["sh", "-c", "sleep 30 & wait"]) as shell:
        try:
            deadline = time.monotonic() + 10
            while not descendants(shell.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            (sleeper,) = descendants(shell.pid)
            assert {shell.pid, sleeper} <= set(descendants(os.getpid()))
        finally:
            for pid in descendants(shell.pid):
                os.kill(pid, signal.SIGKILL)
            shell.kill()
    assert descendants(shell.pid) == []


def test_the_reaper_ends_the_owners_children_that_are_still_the_same() -> None:
    stubborn = subprocess.Popen([sys.executable, "-c", _IGNORE_TERM], stdout=subprocess.PIPE)
    reused = subprocess.Popen(["sleep", "30"])
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
        children = _children(os.getpid())
        assert children[stubborn.pid] == _kernel_start(stubborn.pid)
        started = time.monotonic()
        _end({stubborn.pid: children[stubborn.pid], reused.pid: "1"})  # "1": another process
        assert process_start(stubborn.pid) == "", "SIGTERM ignored, so SIGKILL"
        assert time.monotonic() - started >= 3, "SIGTERM was given its time first"
        assert reused.poll() is None, "a pid whose start time differs is spared"
    finally:
        stubborn.kill()
        reused.kill()
        stubborn.communicate()
        reused.wait()
