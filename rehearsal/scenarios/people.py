"""People in the loop: questions the run asks an operator or analyst, and their answers.

A manual step or an observation waits for a person. Who answers depends on how the run was
started: an answers file (unattended drills and tests), the terminal (CLI runs), or the
Prefect UI (flow runs paused for input). When nobody can or does answer in time, the step
is recorded as not performed; the time spent waiting is measured either way.
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TextIO

from pydantic import Field

from rehearsal.models.base import Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.models.loading import validate_model
from rehearsal.models.vocabulary import PERSON_SOURCES, AnswerSource, Category, Severity
from rehearsal.models.yamlfile import read_yaml


@dataclass(frozen=True)
class Question:
    id: str
    kind: Literal["manual", "observe", "acknowledge"]
    phase: str
    person: str
    instruction: str
    timeout_s: float
    key: str | None = None
    """Unique within the run where ``id`` may repeat (a monitor that fires twice)."""


class AnalystFinding(Strict):
    severity: Severity = "medium"
    category: Category = "procedure"
    title: Text = Field(max_length=300)
    detail: Text = ""
    recommendation: Text | None = None


class Answer(Strict):
    """What a person says back; also the form shown in the Prefect UI."""

    outcome: Literal["done", "failed", "not done"] = "done"
    notes: Text = ""
    finding: AnalystFinding | None = None
    after: Duration = Field(default=0.0, description="answers file only: reply this late")


@dataclass(frozen=True)
class Reply:
    """An answer and who gave it, so a scripted answer is never reported as a person's."""

    answer: Answer
    source: AnswerSource


class Answerer(Protocol):
    def ask(self, question: Question, cancelled: threading.Event) -> Reply | None:
        """The answer, or None when there is none within the question's timeout."""
        ...


class NobodyAnswers:
    """Unattended and no answers given: every question goes unanswered at once."""

    def ask(self, question: Question, cancelled: threading.Event) -> Reply | None:
        return None


@dataclass
class AnswersFile:
    """Scripted answers standing in for people: each is recorded as the answers file's."""

    answers: dict[str, Answer]

    def ask(self, question: Question, cancelled: threading.Event) -> Reply | None:
        answer = self.answers.get(question.id)
        if answer is None:
            return None
        if answer.after > question.timeout_s:
            cancelled.wait(question.timeout_s)
            return None
        cancelled.wait(answer.after)
        return Reply(answer, "answers file")


class AnswersDocument(Strict):
    scenario: str | None = Field(
        default=None,
        description="the scenario these answers are for, relative to this file: "
        "`rehearsal validate` checks every key against the questions it asks",
    )
    answers: dict[str, Answer] = Field(description="question id → answer")


class TerminalPrompt:
    """Asks on the terminal; Enter or 'd' means done, 'f' failed, 'n' not done."""

    def __init__(self, stream_in: TextIO = sys.stdin) -> None:
        self.stream_in = stream_in
        self._pending = ""

    def ask(self, question: Question, cancelled: threading.Event) -> Reply | None:
        print(f"\n[{question.phase}] {question.person}: {question.instruction}", flush=True)
        print(
            f"  answer within {question.timeout_s:.0f} s: [d]one / [f]ailed / [n]ot done, "
            "then a note",
            flush=True,
        )
        outcome_line = self._line(question.timeout_s, cancelled)
        if outcome_line is None:
            return None
        outcome = {"f": "failed", "n": "not done"}.get(outcome_line.strip()[:1].lower(), "done")
        notes = self._line(60.0, cancelled) or ""
        return Reply(Answer(outcome=outcome, notes=notes.strip()), "console")

    def _line(self, timeout_s: float, cancelled: threading.Event) -> str | None:
        """One typed line; reads the descriptor itself, since a buffered ``readline`` could
        swallow the next line where ``select`` no longer sees it."""
        deadline = time.monotonic() + timeout_s
        while "\n" not in self._pending:
            if time.monotonic() >= deadline or cancelled.is_set():
                return None
            ready, _, _ = select.select([self.stream_in], [], [], 0.5)
            if ready:
                chunk = os.read(self.stream_in.fileno(), 4096)
                if not chunk:
                    return None
                self._pending += chunk.decode(errors="replace")
        line, self._pending = self._pending.split("\n", 1)
        return line


@dataclass
class FirstThatAnswers:
    """Ask each in turn: an answers file first, then a person."""

    answerers: list[Answerer]

    def ask(self, question: Question, cancelled: threading.Event) -> Reply | None:
        for answerer in self.answerers:
            reply = answerer.ask(question, cancelled)
            if reply is not None:
                return reply
        return None


def answered(question: Question, reply: Reply, waited_s: float) -> dict[str, object]:
    """The fields of a ``question.answered`` event, the same wherever the answer came from;
    ``person`` is whom it was asked of, ``source`` who really gave it."""
    return {
        "id": question.id,
        "phase": question.phase,
        "person": question.person,
        "outcome": reply.answer.outcome,
        "notes": reply.answer.notes,
        "source": reply.source,
        "waited_s": waited_s,
    }


def given_by(question: Question, reply: Reply) -> str:
    """Who gave the answer, as a step's detail names them: the person, or what stood in."""
    if reply.source in PERSON_SOURCES:
        return question.person
    return f"the {reply.source} for {question.person}"


def load_answers(path: Path) -> AnswersFile:
    document = validate_model(AnswersDocument, read_yaml(path))
    return AnswersFile(dict(document.answers))
