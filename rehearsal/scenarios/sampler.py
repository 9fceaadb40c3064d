"""Probes sampled in the background for the whole run, each at its own interval.

Every sample goes to the journal (that is the probe history, and where detection and
recovery times are measured from); waiters are woken on each new sample.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from rehearsal.journal.writer import Journal
from rehearsal.scenarios.probes import AnyProbe


@dataclass(frozen=True)
class Observed:
    sequence: int
    ok: bool
    detail: str


class ProbeSampler:
    def __init__(self, probes: dict[str, tuple[AnyProbe, float]], journal: Journal) -> None:
        self._probes = probes
        self._journal = journal
        self._latest: dict[str, Observed] = {}
        self._counts: dict[str, list[int]] = {name: [0, 0] for name in probes}
        self._sequence = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=(name,), name=f"probe-{name}", daemon=True)
            for name in probes
        ]

    def __enter__(self) -> ProbeSampler:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)

    def _loop(self, name: str) -> None:
        probe, interval = self._probes[name]
        next_at = time.monotonic()
        while not self._stop.is_set():
            sample = probe.sample()
            self._journal.record(
                "probe.sample",
                probe=name,
                ok=sample.ok,
                latency_s=round(sample.latency_s, 4),
                detail=sample.detail,
            )
            with self._changed:
                self._sequence += 1
                self._latest[name] = Observed(self._sequence, sample.ok, sample.detail)
                self._counts[name][0 if sample.ok else 1] += 1
                self._changed.notify_all()
            next_at = max(next_at + interval, time.monotonic())
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def has(self, name: str) -> bool:
        return name in self._probes

    def latest(self, name: str) -> Observed | None:
        with self._changed:
            return self._latest.get(name)

    def counts(self, name: str) -> tuple[int, int]:
        """Passing and failing samples of ``name`` so far."""
        with self._changed:
            passing, failing = self._counts[name]
            return passing, failing

    def mark(self) -> int:
        """A point in the sample sequence: waits only trust samples taken after it."""
        with self._changed:
            return self._sequence

    def next_sample(
        self, name: str, after: int, timeout_s: float, cancelled: threading.Event
    ) -> Observed | None:
        """The first sample of ``name`` taken after ``after``, whatever its state."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                seen = self._latest.get(name)
                if seen is not None and seen.sequence > after:
                    return seen
                remaining = deadline - time.monotonic()
                if remaining <= 0 or cancelled.is_set() or self._stop.is_set():
                    return None
                self._changed.wait(min(remaining, 0.5))

    def wait_for(
        self, name: str, ok: bool, after: int, timeout_s: float, cancelled: threading.Event
    ) -> Observed | None:
        """The first sample of ``name`` after ``after`` whose state is ``ok``, or None."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                seen = self._latest.get(name)
                if seen is not None and seen.sequence > after and seen.ok == ok:
                    return seen
                remaining = deadline - time.monotonic()
                if remaining <= 0 or cancelled.is_set() or self._stop.is_set():
                    return None
                self._changed.wait(min(remaining, 0.5))
