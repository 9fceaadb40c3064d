"""A customer's batch jobs run on a real node: once on a healthy mirror, once while the
service the job needs is stopped by a fault, and one that overruns its limit and is stopped."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.docker
SCENARIO = Path(__file__).parent / "data" / "jobs" / "scenario.yaml"


def test_jobs_pass_on_a_healthy_node_fail_under_a_fault_and_stop_at_their_limit(
    tmp_path: Path,
) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "rehearsal", "run", str(SCENARIO), "--out", str(tmp_path)],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=900,
    )
    [run_dir] = [path for path in tmp_path.iterdir() if path.is_dir()]
    assert process.returncode == 1, process.stdout + process.stderr  # a high finding

    events = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    started = [e for e in events if e["event"] == "job.started"]
    finished = [e for e in events if e["event"] == "job.finished"]
    assert [(e["job"], e["node"], e["phase"]) for e in started] == [
        ("nightly-snapshot", "web1", "a normal night"),
        ("nightly-snapshot", "web1", "nginx is down"),
        ("log-archive", "web1", "a job overruns its limit"),
    ]
    healthy, broken, slow = finished
    assert (healthy["status"], healthy["exit_code"]) == ("passed", 0)
    assert "saved" in healthy["output"] and "bytes" in healthy["output"]
    assert (broken["status"], broken["exit_code"]) == ("failed", 7)  # curl: cannot connect
    assert "Failed to connect" in broken["output"] or "Connection refused" in broken["output"]
    assert (slow["status"], slow["exit_code"]) == ("timed out", 124)
    assert 2 <= slow["duration_s"] < 10

    results = json.loads((run_dir / "results.json").read_text())
    assert [(j["status"], j["faults_active"]) for j in results["jobs"]] == [
        ("passed", []),
        ("failed", ["F1 service.stop on web1"]),
        ("timed out", []),
    ]
    failed, overran = [f for f in results["findings"] if f["id"].startswith("J")]
    assert failed["title"] == "Batch job nightly-snapshot failed on web1"
    assert failed["phase"] == "nginx is down" and failed["severity"] == "high"
    assert "exited 7" in failed["detail"] and "F1 service.stop on web1" in failed["detail"]
    assert overran["title"] == "Batch job log-archive did not finish in time on web1"
    assert "No fault was active" in overran["detail"]
    phases = results["phases"]
    assert [[s["status"] for s in phase["steps"]] for phase in phases] == [
        ["passed"],
        ["passed", "failed"],
        ["failed", "passed"],  # the job overran; the node no longer runs it
    ]
    assert [f["revert_status"] for f in results["faults"]] == ["reverted"]

    report = (run_dir / "report.md").read_text()
    assert "## Batch jobs" in report and "F1 service.stop on web1" in report
    assert "Batch jobs" in (run_dir / "report.html").read_text()
    junit = ET.parse(run_dir / "junit.xml").getroot()
    [suite] = [suite for suite in junit if suite.get("name") == "batch jobs"]
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")
