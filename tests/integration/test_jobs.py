"""A customer's batch job run on a real node: once on a healthy mirror, once while the
service it needs is stopped by a fault."""

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


def test_a_nightly_job_passes_on_a_healthy_node_and_fails_under_a_fault(tmp_path: Path) -> None:
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
    ]
    healthy, broken = finished
    assert (healthy["status"], healthy["exit_code"]) == ("passed", 0)
    assert "saved" in healthy["output"] and "bytes" in healthy["output"]
    assert (broken["status"], broken["exit_code"]) == ("failed", 7)  # curl: cannot connect
    assert "Failed to connect" in broken["output"] or "Connection refused" in broken["output"]

    results = json.loads((run_dir / "results.json").read_text())
    assert [(j["status"], j["faults_active"]) for j in results["jobs"]] == [
        ("passed", []),
        ("failed", ["F1 service.stop on web1"]),
    ]
    [finding] = [f for f in results["findings"] if f["id"].startswith("J")]
    assert finding["title"] == "Batch job nightly-snapshot failed on web1"
    assert finding["phase"] == "nginx is down" and finding["severity"] == "high"
    assert "exited 7" in finding["detail"] and "F1 service.stop on web1" in finding["detail"]
    [phase_one, phase_two] = results["phases"]
    assert phase_one["steps"][0]["status"] == "passed"
    assert phase_two["steps"][1]["status"] == "failed"
    assert [f["revert_status"] for f in results["faults"]] == ["reverted"]

    report = (run_dir / "report.md").read_text()
    assert "## Batch jobs" in report and "F1 service.stop on web1" in report
    assert "Batch jobs" in (run_dir / "report.html").read_text()
    junit = ET.parse(run_dir / "junit.xml").getroot()
    [suite] = [suite for suite in junit if suite.get("name") == "batch jobs"]
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
