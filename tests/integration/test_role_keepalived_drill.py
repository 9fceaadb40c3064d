"""The keepalived drill (examples/products/keepalived) passes as `rehearsal run` runs it. Its
own module: the profile's subnet is fixed (the virtual IP lives in it), so the drill's mirror
cannot be up beside test_role_keepalived's module-long pair (``keepalived_subnet`` holds a
lock for whichever has it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.integration.test_demo_drill import _labelled, _only_run, _rehearsal

pytestmark = pytest.mark.docker

FOLDER = EXAMPLES / "products" / "keepalived"


def test_the_keepalived_drill_passes_as_rehearsal_run_runs_it(
    tmp_path: Path, keepalived_subnet: None
) -> None:
    drill = FOLDER / "drill-lb-loss.yaml"
    process = _rehearsal("run", str(drill), "--people", "none", "--out", str(tmp_path))
    output, _ = process.communicate(timeout=900)
    run_dir = _only_run(tmp_path)
    assert process.returncode == 0, output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "passed", results.get("findings")
    [fault] = results["faults"]
    assert fault["type"] == "container.stop" and fault["revert_status"] == "reverted"
    lost, switch = results["phases"]
    [runbook] = [s for s in lost["steps"] if s["type"] == "runbook"]
    assert [s["status"] for s in runbook["runbook_steps"]] == ["passed", "passed"]
    assert "lb2 is MASTER" in runbook["runbook_steps"][0]["output"]
    [planned] = [s for s in switch["steps"] if s["type"] == "runbook"]
    assert [s["status"] for s in planned["runbook_steps"]] == ["passed"] * 3
    assert results["metrics"]["within_rto"] is True
    assert _labelled(results["run_id"]) == []
