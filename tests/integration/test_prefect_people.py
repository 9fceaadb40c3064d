"""A manual step answered in the Prefect UI: the flow run pauses with a form, resuming it
with input continues the run; a question nobody answers times out and the run goes on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rehearsal.journal.writer import Journal, read_journal
from rehearsal.results.derive import derive_results
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.planning import load_plan
from tests.fakes import FakeShop, ShopProbe, start_run
from tests.scaffolds import webshop_scenario

pytestmark = pytest.mark.prefect

PHASES = """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - action: {say: Call the DBA on duty, id: call-dba, timeout: 2m}
      - observe: {say: Did the dashboard alert?, id: dashboard, timeout: 3s}
"""


def test_manual_step_is_answered_through_a_paused_flow_run(tmp_path: Path) -> None:
    from prefect import flow

    from rehearsal.flows.ui_answers import PrefectPause

    plan = load_plan(webshop_scenario(tmp_path, PHASES))
    shop = FakeShop()

    @flow(name="people-in-the-loop")
    def drill() -> None:
        with Journal(tmp_path / "run") as journal:
            start_run(journal, plan.scenario, run_id="r")
            Engine(
                plan.scenario,
                plan.profile,
                shop,
                journal,
                probes={"shop-http": (ShopProbe(shop), 0.05)},
                answerer=PrefectPause(),
                run_dir=tmp_path / "run",
            ).run()
            journal.record("run.finished", outcome="completed", error=None)

    answer_in_the_ui(
        drill,
        {
            "outcome": "done",
            "notes": "DBA called, ticket 77",
            "finding_title": "The DBA's number in the runbook is outdated",
            "finding_severity": "medium",
            "finding_category": "documentation",
        },
    )
    results = derive_results(read_journal(tmp_path / "run"))
    by_id = {q.id: q for q in results.questions}
    assert by_id["call-dba"].outcome == "done"
    assert by_id["call-dba"].notes == "DBA called, ticket 77"
    assert by_id["call-dba"].source == "prefect ui"
    assert by_id["dashboard"].outcome == "no answer"
    titles = {f.title: f for f in results.findings}
    assert titles["The DBA's number in the runbook is outdated"].category == "documentation"
    assert [s.status for s in results.phases[0].steps] == ["passed", "skipped"]


def answer_in_the_ui(drill: Callable[[], None], run_input: dict[str, Any]) -> None:
    """Run the ``drill`` flow under a Prefect test server and answer its pause as the UI
    form does; whatever the drill raised fails the test."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState
    from prefect.client.schemas.filters import FlowRunFilterStateType as StateType
    from prefect.client.schemas.objects import StateType as Type
    from prefect.flow_runs import resume_flow_run
    from prefect.testing.utilities import prefect_test_harness

    failures: list[BaseException] = []

    def run() -> None:
        try:
            drill()
        except BaseException as error:  # the test thread reports it
            failures.append(error)

    with prefect_test_harness(server_startup_timeout=60):
        thread = threading.Thread(target=run)
        thread.start()
        paused = _wait_for_paused(get_client, FlowRunFilter, FlowRunFilterState, StateType, Type)
        resume_flow_run(paused, run_input=run_input)
        thread.join(timeout=120)
    assert not failures, failures


def _wait_for_paused(
    get_client: Any, run_filter: Any, state_filter: Any, state_type: Any, paused: Any
) -> Any:
    deadline = time.monotonic() + 90
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=run_filter(
                    state=state_filter(type=state_type(any_=[paused.PAUSED]))
                )
            )
            if runs:
                return runs[0].id
            time.sleep(0.5)
    raise AssertionError("the flow run never paused for the manual step")
