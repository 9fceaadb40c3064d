"""``action:`` — one operator action: a command on a node, or a manual instruction.

A command runs over SSH, as the operator would type it (as ``user`` when given). A manual
instruction waits for the operator to confirm it (answers file, terminal or Prefect UI);
no answer in time means the action was not performed, which is a finding.
"""

from __future__ import annotations

import shlex
import time
from typing import ClassVar, Self

from pydantic import Field, model_validator

from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.durations import Duration, format_duration
from rehearsal.models.suggest import did_you_mean
from rehearsal.scenarios.people import Question, answered, given_by
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome


class ActionSpec(Strict):
    say: Text = Field(description="the instruction, in the operator's words")
    run: Text | None = Field(default=None, description="a command; without it, a manual step")
    on: Name | None = Field(default=None, description="the node the command runs on")
    user: Name | None = Field(default=None, description="run the command as this user")
    expect_exit: int = 0
    timeout: Duration = Field(default=300.0, description="time budget; manual steps wait so long")
    id: Name | None = Field(default=None, description="answers files name the step by this")

    @model_validator(mode="after")
    def _command_needs_node(self) -> Self:
        if (self.run is None) != (self.on is None):
            raise ValueError("a command action has both 'run:' and 'on:'; a manual one neither")
        return self


class ActionStep(Strict):
    action: ActionSpec


class ActionKind(StepKind):
    key: ClassVar[str] = "action"
    Model: ClassVar[type[Strict]] = ActionStep

    def label(self, step: ActionStep) -> str:
        return (
            step.action.say
            if step.action.run is None
            else f"{step.action.say} (on {step.action.on})"
        )

    def check(self, step: ActionStep, names: Names) -> list[tuple[Loc, str]]:
        on = step.action.on
        if on is None or on in names.nodes:
            return []
        return [(("action", "on"), f"unknown node {on!r}{did_you_mean(on, names.nodes)}")]

    def question_id(self, step: ActionStep, default: str) -> str | None:
        return (step.action.id or default) if step.action.run is None else None

    def run(self, step: ActionStep, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        spec = step.action
        if spec.run is None or spec.on is None:
            return _manual(spec, phase, context)
        command = spec.run
        if spec.user is not None:
            command = shlex.join(["runuser", "-u", spec.user, "--", "sh", "-c", spec.run])
        result = context.env.run_command(spec.on, command, timeout_s=spec.timeout)
        context.journal.record(
            "action.command",
            phase=phase.name,
            node=spec.on,
            user=spec.user,
            command=spec.run,
            exit_code=result.exit_code,
            output=result.output[-4000:],
            duration_s=round(result.duration_s, 3),
            operator=phase.operator,
        )
        if result.exit_code != spec.expect_exit:
            context.finding(
                "high",
                "procedure",
                f"Operator action failed: {spec.say}",
                f"'{spec.run}' on {spec.on} exited {result.exit_code}; expected "
                f"{spec.expect_exit}. Output: {result.output.strip()[-500:]}",
                phase.name,
                "Correct the command in the procedure.",
                about={"node": str(spec.on), "command": str(spec.run)},
            )
            return StepOutcome("failed", f"exit {result.exit_code}", spec.timeout)
        return StepOutcome(
            "passed",
            f"exit {result.exit_code} after {format_duration(result.duration_s)}",
            spec.timeout,
        )


def _manual(spec: ActionSpec, phase: PhaseInfo, context: StepContext) -> StepOutcome:
    question = Question(
        spec.id or phase.default_id, "manual", phase.name, phase.operator, spec.say, spec.timeout
    )
    return ask(question, context, "The operator did not perform a manual step")


def ask(question: Question, context: StepContext, missed_title: str) -> StepOutcome:
    """Ask a person, record the wait and the answer; no answer is a finding."""
    context.journal.record(
        "question.asked",
        id=question.id,
        kind=question.kind,
        phase=question.phase,
        person=question.person,
        instruction=question.instruction,
        timeout_s=question.timeout_s,
    )
    started = time.monotonic()
    reply = context.answerer.ask(question, context.cancelled)
    context.check_cancelled()
    waited = round(time.monotonic() - started, 3)
    if reply is None:
        context.journal.record(
            "question.unanswered",
            id=question.id,
            phase=question.phase,
            person=question.person,
            waited_s=waited,
        )
        context.finding(
            "medium",
            "procedure",
            f"{missed_title}: {question.instruction}",
            f"{question.person} gave no answer within "
            f"{format_duration(question.timeout_s)}; recorded as not performed.",
            question.phase,
            "Check that the person on duty is reachable and that "
            "the step is clear enough to act on.",
            about={"question": question.id},
        )
        return StepOutcome("skipped", "not performed (no answer)", question.timeout_s)
    context.journal.record("question.answered", **answered(question, reply, waited))
    answer, who = reply.answer, given_by(question, reply)
    if answer.finding is not None:
        found = answer.finding
        context.finding(
            found.severity,
            found.category,
            found.title,
            found.detail or answer.notes,
            question.phase,
            found.recommendation,
            source=who,
            about={"question": question.id, "by": "analyst"},
        )
    if answer.outcome == "failed":
        context.finding(
            "high",
            "procedure",
            f"Step could not be done: {question.instruction}",
            answer.notes or f"{who} reported it failed.",
            question.phase,
            "Find out why the step could not be done and correct the procedure.",
            about={"question": question.id, "outcome": "failed"},
        )
        return StepOutcome("failed", f"{who}: failed. {answer.notes}".strip(), question.timeout_s)
    if answer.outcome == "not done":
        return StepOutcome(
            "skipped", f"{who}: not done. {answer.notes}".strip(), question.timeout_s
        )
    return StepOutcome(
        "passed",
        f"{who}: done after {format_duration(waited)}. {answer.notes}".strip(),
        question.timeout_s,
    )
