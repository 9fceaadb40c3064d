"""A reports folder of real-looking runs: the webshop drill's journal (tests/drill_journal.py)
with the findings and decisions a test needs, and results.json derived from it as a run
writes it (without rendering the reports, which these tests do not read)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rehearsal.journal.check import check_journal
from rehearsal.journal.whole_files import write_whole
from rehearsal.results.derive import derive_results
from rehearsal.results.model import Results
from tests.drill_journal import T0, write_drill_journal


def finding(
    at: datetime, id: str, title: str, about: dict[str, str] | None, **fields: Any
) -> dict[str, Any]:
    event = {
        "at": at.isoformat(),
        "event": "finding",
        "id": id,
        "severity": fields.pop("severity", "high"),
        "category": fields.pop("category", "procedure"),
        "title": title,
        "detail": fields.pop("detail", "seen in the drill"),
        "phase": "lose the active app server",
        **fields,
    }
    if about is not None:
        event["about"] = about
    return event


def decision(at: datetime, id: str, by: str = "J. Park", **changes: str) -> dict[str, Any]:
    return {"at": at.isoformat(), "event": "finding.edited", "id": id, "by": by, "changes": changes}


def write_run(
    reports: Path,
    day: float,
    extra: list[dict[str, Any]] | None = None,
    name: str | None = None,
    **journal: Any,
) -> Results:
    """Run ``day`` days after T0, its results.json written; ``extra`` events are given times
    relative to the run's start by the caller (use :func:`at`)."""
    run_id = name or f"run-{day:g}"
    run_dir = write_drill_journal(
        reports / run_id, run_id=run_id, start=at(day, 0), extra=extra or [], **journal
    )
    results = derive_results(check_journal(run_dir).events)
    write_whole(run_dir / "results.json", results.model_dump_json(indent=2))
    return results


def rewrite(reports: Path, run_id: str, **metrics: object) -> None:
    """Change a run's measured figures in its results.json (a recovery the short test
    journal cannot take long enough to show)."""
    path = reports / run_id / "results.json"
    results = Results.model_validate_json(path.read_bytes())
    changed = results.metrics.model_copy(update=metrics)
    write_whole(path, results.model_copy(update={"metrics": changed}).model_dump_json(indent=2))


def at(day: float, seconds: float = 75.0) -> datetime:
    return T0 + timedelta(days=day, seconds=seconds)
