"""People answering in the Prefect UI: the flow run pauses with a form for the instruction.

Resuming the paused run (from the UI, or ``rehearsal resume RUN_ID``) hands the form's
values back to the waiting step; a pause nobody resumes in time counts as no answer and
the run goes on.
"""

from __future__ import annotations

import threading
from typing import Literal

from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from rehearsal.models.vocabulary import Category, Severity
from rehearsal.scenarios.people import AnalystFinding, Answer, Question, Reply

POLL_S = 2


class AnswerForm(RunInput):
    """The form a paused run shows in the Prefect UI for a manual step or an observation."""

    outcome: Literal["done", "failed", "not done"] = "done"
    notes: str = ""
    finding_title: str = Field(default="", description="analysts: a finding to record")
    finding_severity: Severity = "medium"
    finding_category: Category = "procedure"

    def answer(self) -> Answer:
        finding = None
        if self.finding_title:
            finding = AnalystFinding(
                severity=self.finding_severity,
                category=self.finding_category,
                title=self.finding_title,
                detail=self.notes,
            )
        return Answer(outcome=self.outcome, notes=self.notes, finding=finding)


class PrefectPause:
    """Pauses the flow run; the person answers in the Prefect UI (or `prefect` API)."""

    def ask(self, question: Question, cancelled: threading.Event) -> Reply | None:
        form = AnswerForm.with_initial_data(
            description=f"**{question.person}** ({question.phase}): {question.instruction}\n\n"
            f"Answer within {question.timeout_s:.0f} s; no answer means not performed.",
        )
        try:
            given = pause_flow_run(
                wait_for_input=form,
                timeout=max(1, int(question.timeout_s)),
                poll_interval=POLL_S,
                key=question.key or question.id,
            )
        except FlowPauseTimeout:
            _resume_after_timeout()
            return None
        return Reply(given.answer(), "prefect ui")


def _resume_after_timeout() -> None:
    """A pause that timed out leaves the run Paused; the run goes on, so say it runs."""
    from prefect.client.orchestration import get_client
    from prefect.context import FlowRunContext
    from prefect.states import Running

    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(context.flow_run.id, Running(), force=True)
