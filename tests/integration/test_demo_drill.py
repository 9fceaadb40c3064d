"""The demo drill, run for real: Docker, Ansible, Prefect, SSH, HTTP probes, reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from rehearsal.models.durations import format_duration
from tests.conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.docker
DRILL = EXAMPLES / "webshop" / "drill-app-node-loss.yaml"
ANSWERS = EXAMPLES / "webshop" / "answers-app-node-loss.yaml"


def _rehearsal(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "rehearsal", *args],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **kwargs,
    )


def _labelled(run_id: str) -> list[str]:
    import docker

    client = docker.from_env()
    selector = {"label": f"rehearsal.run={run_id}"}
    return [c.name for c in client.containers.list(all=True, filters=selector)] + [
        n.name for n in client.networks.list(filters=selector)
    ]


def _only_run(out: Path) -> Path:
    runs = [path for path in out.iterdir() if path.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def test_demo_drill_passes_and_measures_recovery(tmp_path: Path) -> None:
    """As scripts/demo runs it: Kim Minji's acknowledgement comes from the drill's answers
    file, 15 s after the page; every figure about her is measured from that answer."""
    process = _rehearsal(
        "run", str(DRILL), "--answers", str(ANSWERS), "--people", "none", "--out", str(tmp_path)
    )
    output, _ = process.communicate(timeout=900)
    run_dir = _only_run(tmp_path)
    assert process.returncode == 0, output

    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "passed", results.get("findings")
    assert results["kind"] == "rehearsal"
    [fault] = results["faults"]
    assert fault["type"] == "container.stop" and fault["targets"] == ["app1"]
    assert fault["injected_at"] and fault["reverted_at"]
    assert fault["revert_status"] == "reverted"

    samples = {p["name"]: p["samples"] for p in results["probes"]}["shop-http"]
    states = [s["ok"] for s in samples if s["at"] >= fault["injected_at"]]
    first_down = states.index(False)
    assert True in states[first_down:], "shop-http went failing and then passing again"

    metrics = results["metrics"]
    assert 0 < metrics["time_to_detect_s"] < metrics["time_to_recover_s"] < metrics["rto_s"]
    assert metrics["within_rto"] is True
    [phase] = results["phases"]
    assert (phase["operator"], phase["analyst"]) == ("Kim Minji", "Sato Ren")
    acknowledged, runbook = phase["steps"][2], phase["steps"][3]
    assert acknowledged["status"] == "passed", acknowledged
    assert runbook["started_at"] >= acknowledged["finished_at"]
    assert runbook["done_by"] == "tool (automated; assigned to Kim Minji)"
    assert [s["status"] for s in runbook["runbook_steps"]] == ["passed"] * 4
    assert "now: app2:8080" in runbook["runbook_steps"][2]["output"]

    [alert] = results["alerts"]
    [response] = results["response"]
    assert (alert["acknowledged_by"], alert["acknowledged_source"]) == ("Kim Minji", "answers file")
    assert (response["responder"], response["time_to_acknowledge_s"], response["handling_s"]) == (
        None,
        None,
        None,
    ), "the answers file acknowledged for Kim Minji: no figure is hers"
    fired = datetime.fromisoformat(alert["fired_at"])
    took = round((datetime.fromisoformat(alert["acknowledged_at"]) - fired).total_seconds(), 3)
    assert response["stand_in"] == {
        "person": "Kim Minji",
        "source": "answers file",
        "after_s": took,
    }
    assert 15.0 <= took < 17.0, "the answers file's 15 s, plus the answer's own way in"
    assert metrics["time_to_recover_s"] > took, "checkout came back after the scripted answer"
    outcomes = [s["outcome"] for s in results["escalation"]]
    assert outcomes == ["acknowledged (scripted), then resolved"]
    assert not [f for f in results["findings"] if f["severity"] in ("critical", "high")]

    md = (run_dir / "report.md").read_text()
    [kim] = [line for line in md.splitlines() if line.startswith("| Kim Minji |")]
    cells = [c.strip() for c in kim.strip("|").split("|")]
    assert (cells[2:4], cells[-1]) == (["0", "—"], "1"), kim
    notice = (run_dir / "notice.md").read_text()
    said = (
        f"The answers file answered for Kim Minji {format_duration(took)} after the alert "
        "(scripted, not a person's response)."
    )
    assert said in notice and "took it on" not in notice
    html = (run_dir / "report.html").read_text()
    assert "checkout was unavailable for" in html and "<svg" in html
    assert "How the figures are measured" in html
    suites = ET.parse(run_dir / "junit.xml").getroot()
    assert suites.get("failures") == "0" and suites.get("errors") == "0"
    journal = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    assert journal[0]["event"] == "run.started" and journal[-1]["event"] == "run.finished"
    [ahead] = [e for e in journal if e["event"] == "head_start"]
    assert ahead["flow_start_s"] > 0 and ahead["images_s"] > 0 and ahead["waited_s"] >= 0
    assert _labelled(results["run_id"]) == []

    rebuilt = _rehearsal("report", str(run_dir))
    assert rebuilt.wait(timeout=120) == 0
    assert json.loads((run_dir / "results.json").read_text()) == results
    _looks_right_in_a_browser(run_dir / "report.html")


def _looks_right_in_a_browser(report: Path) -> None:
    """The real run's report in headless Chromium: verdict, impact, timeline, findings."""
    import shutil

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(report.as_uri())
            assert page.get_by_text("The rehearsal passed").first.is_visible()
            assert page.get_by_text("checkout was unavailable for").first.is_visible()
            assert page.locator("svg").first.is_visible()
            page.screenshot(path=str(report.with_suffix(".png")), full_page=True)
        finally:
            browser.close()
    assert report.with_suffix(".png").stat().st_size > 10_000


