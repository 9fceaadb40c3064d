"""``load:`` — background HTTP traffic against a service for the rest of the phase (or a
duration), as customers would make it; requests, errors and latency are recorded each
second, so the report can say how many requests failed while things were broken."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

from pydantic import Field

from rehearsal.envs.base import Environment
from rehearsal.journal.writer import Journal
from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.durations import Duration, format_duration
from rehearsal.scenarios.probes.http import resolve_url
from rehearsal.scenarios.steps.base import PhaseInfo, StepContext, StepKind, StepOutcome


class LoadSpec(Strict):
    name: Name = "load"
    url: str = Field(pattern=r"^https?://", description="a node name may stand as the host")
    method: str = "GET"
    body: Text | None = Field(default=None, description="JSON body for POST/PUT")
    rate: float = Field(default=10.0, gt=0, le=500, description="requests a second")
    concurrency: int = Field(default=4, ge=1, le=64)
    timeout: Duration = 2.0
    duration: Duration | None = Field(default=None, description="default: until the phase ends")


class LoadStep(Strict):
    load: LoadSpec


class LoadKind(StepKind):
    key: ClassVar[str] = "load"
    Model: ClassVar[type[Strict]] = LoadStep

    def label(self, step: LoadStep) -> str:
        spec = step.load
        until = format_duration(spec.duration) if spec.duration else "the end of the phase"
        return f"load {spec.name}: {spec.rate:g} {spec.method} requests/s to {spec.url} for {until}"

    def run(self, step: LoadStep, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        generator = LoadGenerator(step.load, context.env, context.journal, phase.name)
        generator.start()
        context.loads[step.load.name] = generator
        context.phase_stack.callback(context.loads.pop, step.load.name, None)
        context.phase_stack.callback(generator.stop)
        return StepOutcome("passed", "traffic started")


class LoadGenerator:
    def __init__(self, spec: LoadSpec, env: Environment, journal: Journal, phase: str) -> None:
        self.spec = spec
        self.url = resolve_url(spec.url, env)
        self.journal = journal
        self.phase = phase
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._latencies: list[float] = []
        self._errors = 0
        self._kinds: Counter[str] = Counter()
        self._total = [0, 0]
        self._thread = threading.Thread(target=self._drive, name=f"load-{spec.name}", daemon=True)

    def start(self) -> None:
        self.journal.record(
            "load.started",
            name=self.spec.name,
            phase=self.phase,
            url=self.spec.url,
            rate=self.spec.rate,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=self.spec.timeout + 5)
        requests, errors = self._total
        self.journal.record(
            "load.finished",
            name=self.spec.name,
            phase=self.phase,
            requests=requests,
            errors=errors,
            error_rate=round(errors / requests, 4) if requests else 0.0,
        )

    def error_rate(self) -> float:
        """Failed share of the requests answered so far (0 when none yet)."""
        with self._lock:
            requests = self._total[0] + len(self._latencies)
            errors = self._total[1] + self._errors
        return errors / requests if requests else 0.0

    def _drive(self) -> None:
        import httpx

        started = time.monotonic()
        interval = 1.0 / self.spec.rate
        with (
            httpx.Client(timeout=self.spec.timeout) as client,
            ThreadPoolExecutor(max_workers=self.spec.concurrency) as pool,
        ):
            next_at, next_report = started, started + 1.0
            while not self._stop.is_set():
                if self.spec.duration and time.monotonic() - started >= self.spec.duration:
                    break
                pool.submit(self._one, client)
                next_at += interval
                now = time.monotonic()
                if now >= next_report:
                    self._report()
                    next_report += 1.0
                self._stop.wait(max(0.0, next_at - now))
        self._report()

    def _one(self, client: object) -> None:
        import httpx

        assert isinstance(client, httpx.Client)
        started = time.monotonic()
        try:
            response = client.request(
                self.spec.method,
                self.url,
                content=self.spec.body,
                headers={"content-type": "application/json"},
            )
            failure = f"HTTP {response.status_code}" if response.status_code >= 400 else None
        except httpx.HTTPError as error:
            failure = type(error).__name__
        with self._lock:
            self._latencies.append(time.monotonic() - started)
            if failure is not None:
                self._errors += 1
                self._kinds[failure] += 1

    def _report(self) -> None:
        with self._lock:
            latencies, errors = sorted(self._latencies), self._errors
            kinds, self._kinds = dict(self._kinds), Counter()
            self._latencies, self._errors = [], 0
            self._total[0] += len(latencies)
            self._total[1] += errors
        if not latencies:
            return
        self.journal.record(
            "load.sample",
            name=self.spec.name,
            phase=self.phase,
            requests=len(latencies),
            errors=errors,
            p95_s=round(latencies[int(0.95 * (len(latencies) - 1))], 4),
            failures=kinds,
        )
