"""The commands that work on finished runs: rebuilding reports, findings triage, comparing
runs, past cases. Like every command, they import their libraries inside, so ``rehearsal
--help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rehearsal.cli.console import err, out, say_plainly
from rehearsal.cli.options import Locale
from rehearsal.cli.readiness import findings_open
from rehearsal.journal.whole_files import write_whole

RunDir = Annotated[Path, typer.Argument(help="a run folder (reports/<run-id>)")]
By = Annotated[str, typer.Option("--by", help="who decides (recorded with the change)")]
Opt = Annotated[str | None, typer.Option()]


class _ListByDefault(typer.core.TyperGroup):
    """``rehearsal findings RUN_DIR`` lists; ``findings add|edit`` change; ``findings --open
    REPORTS_DIR`` lists what is open across a reports folder (as ``findings open``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] == "--open":
            args = ["open", *args[1:]]
        elif args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


def report(
    run_dir: Annotated[Path, typer.Argument(help="a run folder")],
    locale: Locale = None,
    wording: Annotated[
        Path | None, typer.Option(help="a YAML file overriding wording keys (see locales/en.yaml)")
    ] = None,
    pdf: Annotated[bool, typer.Option(help="also print report.pdf with headless Chromium")] = False,
) -> None:
    """Rebuild results.json, the reports and the case-library entry from a run's journal.

    A journal cut short or from an older version still gives a report, which says what the
    journal lacked.
    """
    from rehearsal import ReportOptions, rebuild
    from rehearsal.errors import PdfUnavailable
    from rehearsal.journal.check import NotAJournal

    if not (run_dir / "journal.jsonl").is_file():
        err.print(f"{run_dir}: no journal.jsonl here; pass a run folder", highlight=False)
        raise typer.Exit(2)
    try:
        done = rebuild(run_dir, ReportOptions(locale, wording, pdf))
    except NotAJournal as not_one:
        say_plainly(str(not_one))
        raise typer.Exit(2) from None
    for problem in done.results.journal_problems:
        say_plainly(f"note: {problem}")
    for note in done.notes:
        say_plainly(note)
    out.print(f"{done.results.status}: {run_dir / 'report.html'}", highlight=False)
    if pdf and not any(path.suffix == ".pdf" for path in done.paths):
        raise typer.Exit(PdfUnavailable.exit_code)


findings_app = typer.Typer(
    cls=_ListByDefault,
    no_args_is_help=True,
    help="A run's findings: `rehearsal findings RUN_DIR` lists them (as `findings list`); "
    "`add` records a new one, `edit` a decision (owner, status, severity). Changes are "
    "appended to the run's journal and every report is rebuilt. "
    "`rehearsal findings --open [REPORTS_DIR]` lists what is still open across the runs of a "
    "reports folder.",
)
cases_app = typer.Typer(no_args_is_help=True, help="Search past runs and findings by their words.")


def _rebuilt(run_dir: Path) -> None:
    from rehearsal import rebuild

    done = rebuild(run_dir)
    for note in done.notes:
        say_plainly(note)
    out.print(f"reports rebuilt: {run_dir / 'report.html'}", highlight=False)


findings_app.command("open")(findings_open)


@findings_app.callback()
def _findings_group(
    _open: Annotated[
        bool,
        typer.Option(
            "--open",
            help="list what is still open across a reports folder, as `findings open` "
            "(see its --help)",
        ),
    ] = False,
) -> None:
    """Only declares ``--open`` for help: ``_ListByDefault`` turns it into ``open``."""


@findings_app.command("list")
def findings_list(run_dir: RunDir) -> None:
    """Print the run's findings, worst first, with owner and status."""
    from rich.table import Table

    from rehearsal.report.summary import by_severity
    from rehearsal.report.triage import current_findings

    findings = by_severity(current_findings(run_dir))
    table = Table("id", "severity", "category", "title", "owner", "status", "phase")
    for f in findings:
        table.add_row(f.id, f.severity, f.category, f.title, f.owner or "", f.status, f.phase or "")
    out.print(table if findings else "no findings")