def _terminated_at(event: str, out: Path, timeout_s: float) -> tuple[Path, str, int]:
    """Run the demo drill, SIGTERM it once its journal holds ``event``; its journal, what it
    printed and its exit code."""
    process = _rehearsal("run", str(DRILL), "--out", str(out))
    journal = None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        runs = [p for p in out.iterdir() if p.is_dir()] if out.exists() else []
        if runs and event in (runs[0] / "journal.jsonl").read_text():
            journal = runs[0] / "journal.jsonl"
            break
        time.sleep(0.05)
    assert journal is not None, f"the run never journaled {event}"
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=300)
    return journal, output, process.returncode


def test_sigterm_mid_drill_reverts_tears_down_and_still_reports(tmp_path: Path) -> None:
    journal, output, code = _terminated_at("fault.injected", tmp_path, 600)
    assert code == 3, output

    results = json.loads((journal.parent / "results.json").read_text())
    assert results["status"] == "cancelled"
    assert [f["revert_status"] for f in results["faults"]] == ["reverted"]
    assert (journal.parent / "report.html").is_file()
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [e["event"] for e in events][-2:] == ["environment.removed", "run.finished"]
    assert _labelled(results["run_id"]) == []


def test_sigterm_while_the_flow_run_starts_finishes_the_run_begun_before_it(
    tmp_path: Path,
) -> None:
    """The run's journal and images begin before Prefect's temporary server is up: a SIGTERM
    then still ends in a cancelled run with its report, and leaves nothing behind."""
    journal, output, code = _terminated_at("run.started", tmp_path, 300)
    assert code == 3, output

    results = json.loads((journal.parent / "results.json").read_text())
    assert results["status"] == "cancelled"
    assert "before the run began" in results["error"]
    assert (journal.parent / "report.html").is_file()
    events = [json.loads(line)["event"] for line in journal.read_text().splitlines()]
    assert "head_start" not in events and "environment.up" not in events, "the flow never ran"
    assert events[-1] == "run.finished"
    assert _labelled(results["run_id"]) == []


def test_env_up_ls_down(tmp_path: Path) -> None:
    up = _rehearsal("env", "up", str(EXAMPLES / "webshop" / "profile.yaml"), "--out", str(tmp_path))
    output, _ = up.communicate(timeout=600)
    assert up.returncode == 0, output
    run_id = output.split("environment ", 1)[1].split()[0]
    try:
        assert len([n for n in _labelled(run_id) if n.endswith(("-lb1", "-db1"))]) == 2
        listed = _rehearsal("env", "ls", env={**os.environ, "COLUMNS": "300"})
        assert run_id in listed.communicate(timeout=60)[0]
        import httpx

        lb1 = next(
            line.split()[1] for line in output.splitlines() if line.strip().startswith("lb1")
        )
        assert httpx.get(f"http://{lb1}/health", timeout=5).json()["db"] == "ok"
    finally:
        down = _rehearsal("env", "down", run_id)
        assert down.wait(timeout=120) == 0
    assert _labelled(run_id) == []


def test_docker_unreachable_is_one_line_and_exit_3(tmp_path: Path) -> None:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    process = _rehearsal("run", str(DRILL), "--out", str(tmp_path), env=env)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 3
    assert output.strip().startswith("cannot reach the Docker engine")
    assert len(output.strip().splitlines()) == 1
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_bad_input_starts_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "drill.yaml"
    broken.write_text(DRILL.read_text().replace("target: app1", "target: app7"))
    (tmp_path / "profile.yaml").write_text((DRILL.parent / "profile.yaml").read_text())
    process = _rehearsal("run", str(broken), "--out", str(tmp_path / "out"))
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert f"{broken}:19:" in output and "unknown node 'app7'" in output
    assert not (tmp_path / "out").exists()
