"""The Prefect front door for real: a Prefect server on loopback, `rehearsal serve`, a run
launched through the API as the UI does, answered with `rehearsal resume`, artifacts read
back; a run started from the launch form in headless Chromium; a run cancelled from Prefect
mid-fault that still reverts, tears down and reports; and a launch naming a missing file
that fails fast with `rehearsal validate`'s message."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.conftest import ROOT
from tests.integration.prefect_server import launch_choice, prefect_server
from tests.integration.prefect_server import wait_for as _wait
from tests.integration.test_demo_drill import _labelled

pytestmark = [pytest.mark.docker, pytest.mark.prefect]
DATA = Path(__file__).parent / "data" / "serve"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    reports = tmp_path_factory.mktemp("reports")
    errors = tmp_path_factory.mktemp("serve") / "stderr.txt"
    with prefect_server(tmp_path_factory.mktemp("prefect-home")) as env, errors.open("wb") as err:
        started = time.monotonic()
        serving = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rehearsal",
                "serve",
                "--scenarios",
                str(DATA),
                "--reports",
                str(reports),
            ],
            cwd=ROOT,
            # As a parent that imported rehearsal's flows leaves it (a CLI run's quiet
            # terminal): the runs' progress lines must still reach the UI.
            env={**env, "PREFECT_LOGGING_LEVEL": "WARNING"},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            deployment = _wait(_launch_deployment, 120, "the launch deployment")
            yield {
                "ui": env["PREFECT_API_URL"].removesuffix("/api"),
                "reports": reports,
                "stderr": errors,
                "deployment": deployment,
                "visible_after_s": time.monotonic() - started,
            }
        finally:
            serving.terminate()
            serving.wait(timeout=60)


def _choice(scenario: str) -> str:
    return launch_choice(DATA, scenario)


def _launch_deployment() -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        found = [d for d in client.read_deployments() if d.name == "launch"]
    return found[0] if found else None


def _state(flow_run_id: Any) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id)


def _logs(flow_run_id: UUID) -> list[str]:
    """Every log line the server holds of a flow run, page by page (a read returns 200)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    found = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
    lines: list[str] = []
    with get_client(sync_client=True) as client:
        while page := client.read_logs(log_filter=found, offset=len(lines)):
            lines += [log.message for log in page]
    return lines


def _wait_for_log(flow_run_id: UUID, line: str, timeout: float, stderr: Path) -> None:
    """Wait until the server holds the line; if it never does, say what it holds and what
    the serving process printed (Prefect writes a batch it could not send to stderr)."""
    try:
        _wait(lambda: any(line in held for held in _logs(flow_run_id)), timeout, repr(line))
    except AssertionError as missed:
        held = _logs(flow_run_id)
        printed = stderr.read_text(errors="replace")[-3000:]
        raise AssertionError(
            f"{missed}: the server holds {len(held)} lines of the run: {held[:8]} … "
            f"{held[-4:]}; rehearsal serve's stderr ends with: {printed}"
        ) from None


def test_launch_form_lists_the_scenarios(served: dict[str, Any]) -> None:
    scenario = served["deployment"].parameter_openapi_schema["properties"]["scenario"]
    assert scenario["enum"] == [
        "Test Customer — Database lost, and the drill is cancelled from the UI · cancel.yaml",
        "Test Customer — Operator confirms the database answers · confirm.yaml",
        "A scenario whose profile was moved away · lost-profile.yaml",
        "Test Customer — A quick look at the web node · quick.yaml",
    ]
    assert served["visible_after_s"] < 120


