"""``wait:`` — for a duration, or until a probe is passing or failing (with a timeout)."""

from __future__ import annotations

import time
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from rehearsal.errors import RunCancelled
from rehearsal.models.base import Name, Strict
from rehearsal.models.durations import Duration, format_duration
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome
from rehearsal.suggest import did_you_mean


class ProbeState(Strict):
    probe: Name
    status: Literal["passing", "failing"]


class WaitSpec(Strict):
    until: ProbeState | None = None
    for_: Duration | None = Field(default=None, alias="for")
    timeout: Duration | None = Field(default=None, description="required with 'until:'")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.until is None) == (self.for_ is None):
            raise ValueError("a wait has either 'until:' (a probe state) or 'for:' (a duration)")
        if self.until is not None and self.timeout is None:
            raise ValueError(
                "a wait 'until:' needs 'timeout:' (how long before it counts as a finding)"
            )
        return self

    @property
    def limit(self) -> float:
        return self.timeout if self.timeout is not None else 0.0


class WaitStep(Strict):
    wait: WaitSpec


class WaitKind(StepKind):
    key: ClassVar[str] = "wait"
    Model: ClassVar[type[Strict]] = WaitStep

    def label(self, step: WaitStep) -> str:
        wait = step.wait
        if wait.until is not None:
            return (
                f"wait until {wait.until.probe} is {wait.until.status} "
                f"(up to {format_duration(wait.limit)})"
            )
        return f"wait {format_duration(wait.for_ or 0)}"

    def check(self, step: WaitStep, names: Names) -> list[tuple[Loc, str]]:
        until = step.wait.until
        if until is None or until.probe in names.probes:
            return []
        return [
            (
                ("wait", "until", "probe"),
                f"unknown probe {until.probe!r}"
                f"{did_you_mean(until.probe, names.probes)} (probes are declared in the profile)",
            )
        ]

    def run(self, step: WaitStep, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        wait = step.wait
        if wait.until is None:
            assert wait.for_ is not None
            if context.cancelled.wait(wait.for_):
                raise RunCancelled("the run was cancelled")
            return StepOutcome("passed", f"waited {format_duration(wait.for_)}")
        until = wait.until
        started = time.monotonic()
        seen = context.sampler.wait_for(
            until.probe,
            until.status == "passing",
            context.sampler.mark(),
            wait.limit,
            context.cancelled,
        )
        if context.cancelled.is_set():
            raise RunCancelled("the run was cancelled")
        took = time.monotonic() - started
        if seen is not None:
            return StepOutcome(
                "passed",
                f"{until.probe} was {until.status} after {format_duration(took)} ({seen.detail})",
                wait.limit,
            )
        if until.status == "failing":
            context.finding(
                "high",
                "monitoring",
                f"The outage was not detected by {until.probe}",
                f"{until.probe} kept passing for {format_duration(wait.limit)} "
                "after the fault, so the monitor would not have raised an alarm.",
                phase.name,
                "Check what the monitor measures and how often.",
            )
        else:
            context.finding(
                "high",
                "procedure",
                f"{until.probe} did not recover in time",
                f"{until.probe} was still failing {format_duration(wait.limit)} "
                "after the operator's last action.",
                phase.name,
                "Review the runbook: a step is missing or does not work.",
            )
        return StepOutcome(
            "failed",
            f"{until.probe} not {until.status} within {format_duration(wait.limit)}",
            wait.limit,
        )
