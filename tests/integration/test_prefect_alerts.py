"""Inside a Prefect flow run: the alert is also a Prefect event, and the acknowledgement is
a pause form addressed to the tier 1 person; resuming it is their acknowledgement."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.alerts import Monitor, Notify
from rehearsal.models.escalation import OnCall
from rehearsal.results.derive import derive_results
from rehearsal.runs.session import people_fields
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.planning import load_plan
from tests.conftest import EXAMPLES
from tests.fakes import FakeShop, ShopProbe, start_run
from tests.integration.test_prefect_people import answer_in_the_ui

pytestmark = pytest.mark.prefect


def test_alert_is_a_prefect_event_and_tier_1_acknowledges_in_the_ui(tmp_path: Path) -> None:
    from prefect import flow

    from rehearsal.flows.adapters import install
    from rehearsal.flows.ui_answers import PrefectPause

    install()  # as rehearsal's own flows do when they load: the Prefect alert channel
    plan = load_plan(EXAMPLES / "webshop" / "drill-app-node-loss.yaml")
    document = plan.scenario.model_dump(by_alias=True, exclude_defaults=True)
    steps = document["phases"][0]["steps"]
    document["phases"][0]["steps"] = [*steps[:2], {"wait": {"for": "20s"}}, *steps[2:]]
    scenario = Scenario.model_validate(document)
    monitor = Monitor(name="checkout-down", probe="shop-http", notify=[Notify(prefect=True)])
    on_call = OnCall.model_validate(
        {"people": [{"name": "Kim Minji"}], "escalation": [{"person": "Kim Minji", "within": "1m"}]}
    )
    profile = plan.profile.model_copy(update={"monitors": [monitor], "on_call": on_call})
    shop = FakeShop()

    @flow(name="alerts-in-the-loop")
    def drill() -> None:
        with Journal(tmp_path) as journal:
            start_run(journal, scenario, **people_fields(profile))
            Engine(
                scenario,
                profile,
                shop,
                journal,
                probes={
                    "shop-http": (ShopProbe(shop), 0.05),
                    "standby-http": (ShopProbe(shop), 0.05),
                },
                answerer=PrefectPause(),
                run_dir=tmp_path,
            ).run()
            journal.record("run.finished", outcome="completed", error=None)

    answer_in_the_ui(drill, {"outcome": "done", "notes": "on it"})
    results = derive_results(read_journal(tmp_path))
    [alert] = results.alerts
    [delivery] = alert.deliveries
    assert delivery.channel == "prefect" and delivery.delivered, delivery.detail
    assert (alert.acknowledged_by, alert.acknowledged_source) == ("Kim Minji", "prefect ui")
    [response] = results.response
    assert response.responder == "Kim Minji", "a person answered in the UI: the figure is hers"
    assert response.time_to_acknowledge_s is not None and response.stand_in is None
    [step] = results.escalation
    assert step.outcome == "acknowledged, then resolved"
