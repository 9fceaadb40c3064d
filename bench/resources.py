"""Memory: the orchestrator's peak resident set, and what a run's containers use."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from bench.baselines import docker
from rehearsal.runs.emergency import descendants

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


def _rss_pss_kib(pid: int) -> tuple[int, int]:
    values = {"Rss:": 0, "Pss:": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(" ")
            if key in values:
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values["Rss:"], values["Pss:"]


class ChildrenMemory:
    """Peak memory of this process's children whose command line contains ``match``,
    sampled every ``every_s``: ansible-playbook and its forked workers. PSS counts the
    pages the forks share once, so it is what they cost the machine; RSS counts them in
    every fork."""

    def __init__(self, match: str, every_s: float = 0.2) -> None:
        self.match = match.encode()
        self.every_s = every_s
        self.peak_rss_mib = 0.0
        self.peak_pss_mib = 0.0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ChildrenMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(self.every_s):
            rss = pss = processes = 0
            for pid in descendants(os.getpid()):
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if self.match in command:
                    one_rss, one_pss = _rss_pss_kib(pid)
                    rss, pss, processes = rss + one_rss, pss + one_pss, processes + 1
            self.peak_rss_mib = max(self.peak_rss_mib, rss / 1024)
            self.peak_pss_mib = max(self.peak_pss_mib, pss / 1024)
            self.peak_processes = max(self.peak_processes, processes)
