"""Runs a scenario against a built environment: steady state, phases, steps, revert.

Every fault's revert goes on an exit stack *before* the fault is injected, so whatever
happens next (a failed step, Ctrl-C, SIGTERM, a cancelled flow) the faults are undone on
the way out. Everything that happens is written to the journal as it happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial

from rehearsal.envs.base import Environment
from rehearsal.errors import RunCancelled, SteadyStateNotReached
from rehearsal.journal import Journal
from rehearsal.models.durations import format_duration
from rehearsal.models.profile import Profile, RunbookStep
from rehearsal.models.scenario import FaultStep, Phase, RunbookRef, Scenario, Step, WaitStep
from rehearsal.scenarios.faults import FAULTS, Fault
from rehearsal.scenarios.probes import PROBES, Probe
from rehearsal.scenarios.sampler import ProbeSampler


@dataclass
class StepOutcome:
    status: str
    detail: str
    budget_s: float | None = None


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
    probes: dict[str, tuple[Probe, float]] | None = None
    _findings: int = 0
    _faults: int = 0

    def build_probes(self) -> dict[str, tuple[Probe, float]]:
        return {
            spec.name: (PROBES[spec.kind](spec.check, self.env), spec.interval)
            for spec in self.profile.probes
        }

    def run(self) -> None:
        probes = self.probes if self.probes is not None else self.build_probes()
        with ProbeSampler(probes, self.journal) as sampler:
            self.sampler = sampler
            self._steady_state("before")
            with ExitStack() as faults:
                for index, phase in enumerate(self.scenario.phases):
                    self.wrap(
                        f"phase {index + 1}: {phase.name}",
                        partial(self._phase, index, phase, faults),
                    )
            self._steady_state("after")

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
                f"After every fault was reverted, {', '.join(failing)} still failed "
                f"after {format_duration(timeout)}.",
                phase=None,
                recommendation="Find what kept the service down once the cause was gone.",
            )
        if failing and when == "before":
            raise SteadyStateNotReached(
                f"before any fault, {', '.join(failing)} did not pass within "
                f"{format_duration(timeout)}; the mirror is not healthy"
            )

    def _phase(self, index: int, phase: Phase, faults: ExitStack) -> None:
        self.journal.record(
            "phase.started",
            phase=phase.name,
            index=index,
            operator=phase.operator,
            analyst=phase.analyst,
        )
        statuses = []
        for number, step in enumerate(phase.steps):
            self._check_cancelled()
            statuses.append(self._step(phase, number, step, faults))
        status = "failed" if "failed" in statuses else "passed"
        self.journal.record("phase.finished", phase=phase.name, index=index, status=status)

    def _step(self, phase: Phase, number: int, step: Step, faults: ExitStack) -> str:
        label, kind = describe(step)
        self.journal.record(
            "step.started",
            phase=phase.name,
            index=number,
            type=kind,
            label=label,
            actor=phase.operator,
        )
        if isinstance(step, FaultStep):
            outcome = self._fault(phase, step, faults)
        elif isinstance(step, WaitStep):
            outcome = self._wait(phase, step)
        else:
            outcome = self._runbook(phase, step)
        self.journal.record(
            "step.finished",
            phase=phase.name,
            index=number,
            type=kind,
            status=outcome.status,
            detail=outcome.detail,
            budget_s=outcome.budget_s,
        )
        return outcome.status

    def _fault(self, phase: Phase, step: FaultStep, faults: ExitStack) -> StepOutcome:
        self._faults += 1
        fault_id = f"F{self._faults}"
        spec = step.fault
        fault = FAULTS[spec.type](spec, self.env)
        faults.callback(self._revert, fault_id, fault)
        self.journal.record(
            "fault.injecting",
            fault=fault_id,
            type=spec.type,
            targets=spec.targets,
            phase=phase.name,
        )
        fault.inject()
        injected = fault.is_injected()
        self.journal.record(
            "fault.injected",
            fault=fault_id,
            type=spec.type,
            targets=spec.targets,
            phase=phase.name,
            verified=injected,
        )
        if not injected:
            return StepOutcome("failed", f"{spec.type} on {', '.join(spec.targets)} did not take")
        return StepOutcome("passed", f"{spec.type} on {', '.join(spec.targets)}")

    def _revert(self, fault_id: str, fault: Fault) -> None:
        self.journal.record("fault.reverting", fault=fault_id)
        try:
            fault.revert()
            ok = fault.is_reverted()
        except Exception as error:
            self.journal.record(
                "fault.reverted",
                fault=fault_id,
                status="failed",
                detail=f"{type(error).__name__}: {error}",
            )
            raise
        self.journal.record("fault.reverted", fault=fault_id, status="reverted" if ok else "failed")

    def _wait(self, phase: Phase, step: WaitStep) -> StepOutcome:
        wait = step.wait
        if wait.until is None:
            assert wait.for_ is not None
            self.cancelled.wait(wait.for_)
            self._check_cancelled()
            return StepOutcome("passed", f"waited {format_duration(wait.for_)}")
        until = wait.until
        started = time.monotonic()
        seen = self.sampler.wait_for(
            until.probe,
            until.status == "passing",
            self.sampler.mark(),
            wait.timeout,
            self.cancelled,
        )
        self._check_cancelled()
        took = time.monotonic() - started
        if seen is not None:
            return StepOutcome(
                "passed",
                f"{until.probe} was {until.status} after {format_duration(took)} ({seen.detail})",
                wait.timeout,
            )
        if until.status == "failing":
            self.finding(
                "high",
                "monitoring",
                f"The outage was not detected by {until.probe}",
                f"{until.probe} kept passing for {format_duration(wait.timeout)} after "
                "the fault, so the monitor would not have raised an alarm.",
                phase.name,
                "Check what the monitor measures and how often.",
            )
        else:
            self.finding(
                "high",
                "procedure",
                f"{until.probe} did not recover in time",
                f"{until.probe} was still failing {format_duration(wait.timeout)} "
                "after the operator's last action.",
                phase.name,
                "Review the runbook: a step is missing or does not work.",
            )
        return StepOutcome(
            "failed",
            f"{until.probe} not {until.status} within {format_duration(wait.timeout)}",
            wait.timeout,
        )

    def _runbook(self, phase: Phase, step: RunbookRef) -> StepOutcome:
        steps = self.profile.runbooks[step.runbook]
        self.journal.record(
            "runbook.started",
            phase=phase.name,
            runbook=step.runbook,
            operator=phase.operator,
            steps=len(steps),
        )
        failed_at: int | None = None
        for index, runbook_step in enumerate(steps):
            self._check_cancelled()
            if failed_at is not None:
                self.journal.record(
                    "runbook.step.skipped",
                    phase=phase.name,
                    runbook=step.runbook,
                    index=index,
                    say=runbook_step.say,
                )
                continue
            if not self._runbook_step(phase, step.runbook, index, runbook_step):
                failed_at = index
        self.journal.record(
            "runbook.finished",
            phase=phase.name,
            runbook=step.runbook,
            status="failed" if failed_at is not None else "passed",
        )
        if failed_at is not None:
            return StepOutcome("failed", f"stopped at step {failed_at + 1} of {len(steps)}")
        return StepOutcome("passed", f"{len(steps)} steps done")

    def _runbook_step(self, phase: Phase, runbook: str, index: int, step: RunbookStep) -> bool:
        self.journal.record(
            "runbook.step.started",
            phase=phase.name,
            runbook=runbook,
            index=index,
            say=step.say,
            node=step.on,
            command=step.run,
            budget_s=step.timeout,
            operator=phase.operator,
        )
        if step.run is None or step.on is None:
            self.journal.record(
                "runbook.step.finished",
                phase=phase.name,
                runbook=runbook,
                index=index,
                status="skipped",
                exit_code=None,
                output="manual step: not automated in this run",
                duration_s=0.0,
                budget_s=step.timeout,
            )
            return True
        limit = max(step.timeout or 300.0, 1.0) * 2
        try:
            result = self.env.run_command(step.on, step.run, timeout_s=limit)
            code, output, took = result.exit_code, result.output, result.duration_s
        except Exception as error:
            code, output, took = 255, f"could not reach {step.on}: {error}", 0.0
        ok = code == step.expect_exit
        self.journal.record(
            "runbook.step.finished",
            phase=phase.name,
            runbook=runbook,
            index=index,
            status="passed" if ok else "failed",
            exit_code=code,
            output=output[-4000:],
            duration_s=round(took, 3),
            budget_s=step.timeout,
        )
        where = f"Step {index + 1} of runbook {runbook} ({step.say!r})"
        if not ok:
            self.finding(
                "high",
                "procedure",
                f"Runbook step {index + 1} failed: {step.say}",
                f"{where} exited {code} on {step.on}; expected {step.expect_exit}. "
                f"Output: {output.strip()[-500:]}",
                phase.name,
                "Correct the command or the step order in the runbook.",
            )
        elif step.timeout is not None and took > step.timeout:
            self.finding(
                "medium",
                "procedure",
                f"Runbook step {index + 1} took too long",
                f"{where} took {format_duration(took)}; its budget is "
                f"{format_duration(step.timeout)}.",
                phase.name,
                "Speed the step up or give it a realistic budget.",
            )
        return ok

    def finding(
        self,
        severity: str,
        category: str,
        title: str,
        detail: str,
        phase: str | None,
        recommendation: str | None = None,
    ) -> None:
        self._findings += 1
        self.journal.record(
            "finding",
            id=f"R{self._findings}",
            severity=severity,
            category=category,
            title=title,
            detail=detail,
            phase=phase,
            recommendation=recommendation,
            source="automatic",
        )

    def _check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise RunCancelled("the run was cancelled")


def describe(step: Step) -> tuple[str, str]:
    """A readable label and the step's type, for journals, logs and reports."""
    if isinstance(step, FaultStep):
        return f"{step.fault.type} on {', '.join(step.fault.targets)}", "fault"
    if isinstance(step, WaitStep):
        wait = step.wait
        if wait.until is not None:
            return (
                f"wait until {wait.until.probe} is {wait.until.status} "
                f"(up to {format_duration(wait.timeout)})",
                "wait",
            )
        return f"wait {format_duration(wait.for_ or 0)}", "wait"
    assert isinstance(step, RunbookRef)
    return f"runbook {step.runbook}", "runbook"