@findings_app.command("add")
def findings_add(
    run_dir: RunDir,
    severity: Annotated[str, typer.Option(help="critical, high, medium, low or info")],
    category: Annotated[str, typer.Option(help="procedure, monitoring, configuration, …")],
    title: Annotated[str, typer.Option(help="the finding in one line")],
    by: By,
    detail: Opt = None,
    recommendation: Opt = None,
    owner: Opt = None,
    phase: Opt = None,
) -> None:
    """Add a finding people made after the run."""
    from rehearsal.report.triage import add_finding

    fields = {
        "severity": severity,
        "category": category,
        "title": title,
        "detail": detail,
        "recommendation": recommendation,
        "owner": owner,
        "phase": phase,
        "status": "open",
    }
    finding_id = add_finding(run_dir, by, fields)
    out.print(f"added {finding_id}", highlight=False)
    _rebuilt(run_dir)


@findings_app.command("edit")
def findings_edit(
    run_dir: RunDir,
    finding_id: Annotated[str, typer.Argument(metavar="ID", help="the finding's id")],
    by: By,
    status: Annotated[str | None, typer.Option(help="open, accepted, fixed or wont-fix")] = None,
    owner: Opt = None,
    severity: Opt = None,
    category: Opt = None,
    title: Opt = None,
    detail: Opt = None,
    recommendation: Opt = None,
    phase: Opt = None,
) -> None:
    """Record a decision about a finding: who owns it, its status, a corrected severity…"""
    from rehearsal.report.triage import edit_finding

    changes = {
        "status": status,
        "owner": owner,
        "severity": severity,
        "category": category,
        "title": title,
        "detail": detail,
        "recommendation": recommendation,
        "phase": phase,
    }
    edit_finding(run_dir, finding_id, by, changes)
    out.print(f"{finding_id} changed", highlight=False)
    _rebuilt(run_dir)


def compare(
    run_dirs: Annotated[list[Path], typer.Argument(help="run folders, in any order")],
    out_dir: Annotated[Path, typer.Option("--out", help="where compare.html/.md go")] = Path("."),
) -> None:
    """How detection, recovery, runbook step times, findings and reproduction changed."""
    from rich.table import Table

    from rehearsal.report.compare import compare as compare_runs
    from rehearsal.report.compare import render_compare_html, render_compare_markdown
    from rehearsal.report.trend import load_point

    points = []
    for run_dir in run_dirs:
        point = load_point(run_dir)
        if point is None:
            err.print(f"{run_dir}: no readable results.json; run `rehearsal report {run_dir}`")
            raise typer.Exit(2)
        points.append(point)
    comparison = compare_runs(points)
    table = Table("measure", *(p.run_id for p in comparison.runs), "change")
    for row in comparison.rows:
        table.add_row(row.measure, *row.values, row.change)
    out.print(table)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_whole(out_dir / "compare.md", render_compare_markdown(comparison))
    write_whole(out_dir / "compare.html", render_compare_html(comparison))
    out.print(f"written: {out_dir / 'compare.html'}, {out_dir / 'compare.md'}", highlight=False)


@cases_app.command("search")
def cases_search(
    words: Annotated[str, typer.Argument(help='words to find, e.g. "connection pool"')],
    reports: Annotated[Path, typer.Option(help="the reports folder")] = Path("reports"),
) -> None:
    """Find past runs whose titles, findings, symptoms or analysts' notes hold every word."""
    from rehearsal.report.cases import search

    hits = search(reports, words)
    if not hits:
        out.print(f"nothing in {reports} matches {words!r}", markup=False, highlight=False)
        return
    # One block a hit, not a table: run ids and report paths must never be cut short.
    for hit in hits:
        out.print(
            f"{hit.run_id}  {hit.started_at[:10]}  {hit.customer} — {hit.title} [{hit.status}]\n"
            f"  {hit.matched}\n  {hit.report}",
            markup=False,
            highlight=False,
        )


@cases_app.command("reindex")
def cases_reindex(
    reports: Annotated[Path, typer.Argument(help="the reports folder")] = Path("reports"),
) -> None:
    """Rebuild the case library (cases.db) from every run folder's results.json."""
    from rehearsal.report.cases import reindex

    if not reports.is_dir():
        err.print(f"{reports}: no such folder", highlight=False)
        raise typer.Exit(2)
    out.print(f"{reindex(reports)} run(s) indexed in {reports / 'cases.db'}", highlight=False)
