"""`rehearsal resume`: answer a paused run without opening the UI."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from rehearsal.errors import RunRefused


def resume_run(run_id: str, outcome: str, notes: str, finding: str, severity: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.flow_runs import resume_flow_run

    from rehearsal.flows.ui_answers import AnswerForm

    try:
        form = AnswerForm(
            outcome=outcome,
            notes=notes,
            finding_title=finding,
            finding_severity=severity,
        )
    except ValidationError as error:
        raise RunRefused(f"bad answer: {error.errors()[0]['msg']}") from None
    with get_client(sync_client=True) as client:
        runs: list[Any] = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[run_id]))
        )
    if not runs:
        raise RunRefused(f"no flow run named {run_id!r} on this Prefect server; see the UI")
    run = runs[0]
    if run.state is None or not run.state.is_paused():
        state = run.state.name if run.state else "unknown"
        raise RunRefused(f"{run_id} is not waiting for anyone (its state is {state})")
    resume_flow_run(run.id, run_input=form.model_dump())
