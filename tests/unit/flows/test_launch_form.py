"""The launch form's parameter schema, as `rehearsal serve` registers it for the Prefect UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rehearsal.flows.deployments import LAUNCH_DESCRIPTION, build_deployments
from rehearsal.flows.launch_form import scenario_choices, scenario_path
from rehearsal.scenarios.planning import load_drills
from tests.conftest import EXAMPLES

SET_BY_SERVE = {"scenarios_dir", "reports_dir", "until", "timezone"}


@pytest.fixture(scope="module")
def deployments(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    folder = tmp_path_factory.mktemp("form")
    drills = folder / "drills.yaml"
    drills.write_text(
        "drills:\n  - name: nightly\n    scenario: webshop/drill-app-node-loss.yaml\n"
        '    cron: "0 2 * * *"\n    until: 2999-12-01\n'
    )
    return build_deployments(EXAMPLES, folder / "reports", load_drills(drills, EXAMPLES))


def _form(deployment: Any) -> dict[str, Any]:
    return dict(deployment._parameter_openapi_schema.model_dump_for_openapi())


def test_every_field_has_a_title_a_description_and_a_type(deployments: list[Any]) -> None:
    for form in map(_form, deployments):
        for name, prop in form["properties"].items():
            assert prop["title"] and prop["title"] != name, name
            assert prop["description"] and "\n" not in prop["description"], name
            assert prop["type"] in {"string", "integer", "boolean"}, (name, prop)
            assert "anyOf" not in prop and prop.get("default", "") is not None, (name, prop)


def test_the_form_asks_what_a_support_engineer_decides_and_shows_the_defaults(
    deployments: list[Any],
) -> None:
    properties = _form(deployments[0])["properties"]
    assert list(properties) == [
        "scenario",
        "profile",
        "keep",
        "seed",
        "attempts",
        "notes",
        "answers",
        "people",
        "lab_host",
        "force",
    ]
    assert SET_BY_SERVE.isdisjoint(properties)
    assert properties["seed"]["title"] == "Random seed"
    assert (properties["keep"]["default"], properties["people"]["default"]) == (False, "ui")
    assert properties["people"]["enum"] == ["ui", "none"]
    assert _form(deployments[0])["required"] == ["scenario"]


def test_the_folders_and_a_drills_clock_are_bound_in_the_deployments(
    deployments: list[Any],
) -> None:
    launch, _stop, nightly = deployments
    assert set(launch.parameters) == {"scenarios_dir", "reports_dir"}
    assert launch.parameters["scenarios_dir"] == str(EXAMPLES.resolve())
    assert nightly.parameters == {
        "scenarios_dir": str(EXAMPLES.resolve()),
        "reports_dir": launch.parameters["reports_dir"],
        "scenario": "webshop/drill-app-node-loss.yaml",
        "people": "none",
        "until": "2999-12-01",
        "timezone": "UTC",
    }
    assert SET_BY_SERVE.isdisjoint(_form(nightly)["properties"])


def test_the_scenario_choice_names_the_customer_and_the_title(deployments: list[Any]) -> None:
    enum = _form(deployments[0])["properties"]["scenario"]["enum"]
    assert all(" — " in choice for choice in enum), "every example names customer and title"
    assert [choice for choice in enum if choice.startswith("Acme Retail")] == [
        "Acme Retail — Loss of the active application server · webshop/drill-app-node-loss.yaml",
        "Acme Retail — Loss of the primary database · webshop/drill-db-failover.yaml",
        "Acme Retail — The nightly order export during the database switch-over"
        " · webshop/drill-nightly-export.yaml",
        "Acme Retail — Night-time loss of the app server, with the on-call chain"
        " · webshop/drill-on-call.yaml",
        "Acme Retail — Checkout errors while the nightly price job runs (ACME-4521)"
        " · webshop/repro-pool-exhaustion.yaml",
    ]
    assert [scenario_path(choice) for choice in enum] == list(scenario_choices(EXAMPLES).values())
    assert scenario_path("webshop/drill-app-node-loss.yaml") == "webshop/drill-app-node-loss.yaml"


def test_a_scenario_whose_profile_cannot_be_read_is_still_offered(tmp_path: Path) -> None:
    (tmp_path / "lost.yaml").write_text("kind: rehearsal\ntitle: Lost\nprofile: gone.yaml\n")
    (tmp_path / "bare.yaml").write_text("kind: rehearsal\n")
    (tmp_path / "profile.yaml").write_text("customer: {name: Acme}\n")
    assert scenario_choices(tmp_path) == {"bare.yaml": "bare.yaml", "Lost · lost.yaml": "lost.yaml"}


def test_the_deployments_say_what_they_do(deployments: list[Any]) -> None:
    launch, _stop, nightly = deployments
    assert launch.description == LAUNCH_DESCRIPTION and "findings report" in LAUNCH_DESCRIPTION
    assert nightly.description == (
        "Scheduled drill, unattended (answers file only): Acme Retail — Loss of the active "
        "application server · webshop/drill-app-node-loss.yaml"
    )
