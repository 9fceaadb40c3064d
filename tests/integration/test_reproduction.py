"""The multi-phase reproduction example, for real: load, a lock taken by an operator action,
log-pattern symptom, evidence, SQL check, an analyst's answer, two attempts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.integration.test_demo_drill import _labelled, _only_run, _rehearsal

pytestmark = pytest.mark.docker
WEBSHOP = EXAMPLES / "webshop"


def test_pool_exhaustion_is_reproduced_in_the_lock_phase(tmp_path: Path) -> None:
    process = _rehearsal(
        "run",
        str(WEBSHOP / "repro-pool-exhaustion.yaml"),
        "--answers",
        str(WEBSHOP / "answers-repro.yaml"),
        "--out",
        str(tmp_path),
    )
    output, _ = process.communicate(timeout=1200)
    run_dir = _only_run(tmp_path)
    results = json.loads((run_dir / "results.json").read_text())
    assert process.returncode == 1, output  # the analyst's finding is high: exit 1
    assert results["kind"] == "reproduction" and results["status"] == "failed"
    assert results["reproduced"] is True and results["attempts"] == 2
    assert results["reproduction_rate"] >= 0.5
    assert results["seed"] == 4521

    presence = {(p["attempt"], p["name"]): p["symptom_present"] for p in results["phases"]}
    for attempt in (1, 2):
        assert presence[(attempt, "baseline under evening traffic")] is False
    assert any(presence[(a, "price job locks the products table")] for a in (1, 2))

    loads = {(load["phase"], load["requests"] > 0) for load in results["loads"]}
    assert ("price job locks the products table", True) in loads
    locked = [ld for ld in results["loads"] if ld["phase"].startswith("price job")]
    baseline = [ld for ld in results["loads"] if ld["phase"].startswith("baseline")]
    assert max(ld["error_rate"] for ld in locked) > max(ld["error_rate"] for ld in baseline)

    asked = [q for q in results["questions"] if q["kind"] != "acknowledge"]  # on-call acks
    [question, again] = asked
    assert (question["attempt"], again["attempt"]) == (1, 2)
    assert question["id"] == "where-it-starts" and question["outcome"] == "done"
    analyst = [f for f in results["findings"] if f["id"].startswith("A")]
    assert analyst and analyst[0]["severity"] == "high"
    assert not [f for f in results["findings"] if f["title"].startswith("Check failed")]

    evidence = sorted((run_dir / "evidence").iterdir())
    assert any("pg_stat_activity" in path.read_text() for path in evidence)
    assert any("connections busy" in path.read_text() for path in evidence)
    assert _labelled(results["run_id"]) == []
