"""``rehearsal stop``: halt runs at once, revert their faults, and keep new ones from starting.

A run is stopped from the outside, so a hung run stops too: its process is frozen
(SIGSTOP) so it injects nothing more, every fault its journal says is still injected is
reverted from here, ``emergency_stop`` is journalled with who and why, the process and its
children are killed, the mirror is torn down (or kept, when the run said ``--keep``), and
the report is rebuilt from the journal. Runs on other machines are cancelled through each
orchestrator in ``ELSEWHERE`` (with Prefect, a pool's workers: ``rehearsal.flows.adapters``
adds it): each unwinds itself (reverts, tears down) and sees the stop.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psutil

from rehearsal.envs.labels import process_start
from rehearsal.errors import RehearsalError, RunRefused
from rehearsal.journal.writer import Journal
from rehearsal.runs.live import LiveRun, Stop, forget, live_runs


@dataclass
class Stopped:
    run_id: str
    reverted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    kept: bool = False
    where: str = "here"


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (ansible, ssh, probes)."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def _signal(run: LiveRun, signum: signal.Signals) -> None:
    if process_start(run.pid) != run.start:
        return
    for pid in [run.pid, *descendants(run.pid)]:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            continue


def _stop_one(client: Any, run: LiveRun, stop: Stop) -> Stopped:
    from rehearsal.envs.docker import remove_with_attempts
    from rehearsal.runs.recovery import recover
    from rehearsal.runs.session import write_results

    run_dir = Path(run.run_dir)
    done = Stopped(run.run_id, kept=run.keep)
    with Journal(run_dir) as journal:
        journal.record("emergency_stop", by=stop.by, why=stop.why, at=stop.at)
    try:
        for item in recover(client, run_dir, force=True, by="emergency_stop"):
            (done.failed if item.error else done.reverted).append(item.label)
    except RunRefused:
        pass  # no nodes yet (still building images): nothing can be injected
    _signal(run, signal.SIGKILL)
    forget(run.run_id)
    if not run.keep:
        remove_with_attempts(client, run.run_id)
    with Journal(run_dir) as journal:
        journal.record("run.finished", outcome="cancelled", error=stop.sentence())
    try:
        write_results(run_dir)
    except RehearsalError:
        pass  # the journal is the record; `rehearsal report RUN_DIR` retries the report
    return done


class Orchestrator(Protocol):
    """What launched runs, and can cancel those going on other machines."""

    def mark_cancelled(self, runs: list[LiveRun], stop: Stop) -> None:
        """Record as cancelled the orchestrator's runs among ``runs``, stopped here."""
        ...

    def cancel_elsewhere(self, stop: Stop) -> list[Stopped]:
        """Cancel its runs still going on other machines; their own watch unwinds them."""
        ...


ELSEWHERE: dict[str, Orchestrator] = {}
"""The orchestrators a stop reaches beyond this machine, by name."""


def stop_runs(runs: list[LiveRun], stop: Stop) -> list[Stopped]:
    """Freeze every run first, so none injects more while the others are being reverted."""
    from rehearsal.envs.docker import docker_client

    if not runs:
        return []
    client = docker_client()
    for run in runs:
        _signal(run, signal.SIGSTOP)
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        stopped = list(pool.map(lambda run: _stop_one(client, run, stop), runs))
    for orchestrator in ELSEWHERE.values():
        orchestrator.mark_cancelled(runs, stop)
    return stopped


def stop_all(stop: Stop) -> list[Stopped]:
    """Every live run here, then every run still going elsewhere that an orchestrator knows;
    runs that slipped in while stopping are caught by a second look."""
    stopped = stop_runs(live_runs(), stop)
    stopped += stop_runs(live_runs(), stop)
    return stopped + [run for each in ELSEWHERE.values() for run in each.cancel_elsewhere(stop)]


def stop_run(run_id: str, stop: Stop) -> Stopped:
    found = [run for run in live_runs() if run.run_id == run_id]
    if not found:
        raise RunRefused(
            f"no live run {run_id!r} on this machine; `rehearsal env ls` lists environments "
            "and their owners"
        )
    return stop_runs(found, stop)[0]
