"""The Prefect face of a run: the same sequence as the CLI, with each part a task.

Without a configured server Prefect starts a temporary local one, so a CLI run is a flow
run either way and shows up in the UI whenever a server is configured.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from rehearsal.models.loading import load_plan
from rehearsal.models.vocabulary import Category, Severity
from rehearsal.scenarios.people import (
    AnalystFinding,
    Answer,
    Answerer,
    Question,
    TerminalPrompt,
)
from rehearsal.session import RunOptions, RunSession, execute


def _as_task(name: str, action: Callable[[], Any]) -> Any:
    as_task = task(name=name, task_run_name=name, cache_policy=NO_CACHE, persist_result=False)
    return as_task(action)()


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

    def ask(self, question: Question, cancelled: threading.Event) -> Answer | None:
        form = AnswerForm.with_initial_data(
            description=f"**{question.person}** ({question.phase}): {question.instruction}\n\n"
            f"Answer within {question.timeout_s:.0f} s; no answer means not performed.",
        )
        try:
            given = pause_flow_run(
                wait_for_input=form,
                timeout=max(1, int(question.timeout_s)),
                poll_interval=2,
                key=question.id,
            )
        except FlowPauseTimeout:
            _resume_after_timeout()
            return None
        return given.answer()


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


ASKERS: dict[str, Callable[[], Answerer | None]] = {
    "none": lambda: None,
    "terminal": TerminalPrompt,
    "ui": PrefectPause,
}


@flow(
    name="rehearsal-run", flow_run_name="{run_id}", persist_result=False, validate_parameters=False
)
def rehearsal_run(
    scenario: str,
    profile: str | None,
    out_dir: str,
    keep: bool,
    run_id: str,
    seed: int | None = None,
    answers: str | None = None,
    people: str = "none",
    locale: str = "en",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build the mirror, run the scenario, tear down and report."""
    logger = get_run_logger()

    def say(message: str) -> None:
        logger.info(message)
        if progress is not None:
            progress(message)

    answers_path = Path(answers) if answers else None
    plan = load_plan(Path(scenario), Path(profile) if profile else None, answers_path)
    options = RunOptions(Path(out_dir), keep, seed, answers_path, ASKERS[people](), locale)
    session = RunSession(plan, options, say, run_id=run_id)
    results = execute(session, _as_task)
    report = session.run_dir / "report.html"
    create_link_artifact(
        key="findings-report", link=report.as_uri(), link_text=f"Findings report for {run_id}"
    )
    create_markdown_artifact(
        key="findings-summary", markdown=(session.run_dir / "report.md").read_text()
    )
    return {"run_id": results.run_id, "status": results.status, "run_dir": str(session.run_dir)}
