"""The customer's batch jobs, run for real: a job's command on its node over SSH, the way
its scheduler would start it, journaled as ``job.started`` / ``job.finished``.

A job runs under coreutils' ``timeout`` with its own time limit, so one that overruns is
stopped on the node (as a well-kept scheduler would) instead of running on behind the
rehearsal. ``JobScheduler`` starts jobs by themselves when their schedule comes round on
the run's clock; what a failed job means is derived from the journal afterwards.
"""

from __future__ import annotations

import heapq
import shlex
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

from rehearsal.envs.base import Environment
from rehearsal.journal.writer import Journal
from rehearsal.models.profile import Job
from rehearsal.models.scenario import JobTiming
from rehearsal.models.schedules import times_between

DEFAULT_LIMIT_S = 300.0
"""A job without ``timeout:`` may take this long."""
KILL_AFTER_S = 5.0
OUTPUT_TAIL = 4000
HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class JobOutcome:
    status: str  # passed, failed or timed out
    exit_code: int
    duration_s: float


def run_job(
    job: Job,
    env: Environment,
    journal: Journal,
    phase: str | None,
    trigger: str,
    scheduled_for: datetime | None = None,
) -> JobOutcome:
    """Run ``job`` once and journal it; never raises for what happens on the node."""
    assert job.run is not None  # validation refuses to run a job without a command
    limit = job.timeout or DEFAULT_LIMIT_S
    where = {"job": job.name, "node": job.on, "phase": phase, "trigger": trigger}
    journal.record(
        "job.started",
        **where,
        command=job.run,
        say=job.say,
        scheduled_for=scheduled_for.isoformat() if scheduled_for else None,
        timeout_s=limit,
    )
    limited = shlex.join(["timeout", "-k", f"{KILL_AFTER_S:g}", f"{limit:g}", "sh", "-c", job.run])
    try:
        result = env.run_command(job.on, limited, timeout_s=limit + 2 * KILL_AFTER_S)
        code, output, took = result.exit_code, result.output, result.duration_s
    except Exception as error:  # any way the node cannot be reached is the job failing
        code, output, took = 255, f"could not reach {job.on}: {error}", 0.0
    # `timeout` exits 124 when it stopped the job, 137 when it had to kill it.
    timed_out = code in (124, 137) and took >= limit
    status = "timed out" if timed_out else "passed" if code == 0 else "failed"
    journal.record(
        "job.finished",
        **where,
        status=status,
        exit_code=code,
        output=output[-OUTPUT_TAIL:],
        duration_s=round(took, 3),
        timeout_s=limit,
    )
    return JobOutcome(status, code, took)


def coming_due(
    jobs: list[Job], start: datetime, end: datetime
) -> Iterator[tuple[datetime, str, Job]]:
    """Every time a job comes due from ``start`` up to ``end``, in order, across all jobs."""

    def times_of(job: Job) -> Iterator[tuple[datetime, str, Job]]:
        for at in times_between(job.schedule, start, end):
            yield at, job.name, job

    return heapq.merge(*map(times_of, jobs), key=lambda due: (due[0], due[1]))


class JobScheduler:
    """Starts each job whose schedule comes round while the run lasts, in the background.

    The run's clock (``scenarios/clock.py``) reads ``start`` when the scheduler starts, and
    runs ``timing.speed`` times faster than real time. A job still running when
    its next time comes is not started twice: that run is journaled as skipped.
    """

    def __init__(
        self,
        jobs: list[Job],
        timing: JobTiming,
        start: datetime,
        env: Environment,
        journal: Journal,
        phase: Callable[[], str | None],
        cancelled: threading.Event,
    ) -> None:
        self.jobs = [job for job in jobs if job.run is not None]
        self.timing = timing
        self.start = start
        self.env = env
        self.journal = journal
        self.phase = phase
        self.cancelled = cancelled
        self._stop = threading.Event()
        self._running: dict[str, threading.Thread] = {}
        self._thread = threading.Thread(target=self._drive, name="job-scheduler", daemon=True)

    def __enter__(self) -> JobScheduler:
        self._started = time.monotonic()
        self.journal.record(
            "jobs.scheduled",
            clock=self.start.isoformat(),
            speed=self.timing.speed,
            timezone=str(self.start.tzinfo),
            jobs=[job.name for job in self.jobs],
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _trace: TracebackType | None,
    ) -> None:
        """Start nothing more; let jobs already running finish (each has its limit), unless
        the run is being cancelled."""
        self._stop.set()
        self._thread.join()
        if self.cancelled.is_set():
            return
        for thread in list(self._running.values()):
            thread.join()

    def _drive(self) -> None:
        for at, name, job in coming_due(self.jobs, self.start, self.start + HORIZON):
            real_s = (at - self.start).total_seconds() / self.timing.speed
            if self._stop.wait(max(0.0, self._started + real_s - time.monotonic())):
                return
            running = self._running.get(name)
            if running is not None and running.is_alive():
                self.journal.record(
                    "job.skipped",
                    job=name,
                    node=job.on,
                    phase=self.phase(),
                    scheduled_for=at.isoformat(),
                    reason="its previous run is still going",
                )
                continue
            thread = threading.Thread(
                target=run_job,
                args=(job, self.env, self.journal, self.phase(), "schedule", at),
                name=f"job-{name}",
                daemon=True,
            )
            self._running[name] = thread
            thread.start()