def test_launched_run_pauses_for_the_operator_and_resume_continues_it(
    served: dict[str, Any],
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    launched = run_deployment(
        "rehearsal-launch/launch",
        timeout=0,
        parameters={"scenario": _choice("confirm.yaml"), "notes": "from the test"},
    )
    paused = _wait(
        lambda: (run := _state(launched.id)).state.is_paused() and run,
        600,
        "the run to pause for the operator",
    )
    resumed = subprocess.run(
        [sys.executable, "-m", "rehearsal", "resume", paused.name, "--notes", "psql answers"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resumed.returncode == 0, resumed.stderr
    done = _wait(
        lambda: (run := _state(launched.id)).state.is_final() and run, 600, "the run to finish"
    )
    assert done.state.is_completed(), done.state

    results = json.loads((served["reports"] / paused.name / "results.json").read_text())
    assert results["status"] == "passed" and results["notes"] == "from the test"
    [question] = results["questions"]
    assert (question["id"], question["outcome"], question["notes"]) == (
        "confirm",
        "done",
        "psql answers",
    )
    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_artifacts() if a.flow_run_id == launched.id}
    assert artifacts["phases"].data == 100
    assert "Operator confirms the database answers" in artifacts["findings-summary"].data
    assert "report.html" in artifacts["findings-report"].data
    assert "## The rule" in artifacts["go-live-readiness"].data
    assert _labelled(results["run_id"]) == []


def test_cancelling_from_prefect_reverts_the_fault_and_still_reports(
    served: dict[str, Any],
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.states import Cancelling

    launched = run_deployment(
        "rehearsal-launch/launch", timeout=0, parameters={"scenario": _choice("cancel.yaml")}
    )
    run = _wait(lambda: (r := _state(launched.id)).state.is_running() and r, 300, "the run")
    journal = served["reports"] / run.name / "journal.jsonl"
    _wait(
        lambda: journal.is_file() and "fault.injected" in journal.read_text(),
        600,
        "the fault to be injected",
    )
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(launched.id, Cancelling(), force=True)
    ended = _wait(
        lambda: (r := _state(launched.id)).state.is_final() and r, 300, "the cancellation"
    )
    # Prefect's runner normally stops the process and marks the run Cancelled; when its
    # signal does not arrive, the run's own watch unwinds it, and the run ends all the same.
    assert ended.state.is_final(), ended.state
    results_file = served["reports"] / run.name / "results.json"
    _wait(results_file.exists, 60, "the report")
    results = json.loads(results_file.read_text())
    assert results["status"] == "cancelled"
    assert [f["revert_status"] for f in results["faults"]] == ["reverted"]
    assert _labelled(results["run_id"]) == []


@pytest.mark.browser
def test_the_launch_form_speaks_to_a_support_engineer(
    served: dict[str, Any], tmp_path: Path, chromium: str
) -> None:
    from playwright.sync_api import sync_playwright

    from rehearsal.flows.deployments import LAUNCH_DESCRIPTION

    deployment = served["deployment"]
    properties = deployment.parameter_openapi_schema["properties"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1900})  # all the form
            page.set_default_timeout(60_000)
            page.goto(f"{served['ui']}/deployments/deployment/{deployment.id}")
            page.get_by_text("Description", exact=True).click()
            page.get_by_text(LAUNCH_DESCRIPTION).wait_for()
            page.goto(f"{served['ui']}/deployments/deployment/{deployment.id}/run")
            page.get_by_text(properties["scenario"]["description"]).wait_for()
            form = page.locator("body").inner_text()
            for prop in properties.values():
                described = prop["description"].replace("`", "")  # Markdown: code, not ticks
                assert prop["title"] in form and described in form, prop
            for internal in ("scenarios_dir", "reports_dir", "until", "timezone"):
                assert internal not in form
            assert "Property is type" not in form
            page.locator(".p-select-button__control").first.focus()
            page.keyboard.press("ArrowDown")
            page.get_by_role("option").first.wait_for()
            offered = page.get_by_role("option").all_inner_texts()
            shot = tmp_path / "launch-form.png"  # with the scenario list open
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    print(f"launch form screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    assert "Test Customer — A quick look at the web node · quick.yaml" in offered
    assert [o for o in offered if "·" in o] == properties["scenario"]["enum"]


@pytest.mark.browser
def test_a_run_started_from_the_launch_form_completes_and_shows_its_summary(
    served: dict[str, Any], tmp_path: Path, chromium: str
) -> None:
    from playwright.sync_api import sync_playwright

    deployment = served["deployment"].id
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{served['ui']}/deployments/deployment/{deployment}/run")
            # Prefect's select opens from the keyboard; a click on its button does not.
            page.locator(".p-select-button__control").first.focus()
            page.keyboard.press("ArrowDown")
            page.get_by_role("option", name=_choice("quick.yaml")).click()
            notes = page.locator(".schema-form-property", has_text="Notes for the report")
            notes.locator("textarea").fill("started from the browser")
            page.get_by_role("button", name="Submit").click()

            run_link = page.get_by_role("link", name="quick")
            run_link.first.wait_for()
            run_name = run_link.first.inner_text().strip()
            run_link.first.click()
            page.wait_for_url("**/runs/flow-run/**")
            # The run's end is read from the server: a "Completed" on the page can be a task
            # run's while the flow still runs. Its log lines reach the server in batches, on a
            # busy machine after the run has ended, and the UI stops polling a run's logs 30 s
            # after its end: once the server holds the line, a fresh page shows it.
            flow_run = UUID(page.url.rsplit("/", 1)[-1].split("?")[0])
            ended = _wait(lambda: (r := _state(flow_run)).state.is_final() and r, 900, "the end")
            assert ended.state.is_completed(), ended.state
            _wait_for_log(flow_run, "running the scenario", 120, served["stderr"])
            page.reload()
            page.get_by_text("Completed", exact=True).first.wait_for()
            page.get_by_text("running the scenario").first.wait_for()  # the run's logs
            page.get_by_text("Artifacts", exact=True).click()
            page.get_by_text("findings-summary", exact=True).click()
            page.wait_for_url("**/artifacts/artifact/**")
            page.get_by_role("heading", name="A quick look at the web node").wait_for()
            shot = tmp_path / "findings-summary.png"
            page.screenshot(path=str(shot), full_page=True)
            text = page.locator("body").inner_text()
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    assert "The rehearsal passed" in text and "check web-tcp is passing" in text
    assert run_name in text
    results = json.loads((served["reports"] / run_name / "results.json").read_text())
    assert (results["status"], results["notes"]) == ("passed", "started from the browser")
    assert _labelled(run_name) == []


@pytest.mark.parametrize(
    ("parameters", "validated"),
    [
        ({"scenario": _choice("quick.yaml"), "profile": "nowhere.yaml"}, "nowhere.yaml"),
        ({"scenario": _choice("lost-profile.yaml")}, "lost-profile.yaml"),
    ],
)
def test_a_launch_naming_a_missing_file_fails_fast_with_the_validate_message(
    served: dict[str, Any], parameters: dict[str, str], validated: str
) -> None:
    from prefect.deployments import run_deployment

    validate = subprocess.run(
        [sys.executable, "-m", "rehearsal", "validate", str(DATA / validated)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert validate.returncode == 2 and ":1" in validate.stdout
    started = time.monotonic()
    launched = run_deployment("rehearsal-launch/launch", timeout=0, parameters=parameters)
    ended = _wait(lambda: (r := _state(launched.id)).state.is_final() and r, 300, "the failure")
    assert ended.state.is_failed(), ended.state
    assert validate.stdout.strip() in (ended.state.message or "")
    assert not (served["reports"] / ended.name).exists(), "nothing was started"
    assert _labelled(ended.name) == []
    assert time.monotonic() - started < 120


def test_a_launch_outside_the_lab_windows_is_refused_unless_forced(
    served: dict[str, Any], tmp_path: Path
) -> None:
    from prefect.deployments import run_deployment

    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    today = datetime.now(UTC).weekday()
    allowed = [d for i, d in enumerate(days) if i not in {(today + k) % 7 for k in (-1, 0, 1)}]
    closed = tmp_path / "closed-lab.yaml"
    closed.write_text(
        (DATA / "web.yaml").read_text() + f"calendar:\n  timezone: UTC\n  lab_windows:\n"
        f'    - {{days: [{", ".join(allowed)}], from: "00:00", to: "24:00"}}\n'
    )
    parameters = {"scenario": _choice("quick.yaml"), "profile": str(closed)}
    launched = run_deployment("rehearsal-launch/launch", timeout=0, parameters=parameters)
    ended = _wait(lambda: (r := _state(launched.id)).state.is_final() and r, 300, "the refusal")
    assert ended.state.is_failed(), ended.state
    assert "outside the lab windows" in (ended.state.message or "")
    assert not (served["reports"] / ended.name).exists(), "nothing was started"
    assert _labelled(ended.name) == []


def test_a_scenario_the_form_does_not_offer_is_refused_by_the_server(
    served: dict[str, Any],
) -> None:
    from prefect.deployments import run_deployment
    from prefect.exceptions import PrefectHTTPStatusError

    with pytest.raises(PrefectHTTPStatusError, match="'nope.yaml' is not one of"):
        run_deployment("rehearsal-launch/launch", timeout=0, parameters={"scenario": "nope.yaml"})
