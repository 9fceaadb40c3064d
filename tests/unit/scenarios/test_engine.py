"""The scenario engine against a fake shop: phases, faults, waits, runbooks, findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.journal.writer import Journal, read_journal
from rehearsal.results.derive import derive_results
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.people import Answer, AnswersFile
from rehearsal.scenarios.planning import load_plan
from tests.conftest import EXAMPLES
from tests.fakes import FakeShop, ShopProbe, start_run

DRILL = EXAMPLES / "webshop" / "drill-app-node-loss.yaml"


def _run(tmp_path: Path, shop: FakeShop, scenario: Scenario | None = None) -> list[dict]:
    plan = load_plan(DRILL)
    scenario = scenario or plan.scenario
    journal = Journal(tmp_path)
    start_run(journal, scenario)
    probes = {"shop-http": (ShopProbe(shop), 0.02), "standby-http": (ShopProbe(shop), 0.05)}
    # Kim Minji takes the page at once, so the runbook (which waits for her) goes ahead.
    answerer = AnswersFile({"ack.checkout-down.1": Answer(after=0.1)})
    engine = Engine(scenario, plan.profile, shop, journal, probes=probes, answerer=answerer)
    engine.run()
    journal.record("run.finished", outcome="completed", error=None)
    journal.close()
    return read_journal(tmp_path)


def test_drill_detects_outage_runs_runbook_and_recovers(tmp_path: Path) -> None:
    shop = FakeShop()
    results = derive_results(_run(tmp_path, shop))

    assert results.status == "passed"
    assert shop.active == "app2"
    assert shop.running["app1"], "the stopped node must be started again by the revert"
    assert [f.revert_status for f in results.faults] == ["reverted"]
    assert results.metrics.time_to_detect_s is not None
    assert results.metrics.time_to_recover_s is not None
    assert results.metrics.time_to_detect_s <= results.metrics.time_to_recover_s
    assert results.metrics.within_rto is True
    steps = results.phases[0].steps
    assert [s.status for s in steps] == ["passed"] * 5
    assert len(steps[3].runbook_steps) == 4
    assert all(c.met for c in results.criteria)


def test_failed_runbook_step_is_a_finding_and_stops_the_runbook(tmp_path: Path) -> None:
    shop = FakeShop(broken_commands={"nginx-upstream-switch app app2"})
    plan = load_plan(DRILL)
    phase = plan.scenario.phases[0]
    quick = phase.model_copy(
        update={
            "steps": [
                *phase.steps[:4],
                phase.steps[4].model_copy(
                    update={
                        "wait": phase.steps[4].wait.model_copy(  # type: ignore[union-attr]
                            update={"timeout": 0.3}
                        )
                    }
                ),
            ]
        }
    )
    scenario = plan.scenario.model_copy(update={"phases": [quick]})
    events = _run(tmp_path, shop, scenario)
    results = derive_results(events)

    assert results.status == "failed"
    keys = {f.title: f.key for f in results.findings}
    step3 = next(key for title, key in keys.items() if "Runbook step 3 failed" in title)
    assert step3 == "procedure:runbook=app-failover-to-standby,step=3"
    assert "procedure:probe=shop-http,until=passing" in keys.values()
    older = [{k: v for k, v in e.items() if k != "about"} for e in events]  # before 'about'
    assert step3 in {f.key for f in derive_results(older).findings}
    runbook = results.phases[0].steps[3]
    assert [s.status for s in runbook.runbook_steps] == ["passed", "passed", "failed", "skipped"]
    titles = [f.title for f in results.findings]
    assert any("Runbook step 3 failed" in title for title in titles)
    assert any("did not recover" in title for title in titles)
    assert results.criteria[0].met is False
    assert shop.running["app1"], "faults are reverted even when the drill fails"


def test_faults_are_reverted_when_a_step_raises(tmp_path: Path) -> None:
    class Exploding(FakeShop):
        def run_command(self, node: str, command: str, timeout_s: float):  # type: ignore[override]
            raise KeyboardInterrupt

    shop = Exploding()
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, shop)
    events = read_journal(tmp_path)
    assert shop.running["app1"]
    assert [e["status"] for e in events if e["event"] == "fault.reverted"] == ["reverted"]
