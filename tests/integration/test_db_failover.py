"""The database fail-over drill, run for real: a PostgreSQL streaming replica is promoted by
the customer's runbook while orders are being placed, and no confirmed order is lost."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.integration.test_demo_drill import _labelled, _only_run, _rehearsal

pytestmark = pytest.mark.docker
DRILL = EXAMPLES / "webshop" / "drill-db-failover.yaml"
ANSWERS = EXAMPLES / "webshop" / "answers-db-failover.yaml"


def test_db_failover_drill_promotes_the_replica_without_losing_orders(tmp_path: Path) -> None:
    process = _rehearsal(
        "run", str(DRILL), "--answers", str(ANSWERS), "--people", "none", "--out", str(tmp_path)
    )
    output, _ = process.communicate(timeout=1200)
    run_dir = _only_run(tmp_path)
    assert process.returncode == 0, output

    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "passed", results.get("findings")
    [fault] = results["faults"]
    assert fault["type"] == "container.stop" and fault["targets"] == ["db1"]
    assert fault["injected_at"] and fault["reverted_at"]
    assert fault["revert_status"] == "reverted"

    metrics = results["metrics"]
    assert 0 < metrics["time_to_detect_s"] < metrics["time_to_recover_s"] < metrics["rto_s"]
    assert metrics["within_rto"] is True

    orders, failover = results["phases"]
    assert orders["status"] == "passed"
    [load] = results["loads"]
    assert load["name"] == "orders" and load["requests"] > 0 and load["errors"] == 0
    steps = {step["label"]: step for step in failover["steps"]}
    assert all(step["status"] == "passed" for step in failover["steps"]), failover["steps"]
    [runbook] = [s for s in failover["steps"] if s["type"] == "runbook"]
    assert [s["status"] for s in runbook["runbook_steps"]] == ["passed"] * 5
    assert "db2 is now a primary" in runbook["runbook_steps"][2]["output"]
    assert "now db2:5432" in runbook["runbook_steps"][3]["output"]

    counted = steps["check: orders were confirmed on the primary db1"]["detail"]
    confirmed = int(counted.split("ok: ", 1)[1])
    assert confirmed > 0
    lost = next(s for s in failover["steps"] if "confirmed before the failure is on" in s["label"])
    assert lost["status"] == "passed" and "no confirmed order lost" in lost["detail"]
    assert f"confirmed on db1 before the failure: {confirmed} " in lost["detail"]
    assert steps["check: db2 is a read-write primary now"]["status"] == "passed"

    evidence = "".join(
        path.read_text() for path in (run_dir / "evidence").iterdir() if path.is_file()
    )
    assert re.search(r"^pg_is_in_recovery +\| f$", evidence, re.MULTILINE), evidence
    assert "received promote request" in evidence

    [finding] = results["findings"]
    assert finding["severity"] == "medium" and "split-brain" in finding["title"]
    assert _labelled(results["run_id"]) == []
