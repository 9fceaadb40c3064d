"""The fidelity section: facts from the journal reach results.json, every report format,
and a node that differs from the profile becomes one finding."""

from __future__ import annotations

import json
from pathlib import Path

from rehearsal.envs.fidelity import same_value, size_bytes
from rehearsal.report.rebuild import rebuild
from tests.drill_journal import write_drill_journal

FACTS = [
    {"node": "db1", "aspect": "package", "name": "postgresql-15", "expected": "15 (15.*)",
     "actual": "15.20-0+deb12u1", "matches": True},
    {"node": "db1", "aspect": "param", "name": "max_connections", "expected": "100",
     "actual": "80", "matches": False},
    {"node": "lb1", "aspect": "resources", "name": "memory", "expected": "256m",
     "actual": "unlimited", "matches": False},
]  # fmt: skip


def test_fidelity_facts_reach_results_reports_and_findings(tmp_path: Path) -> None:
    run_dir = write_drill_journal(
        tmp_path / "run",
        extra=[
            {"at": "2026-11-20T09:00:01+00:00", "event": "fidelity.checked", "facts": FACTS},
            {"at": "2026-11-20T09:00:02+00:00", "event": "fidelity.checked", "facts": [{}]},
        ],
    )
    # The last check counts; a damaged fact is left out rather than breaking the report.
    results = rebuild(run_dir).results
    assert results.fidelity == []
    run_dir = write_drill_journal(
        tmp_path / "run2",
        extra=[{"at": "2026-11-20T09:00:01+00:00", "event": "fidelity.checked", "facts": FACTS}],
    )
    results = rebuild(run_dir).results
    saved = json.loads((run_dir / "results.json").read_text())
    assert [f["name"] for f in saved["fidelity"]] == ["postgresql-15", "max_connections", "memory"]
    found = {f.id: f for f in results.findings if f.id.startswith("D")}
    assert [f.title for f in found.values()] == [
        "The mirror of db1 differs from the profile",
        "The mirror of lb1 differs from the profile",
    ]
    assert "max_connections: profile 100, mirror 80" in found["D1"].detail
    assert found["D1"].category == "environment"
    markdown = (run_dir / "report.md").read_text()
    assert "## Fidelity" in markdown and "1 of 3 facts match; **2 differ**" in markdown
    assert "Fidelity: the mirror against the profile" in (run_dir / "report.html").read_text()


def test_values_compare_as_the_products_print_them() -> None:
    assert size_bytes("64mb") == size_bytes("67108864") == 64 * 1024**2
    assert same_value("128MB", "128MB") and same_value("64mb", "67108864")
    assert same_value("yes", "on") and same_value("20", "20") and same_value("Yes", "yes")
    assert not same_value("allkeys-lru", "noeviction") and not same_value("100", "80")
