"""Labels that tie every Docker resource to its run and to the process that owns it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psutil

RUN = "rehearsal.run"
NODE = "rehearsal.node"
NETWORKS = "rehearsal.networks"
OWNER_PID = "rehearsal.owner.pid"
OWNER_HOST = "rehearsal.owner.host"
OWNER_START = "rehearsal.owner.start"
KEEP = "rehearsal.keep"
RUN_DIR = "rehearsal.run_dir"
IMAGE_KIND = "rehearsal.image"
"""On images rehearsal makes: ``role`` (a role image) or ``snapshot`` (a converged node)."""

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_start(pid: int) -> str:
    """The kernel's start time of ``pid``, in clock ticks since boot: with the pid, it names
    one process for good ("" when there is none). psutil gives wall-clock seconds, boot time
    added; taking it off again keeps the value unmoved when the clock is set, and in the
    format labels and live-run files have always had."""
    try:
        booted = psutil.boot_time()  # first: psutil before 7 caches it for create_time
        started = psutil.Process(pid).create_time()
    except (psutil.Error, ValueError):  # ValueError: a negative pid
        return ""
    return str(round((started - booted) * CLOCK_TICKS))


def owner_labels(run_id: str, keep: bool, run_dir: Path) -> dict[str, str]:
    pid = os.getpid()
    return {
        RUN: run_id,
        OWNER_PID: str(pid),
        OWNER_HOST: socket.gethostname(),
        OWNER_START: process_start(pid),
        KEEP: "true" if keep else "false",
        RUN_DIR: str(run_dir),
    }


def owner_alive(labels: dict[str, str]) -> bool:
    if labels.get(OWNER_HOST) != socket.gethostname():
        return True
    try:
        pid = int(labels.get(OWNER_PID, ""))
    except ValueError:
        return False
    return process_start(pid) == labels.get(OWNER_START) != ""
