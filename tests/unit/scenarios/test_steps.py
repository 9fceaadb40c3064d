"""Every step type, stop conditions and reproductions, against the fake shop."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.base import CommandResult
from rehearsal.errors import InvalidInput, RunStopped
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.results.derive import derive_results
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.people import Answerer, NobodyAnswers, load_answers
from rehearsal.scenarios.planning import Plan, load_plan
from tests.conftest import EXAMPLES
from tests.fakes import FakeShop, ShopProbe, start_run
from tests.scaffolds import webshop_scenario


def _plan(tmp_path: Path, body: str, kind: str = "rehearsal", answers: str | None = None) -> Plan:
    scenario = webshop_scenario(tmp_path, body, kind)
    answers_path = None
    if answers is not None:
        answers_path = tmp_path / "answers.yaml"
        answers_path.write_text(answers)
    return load_plan(scenario, None, answers_path)


def _run(
    tmp_path: Path, plan: Plan, shop: FakeShop, answerer: Answerer | None = None, attempts: int = 1
) -> list[dict[str, Any]]:
    journal = Journal(tmp_path / "run")
    start_run(journal, plan.scenario, symptom="the shop fails")
    outcome = "completed"
    try:
        for attempt in range(1, attempts + 1):
            shop.running.update(app1=True)
            shop.active = "app1"
            journal.record("attempt.started", attempt=attempt, seed=attempt)
            Engine(
                plan.scenario,
                plan.profile,
                shop,
                journal,
                probes={"shop-http": (ShopProbe(shop), 0.02)},
                answerer=answerer or NobodyAnswers(),
                run_dir=tmp_path / "run",
                attempt=attempt,
            ).run()
    except RunStopped:
        outcome = "stopped"
    journal.record("run.finished", outcome=outcome, error=None)
    journal.close()
    return read_journal(tmp_path / "run")


def test_command_action_runs_on_the_node_and_failure_is_a_finding(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - action: {say: Look at the pool, run: "ss -tn", on: app1}
      - action: {say: Restart, run: "restart-it", on: app1, user: shop}
""",
    )
    shop = FakeShop(broken_commands={"runuser -u shop -- sh -c restart-it"})
    results = derive_results(_run(tmp_path, plan, shop))
    assert ("app1", "ss -tn") in shop.commands
    assert [s.status for s in results.phases[0].steps] == ["passed", "failed"]
    assert results.findings[0].title == "Operator action failed: Restart"


def test_manual_steps_and_observations_use_the_answers_file(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - action: {say: Call the DBA on duty, id: call-dba, timeout: 5s}
      - action: {say: Page the network team, timeout: 200ms}
      - observe: {say: What did the dashboard show?}
""",
        answers="""\
answers:
  call-dba: {outcome: done, notes: "DBA answered", after: 100ms}
  "1.3":
    notes: "No alert on the dashboard"
    finding: {severity: high, category: monitoring, title: Dashboard stayed green}
""",
    )
    assert plan.scenario is not None
    answers = load_answers(tmp_path / "answers.yaml")
    results = derive_results(_run(tmp_path, plan, FakeShop(), answers))

    steps = results.phases[0].steps
    assert [s.status for s in steps] == ["passed", "skipped", "passed"]
    by_id = {q.id: q for q in results.questions}
    assert by_id["call-dba"].outcome == "done" and by_id["call-dba"].waited_s >= 0.1
    assert by_id["call-dba"].source == "answers file"
    assert steps[0].done_by == "answers file (scripted), for Kim"
    assert steps[0].detail.startswith("the answers file for Kim: done after")
    assert by_id["1.2"].outcome == "no answer" and by_id["1.2"].source is None
    assert by_id["1.3"].notes == "No alert on the dashboard"
    titles = {f.title: f for f in results.findings}
    assert titles["Dashboard stayed green"].severity == "high"
    assert any("did not perform a manual step" in t for t in titles)
    unanswered = round(sum(q.waited_s or 0.0 for q in results.questions if q.source is None), 3)
    assert results.waiting_for_people_s == unanswered, "the scripted wait is not a person's"
    scripted = [q.waited_s or 0.0 for q in results.questions if q.source == "answers file"]
    assert results.waiting_for_stand_ins_s == round(sum(scripted), 3) >= 0.1


def test_answers_that_answer_nothing_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        _plan(
            tmp_path,
            """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - action: {say: Call the DBA on duty, id: call-dba}
""",
            answers="answers:\n  call-dbb: {outcome: done}\n",
        )
    [problem] = refused.value.problems
    assert problem.line == 2 and "did you mean 'call-dba'" in problem.message


def test_checks_of_probe_command_log_and_sql(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - check: {probe: shop-http, status: passing}
      - check: {on: db1, sql: "SELECT count(*) FROM orders", expect_output: "^[1-9]"}
      - check: {on: app1, log: /var/log/shop-app.log, pattern: "pool exhausted", present: false}
      - check: {on: app1, run: "cat /etc/version", expect_output: "2\\\\.0", severity: medium}
""",
    )
    sql = (
        "cd / && runuser -u postgres -- psql -X -tA -v ON_ERROR_STOP=1 -d postgres -c "
        "'SELECT count(*) FROM orders'"
    )
    shop = FakeShop(
        replies={
            sql: CommandResult(0, "0\n", 0.01),
            "cat /etc/version": CommandResult(0, "2.0", 0),
        },
        files={"/var/log/shop-app.log": "GET /health 200\nERROR pool exhausted\n"},
    )
    results = derive_results(_run(tmp_path, plan, shop))
    assert [s.status for s in results.phases[0].steps] == ["passed", "failed", "failed", "passed"]
    failed = [f for f in results.findings if f.title.startswith("Check failed")]
    assert len(failed) == 2 and all(f.evidence for f in failed)
    assert (tmp_path / "run" / failed[1].evidence[0]).read_text().startswith("1")


