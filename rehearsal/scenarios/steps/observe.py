"""``observe:`` — the analyst records what they saw, and may raise a finding of their own."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.scenarios.people import Question
from rehearsal.scenarios.steps.action import ask
from rehearsal.scenarios.steps.base import PhaseInfo, StepContext, StepKind, StepOutcome


class ObserveSpec(Strict):
    say: Text = Field(description="what the analyst is asked to look at and record")
    timeout: Duration = 600.0
    id: Name | None = None


class ObserveStep(Strict):
    observe: ObserveSpec


class ObserveKind(StepKind):
    key: ClassVar[str] = "observe"
    Model: ClassVar[type[Strict]] = ObserveStep

    def label(self, step: ObserveStep) -> str:
        return f"observe: {step.observe.say}"

    def question_id(self, step: ObserveStep, default: str) -> str | None:
        return step.observe.id or default

    def run(self, step: ObserveStep, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        spec = step.observe
        question = Question(
            spec.id or phase.default_id,
            "observe",
            phase.name,
            phase.analyst,
            spec.say,
            spec.timeout,
        )
        return ask(question, context, "The analyst recorded no observation")
