"""One run reduced to the numbers that are compared across runs of the same scenario.

Used by the "Earlier runs" section of report.html and by ``rehearsal compare``; read from
each run's results.json, which is itself derived from its journal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from rehearsal.models.vocabulary import Severity
from rehearsal.results.model import Results

EARLIER_LIMIT = 10


@dataclass(frozen=True)
class RunPoint:
    run_id: str
    run_dir: Path | None
    title: str
    scenario: str
    started_at: datetime
    status: str
    time_to_detect_s: float | None
    time_to_recover_s: float | None
    within_rto: bool | None
    findings: dict[Severity, int]
    reproduction_rate: float | None
    step_times: dict[str, float]
    """Runbook step ("1. Switch the load balancer") → seconds it took."""
    response: dict[str, float] = field(default_factory=dict)
    """Response figure by phase and by person ("acknowledge: lose app1") → seconds."""

    @property
    def findings_total(self) -> int:
        return sum(self.findings.values())

    def same_scenario(self, other: RunPoint) -> bool:
        return self.scenario == other.scenario or self.title == other.title


def point_of(results: Results, run_dir: Path | None = None) -> RunPoint:
    steps = {
        f"{sub.index}. {sub.say}": sub.duration_s
        for phase in results.phases
        for step in phase.steps
        for sub in step.runbook_steps
        if sub.duration_s is not None
    }
    metrics = results.metrics
    return RunPoint(
        run_id=results.run_id,
        run_dir=run_dir,
        title=results.title,
        scenario=results.scenario,
        started_at=results.started_at,
        status=results.status,
        time_to_detect_s=metrics.time_to_detect_s,
        time_to_recover_s=metrics.time_to_recover_s,
        within_rto=metrics.within_rto,
        findings=dict(Counter(f.severity for f in results.findings)),
        reproduction_rate=results.reproduction_rate,
        step_times=steps,
        response=response_figures(results),
    )


def response_figures(results: Results) -> dict[str, float]:
    figures: dict[str, float] = {}
    for r in results.response:
        phase = r.phase if r.attempt == 1 else f"{r.attempt}: {r.phase}"
        for measure, value in (
            ("alert", r.time_to_alert_s),
            ("acknowledge", r.time_to_acknowledge_s),
            ("handling", r.handling_s),
            ("waiting for people", r.waiting_for_people_s),
        ):
            if value is not None:
                figures[f"{measure}: {phase}"] = value
    for p in results.responders:
        if p.mean_time_to_acknowledge_s is not None:
            figures[f"acknowledge (mean): {p.person}"] = p.mean_time_to_acknowledge_s
        if p.waited_for_s is not None:
            figures[f"kept waiting: {p.person}"] = p.waited_for_s
    return figures


def load_results(run_dir: Path) -> Results | None:
    """The run's results, or None when it has no readable results.json (not a run, or broken)."""
    try:
        return Results.model_validate_json((run_dir / "results.json").read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def load_point(run_dir: Path) -> RunPoint | None:
    results = load_results(run_dir)
    return None if results is None else point_of(results, run_dir)


def earlier_runs(run_dir: Path, results: Results) -> list[RunPoint]:
    """Runs of the same scenario started before this one in the same folder, oldest first."""
    this = point_of(results)
    found = [
        point
        for child in run_dir.parent.iterdir()
        if child.is_dir() and child.resolve() != run_dir.resolve()
        for point in [load_point(child)]
        if point is not None and point.same_scenario(this) and point.started_at < this.started_at
    ]
    return sorted(found, key=lambda p: p.started_at)[-EARLIER_LIMIT:]
