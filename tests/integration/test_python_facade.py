"""``rehearsal.run`` from Python: the facade builds a real mirror in this process, without
Prefect, and hands back the Results it wrote to the run folder."""

from __future__ import annotations

from pathlib import Path

import pytest

import rehearsal

pytestmark = pytest.mark.docker
DATA = Path(__file__).parent / "data" / "hardening"
TOKEN = "tok-3f9a1c7e5b2d8046"


def test_a_run_from_python_returns_the_results_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_TEST_API_TOKEN", TOKEN)
    answers = DATA / "answers.yaml"
    plan = rehearsal.load_plan(DATA / "scenario.yaml", answers=answers)
    said: list[str] = []
    results = rehearsal.run(plan, rehearsal.RunOptions(tmp_path, answers=answers), said.append)
    run_dir = tmp_path / results.run_id
    assert results.status == "passed", results.error
    written = rehearsal.Results.model_validate_json((run_dir / "results.json").read_text())
    assert written == results
    assert (run_dir / "report.html").is_file()
    assert any("tearing the environment down" in line for line in said), said
    assert [q.notes for q in results.questions if q.id == "notes"] == [
        "nginx came back after the runbook."
    ]
    assert TOKEN not in (run_dir / "journal.jsonl").read_text()
