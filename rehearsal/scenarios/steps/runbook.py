"""``runbook:`` — the operator runs a profile runbook, step by step, each one measured.

A failing step stops the runbook, as it would stop an operator; the steps after it are
recorded as skipped. A failed or slow step is a finding about the procedure.
"""

from __future__ import annotations

import re
import time
from typing import ClassVar

from rehearsal.errors import RunCancelled
from rehearsal.models.base import Name, Strict
from rehearsal.models.durations import format_duration
from rehearsal.models.profile import RunbookStep
from rehearsal.models.suggest import did_you_mean
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome

COMMAND_LIMIT_S = 300.0


class RunbookRef(Strict):
    runbook: Name


class RunbookKind(StepKind):
    key: ClassVar[str] = "runbook"
    Model: ClassVar[type[Strict]] = RunbookRef

    def label(self, step: RunbookRef) -> str:
        return f"runbook {step.runbook}"

    def check(self, step: RunbookRef, names: Names) -> list[tuple[Loc, str]]:
        if step.runbook in names.runbooks:
            return []
        return [
            (
                ("runbook",),
                f"unknown runbook {step.runbook!r}"
                f"{did_you_mean(step.runbook, names.runbooks)} (runbooks are declared in the "
                "profile)",
            )
        ]

    def run(self, step: RunbookRef, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        steps = context.profile.runbooks[step.runbook]
        context.journal.record(
            "runbook.started",
            phase=phase.name,
            runbook=step.runbook,
            operator=phase.operator,
            steps=len(steps),
        )
        failed_at: int | None = None
        started = time.monotonic()
        for index, runbook_step in enumerate(steps):
            if context.cancelled.is_set():
                raise RunCancelled("the run was cancelled")
            if failed_at is not None:
                context.journal.record(
                    "runbook.step.skipped",
                    phase=phase.name,
                    runbook=step.runbook,
                    index=index,
                    say=runbook_step.say,
                )
                continue
            if not _run_step(context, phase, step.runbook, index, runbook_step):
                failed_at = index
        took = time.monotonic() - started
        context.journal.record(
            "runbook.finished",
            phase=phase.name,
            runbook=step.runbook,
            status="failed" if failed_at is not None else "passed",
            duration_s=round(took, 3),
        )
        rto = context.profile.business.targets.rto
        if took > rto:
            context.finding(
                "high",
                "procedure",
                f"Runbook {step.runbook} alone takes longer than the RTO",
                f"Running its steps took {format_duration(took)}; the RTO is "
                f"{format_duration(rto)}, before any time to detect or decide.",
                phase.name,
                "Shorten the procedure, run steps in parallel, or automate the slow ones.",
                about={"runbook": step.runbook, "took": "longer than the rto"},
            )
        if failed_at is not None:
            return StepOutcome("failed", f"stopped at step {failed_at + 1} of {len(steps)}")
        return StepOutcome("passed", f"{len(steps)} steps done")


def _run_step(
    context: StepContext, phase: PhaseInfo, runbook: str, index: int, step: RunbookStep
) -> bool:
    journal = context.journal
    journal.record(
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
        journal.record(
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
    limit = max(step.timeout or COMMAND_LIMIT_S, 1.0) * 2
    try:
        result = context.env.run_command(step.on, step.run, timeout_s=limit)
        code, output, took = result.exit_code, result.output, result.duration_s
    except Exception as error:
        code, output, took = 255, f"could not reach {step.on}: {error}", 0.0
    ok = code == step.expect_exit
    unexpected = (
        ok
        and step.expect_output is not None
        and not re.search(step.expect_output, output, re.MULTILINE)
    )
    ok = ok and not unexpected
    journal.record(
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
    about = {"runbook": runbook, "step": str(index + 1)}
    if unexpected:
        context.finding(
            "high",
            "procedure",
            f"Runbook step {index + 1} did not give the expected result: {step.say}",
            f"{where} on {step.on}: the output does not match /{step.expect_output}/. "
            f"Output: {output.strip()[-500:]}",
            phase.name,
            "Check the step's command and what the runbook says it should show.",
            about=about,
        )
    elif not ok:
        context.finding(
            "high",
            "procedure",
            f"Runbook step {index + 1} failed: {step.say}",
            f"{where} exited {code} on {step.on}; expected {step.expect_exit}. "
            f"Output: {output.strip()[-500:]}",
            phase.name,
            "Correct the command or the step order in the runbook.",
            about=about,
        )
    elif step.timeout is not None and took > step.timeout:
        context.finding(
            "medium",
            "procedure",
            f"Runbook step {index + 1} took too long",
            f"{where} took {format_duration(took)}; its budget is {format_duration(step.timeout)}.",
            phase.name,
            "Speed the step up or give it a realistic budget.",
            about=about,
        )
    return ok
