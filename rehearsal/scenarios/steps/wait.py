"""``wait:`` — for a duration, or until a probe is passing or failing (with a timeout)."""

from __future__ import annotations

import time
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from rehearsal.errors import RunCancelled
from rehearsal.models.base import Name, Strict
from rehearsal.models.durations import Duration, format_duration
from rehearsal.models.suggest import did_you_mean
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome


class ProbeState(Strict):
    probe: Name
    status: Literal["passing", "failing"]


class AlertState(Strict):
    alert: Name = Field(description="a monitor of the profile")
    status: Literal["acknowledged"]


class WaitSpec(Strict):
    until: ProbeState | AlertState | None = None
    for_: Duration | None = Field(default=None, alias="for")
    timeout: Duration | None = Field(default=None, description="required with 'until:'")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.until is None) == (self.for_ is None):
            raise ValueError(
                "a wait has either 'until:' (a probe state or an acknowledged alert) or 'for:' "
                "(a duration)"
            )
        if self.until is not None and self.timeout is None:
            raise ValueError("a wait 'until:' needs 'timeout:' (how long before the step fails)")
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
        if isinstance(wait.until, AlertState):
            return (
                f"wait until the {wait.until.alert} alert is acknowledged "
                f"(up to {format_duration(wait.limit)})"
            )
        if wait.until is not None:
            return (
                f"wait until {wait.until.probe} is {wait.until.status} "
                f"(up to {format_duration(wait.limit)})"
            )
        return f"wait {format_duration(wait.for_ or 0)}"

    def check(self, step: WaitStep, names: Names) -> list[tuple[Loc, str]]:
        until = step.wait.until
        if isinstance(until, AlertState):
            return _check_alert(until, names)
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
        if isinstance(until, AlertState):
            return _wait_for_acknowledgement(until, wait.limit, context)
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
                about={"probe": until.probe, "until": "failing"},
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
                about={"probe": until.probe, "until": "passing"},
            )
        return StepOutcome(
            "failed",
            f"{until.probe} not {until.status} within {format_duration(wait.limit)}",
            wait.limit,
        )


def _check_alert(until: AlertState, names: Names) -> list[tuple[Loc, str]]:
    profile = names.profile
    monitors = [m.name for m in profile.monitors] if profile else []
    if until.alert not in monitors:
        return [
            (
                ("wait", "until", "alert"),
                f"unknown monitor {until.alert!r}{did_you_mean(until.alert, monitors)} "
                "(monitors are declared in the profile's 'monitors:')",
            )
        ]
    if profile is not None and (profile.on_call is None or not profile.on_call.escalation):
        return [
            (
                ("wait", "until", "alert"),
                "nobody is asked to acknowledge an alert: add 'on_call:' with an 'escalation:' "
                "to the profile",
            )
        ]
    return []


def _wait_for_acknowledgement(until: AlertState, limit: float, context: StepContext) -> StepOutcome:
    """The operator takes the alert on before the procedure starts; nobody doing so is the
    escalation's finding (from the journal), so here the step only fails."""
    started = time.monotonic()
    taken = context.acknowledgements.wait(until.alert, limit, context.cancelled)
    context.check_cancelled()
    took = format_duration(time.monotonic() - started)
    if taken:
        return StepOutcome("passed", f"{until.alert} acknowledged after {took}", limit)
    return StepOutcome(
        "failed", f"nobody acknowledged the {until.alert} alert within {took}", limit
    )
