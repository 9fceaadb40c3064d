"""The people table says who really answered: the person, or what stood in for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rehearsal.runs.session import write_results
from tests.drill_journal import write_drill_journal


def _with_source(run_dir: Path, source: str | None) -> Path:
    journal = run_dir / "journal.jsonl"
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    for event in events:
        if event["event"] == "question.answered" and source is not None:
            event["source"] = source
    journal.write_text("".join(json.dumps(e) + "\n" for e in events))
    return run_dir


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("answers file", "answers file (scripted), for Sato Ren"),
        ("console", "Sato Ren"),
        (None, "unknown (source unknown), for Sato Ren"),
    ],
)
def test_an_answer_is_credited_to_whoever_gave_it(
    tmp_path: Path, source: str | None, shown: str
) -> None:
    run_dir = _with_source(write_drill_journal(tmp_path / "run"), source)
    write_results(run_dir)
    markdown = (run_dir / "report.md").read_text()
    people = markdown[markdown.index("## People in the loop") :]
    assert "| answered by |" in people.splitlines()[2]
    row = next(line for line in people.splitlines() if line.startswith("| o1 |"))
    assert f"| {shown} |" in row
    html = (run_dir / "report.html").read_text()
    assert f"<td>{shown}</td>" in html
    results = json.loads((run_dir / "results.json").read_text())
    assert results["questions"][0]["answered_by"] == shown
