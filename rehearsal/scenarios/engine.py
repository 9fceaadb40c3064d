"""Runs a scenario against a built environment: steady state, phases, steps, revert.

Every fault's revert goes on an exit stack *before* the fault is injected, so whatever
happens next (a failed step, a stop condition, Ctrl-C, SIGTERM, a cancelled flow) the
faults are undone on the way out. Everything that happens is written to the journal as it
happens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from random import Random
from typing import Any

from rehearsal.envs.base import Environment
from rehearsal.errors import RunCancelled, RunStopped, SteadyStateNotReached
from rehearsal.journal.finding_ids import FindingNumbers
from rehearsal.journal.writer import Journal
from rehearsal.models.durations import format_duration
from rehearsal.models.profile import Profile
from rehearsal.scenarios.alerts import MonitorWatch
from rehearsal.scenarios.clock import run_clock
from rehearsal.scenarios.document import Phase, Scenario, step_key
from rehearsal.scenarios.guard import StopGuard
from rehearsal.scenarios.jobs import JobScheduler
from rehearsal.scenarios.people import Answerer, NobodyAnswers
from rehearsal.scenarios.probes import PROBES, AnyProbe
from rehearsal.scenarios.sampler import ProbeSampler
from rehearsal.scenarios.steps import STEPS, PhaseInfo, StepContext
from rehearsal.scenarios.symptom import SymptomWatch

Wrap = Callable[[str, Callable[[], None]], None]


def call_directly(_name: str, action: Callable[[], None]) -> None:
    action()


@dataclass
class Engine:
    scenario: Scenario
    profile: Profile
    env: Environment
    journal: Journal
    cancelled: threading.Event = field(default_factory=threading.Event)
    wrap: Wrap = call_directly
    probes: dict[str, tuple[AnyProbe, float]] | None = None
    answerer: Answerer = field(default_factory=NobodyAnswers)
    run_dir: Path | None = None
    """Where evidence and alerts.log go; by default the journal's folder (never the
    working directory)."""
    attempt: int = 1
    seed: int = 0
    _faults: int = 0
    _finding_ids: FindingNumbers = field(init=False)
    _symptom: SymptomWatch | None = None
    _guard: StopGuard | None = None
    _phase_name: str | None = None

    def __post_init__(self) -> None:
        self._finding_ids = FindingNumbers(self.attempt)

    @property
    def folder(self) -> Path:
        return self.run_dir or self.journal.path.parent

    def build_probes(self) -> dict[str, tuple[AnyProbe, float]]:
        return {
            spec.name: (PROBES[spec.kind](spec.check, self.env), spec.interval)
            for spec in self.profile.probes
        }

    def run(self) -> None:
        """Run once; a reproduction's session calls this once an attempt."""
        probes = self.probes if self.probes is not None else self.build_probes()
        services = [service.probe for service in self.profile.business.services]
        with (
            ProbeSampler(probes, self.journal) as sampler,
            MonitorWatch(
                self.profile.monitors,
                self.profile.on_call,
                sampler,
                self.journal,
                self.answerer,
                lambda: self._phase_name,
                self.folder,
                self.attempt,
            ) as monitors,
        ):
            self.sampler = sampler
            self._steady_state("before")
            with (
                ExitStack() as faults,
                StopGuard(
                    self.scenario.stop_when, services, sampler, self.journal, self.cancelled
                ) as guard,
                self._scheduled_jobs(),
            ):
                self._guard = guard
                context = StepContext(
                    self.profile,
                    self.env,
                    self.journal,
                    sampler,
                    self.cancelled,
                    faults,
                    self.finding,
                    self._next_fault,
                    self.answerer,
                    self.folder,
                    Random(self.seed),
                    self.seed,
                    acknowledgements=monitors.acknowledgements,
                )
                if self.scenario.symptom is not None:
                    self._symptom = SymptomWatch(self.scenario.symptom, context)
                try:
                    for index, phase in enumerate(self.scenario.phases):
                        self.wrap(
                            f"phase {index + 1}: {phase.name}",
                            partial(self._phase, index, phase, context),
                        )
                except RunCancelled:
                    if guard.reason is None:
                        raise
                    raise RunStopped(guard.reason) from None
            self._steady_state("after")

    def _scheduled_jobs(self) -> AbstractContextManager[object]:
        """Start the run's clock (journaled when the scenario sets it) and the jobs that run
        by themselves on it; entered after the fault stack, so a job still running when the
        phases end finishes before faults are reverted."""
        calendar = self.profile.calendar
        clock = run_clock(self.scenario, calendar.zone if calendar else None, datetime.now(UTC))
        if clock.from_at:
            self.journal.record("run.clock", attempt=self.attempt, **clock.journal_fields())
        if self.scenario.jobs.run != "as_scheduled":
            return nullcontext()
        return JobScheduler(
            self.profile.jobs,
            self.scenario.jobs,
            clock.customer_start,
            self.env,
            self.journal,
            lambda: self._phase_name,
            self.cancelled,
        )

    def _next_fault(self) -> str:
        self._faults += 1
        return f"F{self._faults}" if self.attempt == 1 else f"A{self.attempt}F{self._faults}"

    def _steady_state(self, when: str) -> None:
        mark = self.sampler.mark()
        timeout = self.scenario.steady_state_timeout
        self.journal.record("steady_state.checking", when=when, probes=self.scenario.steady_state)
        failing = [
            name
            for name in self.scenario.steady_state
            if self.sampler.wait_for(name, True, mark, timeout, self.cancelled) is None
        ]
        self._check_cancelled()
        self.journal.record("steady_state.checked", when=when, ok=not failing, failing=failing)
        if failing and when == "after":
            self.finding(
                "high",
                "configuration",
                "The system did not return to its normal state",
                f"After every fault was reverted, {', '.join(failing)} still failed after "
                f"{format_duration(timeout)}.",
                None,
                "Find what kept the service down once the cause was gone.",
                about={"steady state": ",".join(sorted(failing))},
            )
        if failing and when == "before":
            raise SteadyStateNotReached(
                f"before any fault, {', '.join(failing)} did not pass within "
                f"{format_duration(timeout)}; the mirror is not healthy"
            )

    def _phase(self, index: int, phase: Phase, context: StepContext) -> None:
        self._phase_name = phase.name
        self.journal.record(
            "phase.started",
            phase=phase.name,
            index=index,
            operator=phase.operator,
            analyst=phase.analyst,
            attempt=self.attempt,
        )
        with ExitStack() as phase_faults, ExitStack() as phase_stack:
            in_phase = replace(context, phase_faults=phase_faults, phase_stack=phase_stack)
            statuses = []
            for number, step in enumerate(phase.steps):
                info = PhaseInfo(phase.name, phase.operator, phase.analyst, index, number)
                statuses.append(self._step(info, number, step, in_phase))
            self._watch_symptom(phase.name, "end of phase")
        status = "failed" if "failed" in statuses else "passed"
        self.journal.record(
            "phase.finished", phase=phase.name, index=index, status=status, attempt=self.attempt
        )

    def _step(self, phase: PhaseInfo, number: int, step: Any, context: StepContext) -> str:
        self._check_cancelled()
        key = step_key(step)
        assert key is not None
        kind = STEPS[key]
        self.journal.record(
            "step.started",
            phase=phase.name,
            index=number,
            type=key,
            label=kind.label(step),
            actor=phase.operator,
        )
        outcome = kind.run(step, phase, context)
        self.journal.record(
            "step.finished",
            phase=phase.name,
            index=number,
            type=key,
            status=outcome.status,
            detail=outcome.detail,
            budget_s=outcome.budget_s,
        )
        self._watch_symptom(phase.name, kind.label(step))
        if outcome.status == "failed" and self._guard is not None:
            self._guard.step_failed(kind.label(step))
        return outcome.status

    def _watch_symptom(self, phase: str, after: str) -> None:
        if self._symptom is None:
            return
        present, detail = self._symptom.present()
        self.journal.record(
            "symptom.checked",
            phase=phase,
            after=after,
            present=present,
            detail=detail,
            attempt=self.attempt,
        )

    def finding(
        self,
        severity: str,
        category: str,
        title: str,
        detail: str,
        phase: str | None,
        recommendation: str | None = None,
        *,
        source: str = "automatic",
        evidence: list[str] | None = None,
        about: dict[str, str] | None = None,
    ) -> None:
        """Record a finding; ``about`` names what it is about (a runbook step, a probe...),
        from which results key it across runs."""
        self.journal.record(
            "finding",
            id=self._finding_ids.next("R" if source == "automatic" else "A"),
            severity=severity,
            category=category,
            title=title,
            detail=detail,
            phase=phase,
            recommendation=recommendation,
            source=source,
            evidence=evidence or [],
            attempt=self.attempt,
            about=about,
        )

    def _check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise RunCancelled("the run was cancelled")
