"""The CLI hands its flow the admitted plan, secrets filled in; the flow run's record (its
parameters, kept by the Prefect server) shows the paths, never the plan or a secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = ROOT / "tests" / "integration" / "data" / "hardening" / "scenario.yaml"

# A fresh interpreter: importing the flows sets Prefect's settings for the whole process.
RECORD = f"""
import json
from rehearsal.flows.launch import Handover, rehearsal_run
from rehearsal.runs.admission import admit
from rehearsal.scenarios.planning import load_plan

admitted = admit(load_plan(__import__("pathlib").Path({str(SCENARIO)!r})))
assert admitted.plan.profile.node("web1").params["status_token"] == "v3ry-s3cret"
parameters = dict(
    scenario={str(SCENARIO)!r}, profile=None, out_dir="reports", keep=False, run_id="r-1",
    handover=Handover(admitted, print),
)
print(json.dumps(rehearsal_run.serialize_parameters(parameters)))
"""


def test_the_flow_run_record_holds_no_plan_and_no_secret(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "REHEARSAL_TEST_API_TOKEN": "v3ry-s3cret",
        "REHEARSAL_STATE_DIR": str(tmp_path / "state"),
    }
    environment.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", RECORD],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.splitlines()[-1])
    assert record["handover"] == "<Handover>"
    assert record["scenario"] == str(SCENARIO)
    assert "v3ry-s3cret" not in done.stdout
