"""Monitors during a run: an alert fires when a probe has failed long enough, is sent the
ways the monitor says, and starts the escalation; each of those is a journal event.

Runs in the background beside the probe sampler, like the stop guard.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rehearsal.journal.writer import Journal
from rehearsal.models.alerts import Monitor, Notify
from rehearsal.models.escalation import OnCall
from rehearsal.scenarios.escalation import Acknowledgements, Escalation
from rehearsal.scenarios.notify import deliver
from rehearsal.scenarios.people import Answerer
from rehearsal.scenarios.sampler import ProbeSampler

TICK_S = 0.1


class MonitorWatch:
    def __init__(
        self,
        monitors: list[Monitor],
        on_call: OnCall | None,
        sampler: ProbeSampler,
        journal: Journal,
        answerer: Answerer,
        phase: Callable[[], str | None],
        run_dir: Path,
        attempt: int = 1,
    ) -> None:
        self.monitors = [m for m in monitors if sampler.has(m.probe)]
        self.on_call = on_call
        self.sampler = sampler
        self.journal = journal
        self.answerer = answerer
        self.phase = phase
        self.run_dir = run_dir
        self.attempt = attempt
        self.acknowledgements = Acknowledgements()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._failing_since: dict[str, float] = {}
        self._open: dict[str, str] = {}
        self._fired = 0
        self._workers: list[threading.Thread] = []
        # Threads carry the caller's context: a Prefect pause or event needs the flow run's.
        self._thread = threading.Thread(
            target=contextvars.copy_context().run, args=(self._watch,), name="monitors", daemon=True
        )

    def __enter__(self) -> MonitorWatch:
        if self.monitors:
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._tick()  # a recovery seen in the last moments still resolves its alert
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for worker in self._workers:
            worker.join(timeout=10)

    def _watch(self) -> None:
        while not self._done.wait(TICK_S):
            self._tick()

    def _tick(self) -> None:
        with self._lock:
            now = time.monotonic()
            for monitor in self.monitors:
                self._check(monitor, now)

    def _check(self, monitor: Monitor, now: float) -> None:
        seen = self.sampler.latest(monitor.probe)
        if seen is None:
            return
        if seen.ok:
            self._failing_since.pop(monitor.name, None)
            alert = self._open.pop(monitor.name, None)
            if alert is not None:
                self.journal.record("alert.resolved", alert=alert, monitor=monitor.name)
            return
        since = self._failing_since.setdefault(monitor.name, now)
        if monitor.name not in self._open and now - since >= monitor.after:
            self._fire(monitor, seen.detail)

    def _fire(self, monitor: Monitor, detail: str) -> None:
        self._fired += 1
        # Unique in the run (answers and Prefect keys use it); readers see "AL1 of attempt 2".
        alert = f"AL{self._fired}" if self.attempt == 1 else f"AL{self._fired}-a{self.attempt}"
        self._open[monitor.name] = alert
        phase = self.phase()
        fired = self.journal.record(
            "alert.fired",
            alert=alert,
            monitor=monitor.name,
            probe=monitor.probe,
            severity=monitor.severity,
            phase=phase,
            attempt=self.attempt,
            detail=detail,
        )
        message = {
            "alert": alert,
            "monitor": monitor.name,
            "probe": monitor.probe,
            "severity": monitor.severity,
            "phase": phase or "",
            "detail": detail,
            "fired_at": fired["at"],
        }
        for notify in monitor.notify:
            self._start(self._send, notify, message)
        if self.on_call is not None and self.on_call.escalation:
            escalation = Escalation(
                self.on_call.escalation,
                self.answerer,
                self.journal,
                recovered=lambda: self._open.get(monitor.name) != alert,
                stopped=self._done,
                acknowledgements=self.acknowledgements,
                send=lambda notify, fields: self._start(self._send, notify, fields),
                fields=message,
            )
            self._start(escalation.run, alert, monitor, phase or "")

    def _send(self, notify: Notify, message: dict[str, str]) -> None:
        result = deliver(notify, message, self.run_dir, self.journal.redact)
        self.journal.record(
            "alert.delivered" if result.delivered else "alert.undelivered",
            alert=message["alert"],
            monitor=message["monitor"],
            channel=notify.channel,
            target=notify.target,
            detail=result.detail,
        )

    def _start(self, target: Callable[..., None], *args: object) -> None:
        context = contextvars.copy_context()
        worker = threading.Thread(target=context.run, args=(target, *args), daemon=True)
        self._workers.append(worker)
        worker.start()