def test_evidence_is_saved_in_the_run_folder(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - evidence: {on: [app1, app2], files: [/var/log/shop-app.log], commands: ["ps aux"]}
""",
    )
    shop = FakeShop(files={"/var/log/shop-app.log": "line one\n"})
    events = _run(tmp_path, plan, shop)
    [collected] = [e for e in events if e["event"] == "evidence.collected"]
    assert len(collected["files"]) == 4
    first = (tmp_path / "run" / collected["files"][0]).read_text()
    assert "line one" in first and first.startswith("# app1$ tail")


@pytest.fixture
def flaky_server() -> Iterator[int]:
    """A local HTTP server failing every third request."""
    count = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            count[0] += 1
            self.send_response(500 if count[0] % 3 == 0 else 200)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_load_runs_until_the_phase_ends_and_counts_errors(
    tmp_path: Path, flaky_server: int
) -> None:
    plan = _plan(
        tmp_path,
        f"""\
phases:
  - name: under load
    operator: Kim
    analyst: Sato
    steps:
      - load: {{name: shoppers, url: "http://web:{flaky_server}/", rate: 60, concurrency: 2}}
      - wait: {{for: 1500ms}}
""",
    )
    shop = FakeShop(addresses={"web": "127.0.0.1"})
    results = derive_results(_run(tmp_path, plan, shop))
    [load] = results.loads
    assert load.name == "shoppers" and load.phase == "under load"
    assert 50 <= load.requests <= 120
    assert 0.2 < load.error_rate < 0.45


def test_stop_condition_ends_the_run_and_reverts(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        """\
stop_when:
  - {probe: shop-http, failing_longer_than: 300ms}
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - fault: {type: container.stop, target: app1}
      - wait: {for: 30s}
""",
    )
    shop = FakeShop()
    events = _run(tmp_path, plan, shop)
    results = derive_results(events)
    assert results.status == "stopped"
    assert shop.running["app1"]
    assert [f.revert_status for f in results.faults] == ["reverted"]
    [stopping] = [e for e in events if e["event"] == "run.stopping"]
    assert "shop-http failed for longer than 300 ms" in stopping["reason"]


def test_reproduction_counts_attempts_and_where_the_symptom_appears(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        """\
symptom: {say: the shop fails, probe: shop-http, status: failing}
attempts: 2
phases:
  - name: baseline
    operator: Kim
    analyst: Sato
    steps:
      - wait: {for: 100ms}
  - name: trigger
    operator: Kim
    analyst: Sato
    steps:
      - fault: {type: container.stop, target: app1}
      - wait: {until: {probe: shop-http, status: failing}, timeout: 2s}
""",
        kind="reproduction",
    )
    results = derive_results(_run(tmp_path, plan, FakeShop(), attempts=2))
    assert results.reproduced is True and results.attempts == 2
    assert results.reproduction_rate == 1.0
    assert [a.first_seen_phase for a in results.attempt_results] == ["trigger", "trigger"]
    assert [(p.attempt, p.name, p.symptom_present) for p in results.phases] == [
        (1, "baseline", False),
        (1, "trigger", True),
        (2, "baseline", False),
        (2, "trigger", True),
    ]
    assert json.loads(results.model_dump_json())["reproduction_rate"] == 1.0


def test_reproduction_without_symptom_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        _plan(
            tmp_path,
            """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - wait: {for: 1s}
""",
            kind="reproduction",
        )
    assert "needs 'symptom:'" in refused.value.problems[0].message


def test_runbook_result_and_total_time_against_the_rto(tmp_path: Path) -> None:
    profile = (EXAMPLES / "webshop" / "profile.yaml").read_text()
    profile = profile.replace("rto: 5m", "rto: 100ms").replace(
        'run: "nginx-upstream-switch app app2"',
        'run: "nginx-upstream-switch app app2"\n      expect_output: "now: app2"',
    )
    plan = _plan(
        tmp_path,
        """\
phases:
  - name: p
    operator: Kim
    analyst: Sato
    steps:
      - runbook: app-failover-to-standby
""",
    )
    (tmp_path / "profile.yaml").write_text(profile)
    plan = load_plan(tmp_path / "s.yaml")
    shop = FakeShop(command_delay_s=0.05)
    results = derive_results(_run(tmp_path, plan, shop))
    titles = [f.title for f in results.findings]
    assert (
        "Runbook step 3 did not give the expected result: Switch the load balancer to the "
        "standby app2" in titles
    )
    assert "Runbook app-failover-to-standby alone takes longer than the RTO" in titles


def test_terminal_prompt_reads_the_answer_and_times_out_without_one() -> None:
    import os

    from rehearsal.scenarios.people import Question, TerminalPrompt

    question = Question("1.1", "manual", "p", "Kim", "Restart the app", timeout_s=0.5)
    read_end, write_end = os.pipe()
    with os.fdopen(read_end) as stream, os.fdopen(write_end, "w") as typing:
        typing.write("f\nthe service did not come back\n")
        typing.flush()
        prompt = TerminalPrompt(stream)
        reply = prompt.ask(question, threading.Event())
        assert reply is not None
        assert reply.source == "console", "a person typed it"
        assert (reply.answer.outcome, reply.answer.notes) == (
            "failed",
            "the service did not come back",
        )
        assert prompt.ask(question, threading.Event()) is None
