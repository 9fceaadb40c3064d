"""junit.xml from a journal: every step (checks included) and every criterion is a test case."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rehearsal.runs.session import write_results
from tests.drill_journal import write_drill_journal


def test_each_check_step_and_each_criterion_is_a_test_case(tmp_path: Path) -> None:
    run_dir = write_drill_journal(tmp_path / "run")
    write_results(run_dir)
    root = ET.parse(run_dir / "junit.xml").getroot()
    cases = {
        (c.get("classname", "").rsplit(".", 1)[-1], c.get("name")) for c in root.iter("testcase")
    }
    assert ("lose the active app server", "shop-http passes") in cases
    assert ("criteria", "recover within the RTO") in cases
    assert root.get("failures") == "0"
