"""Memory: the orchestrator's peak resident set, and what a run's containers use."""

from __future__ import annotations

import re
from pathlib import Path

from bench.baselines import docker

UNITS = {"B": 1 / 2**20, "KiB": 1 / 1024, "kB": 1 / 1024, "MiB": 1.0, "MB": 1.0, "GiB": 1024.0}


def reset_peak_rss() -> None:
    """Start a new peak: writing 5 to clear_refs resets VmHWM (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def containers_memory_mib(names: list[str]) -> float:
    """The sum of the containers' memory use, from one ``docker stats --no-stream``."""
    usage = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", *names)
    total = 0.0
    for line in usage.splitlines():
        match = re.match(r"([\d.]+)\s*([A-Za-z]+)", line)
        if match:
            total += float(match.group(1)) * UNITS[match.group(2)]
    return total
