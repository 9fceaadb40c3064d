"""Findings followed across the runs of a reports folder: the same problem found again is the
same finding (its key), with when it was first and last seen, the run that no longer found
it, and the owner and status people last decided for it in any run.

    folder = read_folder(Path("reports"))
    for finding in still_open(folder, customer="Acme Retail"):
        print(finding.key, finding.first_seen.run_id, finding.age_days(now))

A run folder that cannot be read (no results.json, damaged, another tool's) is kept in
``folder.skipped`` with the reason, never an error: one bad folder must not hide the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from rehearsal.journal.check import NotAJournal, check_journal
from rehearsal.models.vocabulary import Severity
from rehearsal.results.derive import derive_results
from rehearsal.results.findings import finding_key
from rehearsal.results.model import Finding, Results

SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class Skipped:
    folder: Path
    reason: str


@dataclass(frozen=True)
class Series:
    """The runs of one scenario for one customer, oldest first."""

    customer: str
    scenario: str
    title: str
    runs: list[Results]


@dataclass(frozen=True)
class ReportsFolder:
    series: list[Series]
    skipped: list[Skipped]


@dataclass(frozen=True)
class Seen:
    run_id: str
    at: datetime


@dataclass(frozen=True)
class FollowedFinding:
    key: str
    severity: Severity
    category: str
    title: str
    customer: str
    scenario: str
    """The scenario's title, as people name it."""
    first_seen: Seen
    last_seen: Seen
    runs_seen: int
    fixed_in: Seen | None
    """The first run of the scenario after the last one that found it."""
    owner: str | None
    status: str

    @property
    def open(self) -> bool:
        return self.status == "open" and self.fixed_in is None

    def age_days(self, now: datetime) -> int:
        return max((now - self.first_seen.at).days, 0)


def read_folder(reports: Path) -> ReportsFolder:
    """Every run of ``reports`` grouped into series; what cannot be read, with why."""
    found: dict[tuple[str, str], list[Results]] = {}
    skipped: list[Skipped] = []
    folders = sorted(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        results = _read_run(folder)
        if isinstance(results, str):
            skipped.append(Skipped(folder, results))
            continue
        found.setdefault((results.customer, results.scenario), []).append(results)
    series = [
        Series(customer, scenario, runs[-1].title, runs)
        for (customer, scenario), unordered in sorted(found.items())
        for runs in [sorted(unordered, key=lambda r: r.started_at)]
    ]
    return ReportsFolder(series, skipped)


def _read_run(folder: Path) -> Results | str:
    """The run's results, keyed; or why they cannot be had."""
    path = folder / "results.json"
    if not path.is_file():
        if _has_journal(folder):
            return f"no results.json beside its journal; run `rehearsal report {folder}`"
        return "not a run folder: no results.json and no journal.jsonl"
    try:
        results = Results.model_validate_json(path.read_bytes())
    except OSError as error:
        return f"results.json cannot be read: {error.strerror or error}"
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        return f"results.json is damaged or not rehearsal's: {where}: {first['msg']}"
    if any(f.key is None for f in results.findings):
        return _keyed(folder, results)
    return results


def _has_journal(folder: Path) -> bool:
    return (folder / "journal.jsonl").is_file()


def _keyed(folder: Path, results: Results) -> Results:
    """Results written before findings had keys: keyed from the journal, as a rebuild would
    key them; without a journal, each finding by its category and title."""
    if _has_journal(folder):
        try:
            derived = derive_results(check_journal(folder).events)
        except (NotAJournal, ValueError, KeyError, OSError):
            derived = None
        if derived is not None:
            keys = {f.id: f.key for f in derived.findings}
            return _with_keys(results, lambda f: keys.get(f.id))
    return _with_keys(results, lambda f: None)


def _with_keys(results: Results, key_of: Callable[[Finding], str | None]) -> Results:
    findings = [
        f
        if f.key
        else f.model_copy(update={"key": key_of(f) or finding_key(f.category, {"title": f.title})})
        for f in results.findings
    ]
    return results.model_copy(update={"findings": findings})


def followed(series: Series) -> list[FollowedFinding]:
    """Each distinct finding of the series, from its first run to the run that fixed it."""
    seen: dict[str, list[tuple[int, Finding]]] = {}
    for index, run in enumerate(series.runs):
        for finding in run.findings:
            assert finding.key is not None
            instances = seen.setdefault(finding.key, [])
            if not instances or instances[-1][0] != index:  # one a run: attempts repeat it
                instances.append((index, finding))
    return [_follow(series, key, instances) for key, instances in seen.items()]


def _follow(series: Series, key: str, instances: list[tuple[int, Finding]]) -> FollowedFinding:
    runs = series.runs
    first_index, last_index = instances[0][0], instances[-1][0]
    latest = instances[-1][1]
    owner, status, decided_at = _decision(f for _, f in instances)
    if status == "fixed" and decided_at is not None and runs[last_index].started_at > decided_at:
        status = "open"  # marked fixed, then found again
    after = runs[last_index + 1] if last_index + 1 < len(runs) else None
    return FollowedFinding(
        key=key,
        severity=latest.severity,
        category=latest.category,
        title=latest.title,
        customer=series.customer,
        scenario=series.title,
        first_seen=_seen(runs[first_index]),
        last_seen=_seen(runs[last_index]),
        runs_seen=len(instances),
        fixed_in=_seen(after) if after is not None else None,
        owner=owner,
        status=status,
    )


def _decision(instances: Iterable[Finding]) -> tuple[str | None, str, datetime | None]:
    """The owner and status last decided in any run (the latest decision wins), and when the
    status was decided; without a decision, the latest run's own."""
    found = list(instances)
    owner, status = found[-1].owner, str(found[-1].status)
    status_at: datetime | None = None
    for change in sorted((c for f in found for c in f.history), key=lambda c: c.at):
        owner = change.changes.get("owner", owner)
        if "status" in change.changes:
            status, status_at = change.changes["status"], change.at
    return owner, status, status_at


def _seen(run: Results) -> Seen:
    return Seen(run.run_id, run.started_at)


def still_open(
    folder: ReportsFolder, customer: str | None = None, owner: str | None = None
) -> list[FollowedFinding]:
    """What is still open across the folder, worst first, then oldest first."""
    found = [
        finding
        for series in folder.series
        if customer is None or series.customer == customer
        for finding in followed(series)
        if finding.open and (owner is None or finding.owner == owner)
    ]
    return sorted(found, key=lambda f: (SEVERITY_ORDER.index(f.severity), f.first_seen.at))
