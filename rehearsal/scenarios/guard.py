"""Stop conditions: limits that end a run early, so a drill never does more harm than the
scenario allows (a service down too long, a downtime budget spent, a step that failed).

The guard only raises the run's cancel flag and says why; the engine's exit stacks then
revert every fault exactly as they would on Ctrl-C.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from rehearsal.journal.writer import Journal
from rehearsal.models.durations import format_duration
from rehearsal.models.scenario import StopWhen
from rehearsal.scenarios.sampler import ProbeSampler

TICK_S = 0.25


class StopGuard:
    def __init__(
        self,
        conditions: Sequence[StopWhen],
        services: list[str],
        sampler: ProbeSampler,
        journal: Journal,
        cancelled: threading.Event,
    ) -> None:
        self.conditions = conditions
        self.services = [name for name in services if sampler.has(name)]
        self.sampler = sampler
        self.journal = journal
        self.cancelled = cancelled
        self.reason: str | None = None
        self._done = threading.Event()
        self._failing_since: dict[str, float] = {}
        self._downtime = 0.0
        self._thread = threading.Thread(target=self._watch, name="stop-guard", daemon=True)

    def __enter__(self) -> StopGuard:
        if any(not c.step_failed for c in self.conditions):
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def step_failed(self, label: str) -> None:
        if any(c.step_failed for c in self.conditions):
            self.stop(f"a step failed ({label}) and the scenario stops at the first failure")

    def stop(self, reason: str) -> None:
        if self.reason is not None:
            return
        self.reason = reason
        self.journal.record("run.stopping", reason=reason)
        self.cancelled.set()

    def _watch(self) -> None:
        last = time.monotonic()
        while not self._done.wait(TICK_S):
            now = time.monotonic()
            if any(self._failing(name, now) for name in self.services):
                self._downtime += now - last
            last = now
            for condition in self.conditions:
                reason = self._reached(condition, now)
                if reason:
                    self.stop(reason)
                    return

    def _failing(self, name: str, now: float) -> bool:
        seen = self.sampler.latest(name)
        if seen is None or seen.ok:
            self._failing_since.pop(name, None)
            return False
        self._failing_since.setdefault(name, now)
        return True

    def _reached(self, condition: StopWhen, now: float) -> str | None:
        if condition.probe is not None and condition.failing_longer_than is not None:
            limit = condition.failing_longer_than
            self._failing(condition.probe, now)
            since = self._failing_since.get(condition.probe)
            if since is not None and now - since > limit:
                return f"{condition.probe} failed for longer than {format_duration(limit)}"
        if condition.downtime_budget is not None and self._downtime > condition.downtime_budget:
            return (
                f"the business services were down for {format_duration(self._downtime)}, "
                f"over the budget of {format_duration(condition.downtime_budget)}"
            )
        return None
