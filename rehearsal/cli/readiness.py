"""The commands that read a whole reports folder: what is still open across its runs
(``findings --open``) and the go-live readiness page (``readiness``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rehearsal.cli.console import err, out, say_plainly
from rehearsal.cli.options import DEFAULT_OUT, DEFAULT_SCENARIOS
from rehearsal.journal.whole_files import write_whole

if TYPE_CHECKING:
    from rehearsal.report.finding_history import ReportsFolder
    from rehearsal.report.readiness import DrillSlot

ReportsDir = Annotated[Path, typer.Argument(help="the reports folder (run folders side by side)")]
Customer = Annotated[str | None, typer.Option(help="only this customer")]


def _folder(reports: Path) -> ReportsFolder:
    from rehearsal.report.finding_history import read_folder

    if not reports.is_dir():
        err.print(f"{reports}: no such folder; pass a reports folder", highlight=False)
        raise typer.Exit(2)
    folder = read_folder(reports)
    for skipped in folder.skipped:
        say_plainly(f"skipped {skipped.folder}: {skipped.reason}")
    return folder


def findings_open(
    reports: ReportsDir = DEFAULT_OUT,
    customer: Customer = None,
    owner: Annotated[str | None, typer.Option(help="only findings this person owns")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """What is still open across every run of a reports folder, worst first.

    Each finding once (the same problem in every run), with when it was first and last
    seen, in how many runs, and the owner and status last decided in any of them.
    """
    from rich.table import Table

    from rehearsal.report.finding_history import still_open

    folder = _folder(reports)
    now = datetime.now(UTC)
    found = still_open(folder, customer, owner)
    rows = [
        {
            "key": f.key,
            "severity": f.severity,
            "title": f.title,
            "customer": f.customer,
            "scenario": f.scenario,
            "first_seen": {"run_id": f.first_seen.run_id, "at": f.first_seen.at.isoformat()},
            "last_seen": {"run_id": f.last_seen.run_id, "at": f.last_seen.at.isoformat()},
            "runs_seen": f.runs_seen,
            "owner": f.owner,
            "status": f.status,
            "age_days": f.age_days(now),
        }
        for f in found
    ]
    if as_json:
        skipped = [{"folder": str(s.folder), "reason": s.reason} for s in folder.skipped]
        print(json.dumps({"open": rows, "skipped": skipped}, indent=2, ensure_ascii=False))
        return
    table = Table(
        "key", "severity", "title", "customer", "scenario", "first seen", "last seen",
        "runs", "owner", "status", "age (days)",
    )  # fmt: skip
    for row, f in zip(rows, found, strict=True):
        table.add_row(
            f.key, f.severity, f.title, f.customer, f.scenario,
            f"{f.first_seen.at:%Y-%m-%d} {f.first_seen.run_id}",
            f"{f.last_seen.at:%Y-%m-%d} {f.last_seen.run_id}",
            str(f.runs_seen), f.owner or "—", f.status, str(row["age_days"]),
        )  # fmt: skip
    out.print(table if found else f"nothing open in {reports}", highlight=False)


def readiness(
    reports: ReportsDir = DEFAULT_OUT,
    customer: Customer = None,
    cutover: Annotated[
        str | None, typer.Option(help="the go-live day, YYYY-MM-DD (default: the drills' until:)")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="where readiness.html/.md go")] = Path("."),
    drills: Annotated[
        Path | None, typer.Option(help="drills file: which scheduled drills ran")
    ] = None,
    scenarios: Annotated[
        Path, typer.Option(help="the folder the drills file's paths are relative to")
    ] = DEFAULT_SCENARIOS,
    within_days: Annotated[
        int, typer.Option(help="every runbook must have been rehearsed this recently")
    ] = 30,
) -> None:
    """Write the go-live readiness page (readiness.html and readiness.md): per customer and
    business service, what was rehearsed and how it went, open findings, drills, and a go /
    no-go verdict with its reasons and the rule it follows."""
    from rehearsal.report.readiness import Rule
    from rehearsal.report.readiness import readiness as build
    from rehearsal.report.readiness_page import render_readiness_html, render_readiness_markdown

    folder = _folder(reports)
    now = datetime.now(UTC)
    day = _day(cutover) if cutover else None
    slots, last_day = _drill_slots(drills, scenarios, now, within_days, day)
    day = day or last_day
    page = build(folder, now, Rule(within_days), day, slots, customer)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_whole(out_dir / "readiness.html", render_readiness_html(page))
    write_whole(out_dir / "readiness.md", render_readiness_markdown(page))
    for c in page.customers:
        out.print(f"{c.customer}: {c.verdict.state}", markup=False, highlight=False)
    out.print(f"written: {out_dir / 'readiness.html'}, {out_dir / 'readiness.md'}", highlight=False)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        err.print(f"--cutover {text!r}: write the day as YYYY-MM-DD", highlight=False)
        raise typer.Exit(2) from None


def _drill_slots(
    drills: Path | None, scenarios: Path, now: datetime, within_days: int, cutover: date | None
) -> tuple[list[DrillSlot], date | None]:
    """The drills' starts from ``within_days`` ago to the cutover, and the cutover the drills
    file names (its latest ``until:``) when none was given."""
    from rehearsal.errors import InvalidInput
    from rehearsal.models.drills import DrillsFile
    from rehearsal.models.loading import validate_model
    from rehearsal.models.yamlfile import read_yaml
    from rehearsal.report.readiness import DrillSlot
    from rehearsal.scenarios.drill_windows import starts_between
    from rehearsal.scenarios.planning import drill_calendar

    if drills is None:
        return [], None
    try:
        listed = validate_model(DrillsFile, read_yaml(drills)).drills
    except InvalidInput as bad:
        say_plainly(str(bad))
        raise typer.Exit(2) from None
    last_day = max((d.until for d in listed if d.until), default=None)
    end_day = cutover or last_day
    until = (
        datetime.combine(end_day + timedelta(days=1), time(), UTC)
        if end_day
        else now + timedelta(days=30)
    )
    slots = []
    for drill in listed:
        calendar = None
        if drill.cron is None and drill.rrule is None:
            try:
                calendar = drill_calendar(drill, scenarios)
            except (InvalidInput, OSError) as unreadable:
                say_plainly(
                    f"drill {drill.name}: its maintenance windows are unknown ({unreadable})"
                )
        since = now - timedelta(days=within_days)
        slots += [
            DrillSlot(drill.name, drill.scenario, at)
            for at in starts_between(drill, calendar, since, until)
        ]
    return slots, last_day
