"""Words findings and steps are classified with, shared by scenarios, answers, the journal
and results."""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
Category = Literal[
    "procedure",
    "monitoring",
    "configuration",
    "product defect",
    "capacity",
    "documentation",
    "environment",
]

# Where a finding stands after the run: the team's decision, recorded in the journal.
FindingStatus = Literal["open", "accepted", "fixed", "wont-fix"]


StepStatus = Literal["passed", "failed", "error", "skipped", "running"]

# Who gave an answer: a person in the Prefect UI or at the console, a script standing in for
# one (an answers file), or the tool itself. Only the first two are a person's response.
AnswerSource = Literal["prefect ui", "console", "answers file", "tool"]
PERSON_SOURCES: tuple[AnswerSource, ...] = ("prefect ui", "console")
