"""From a run's journal to every file a reader opens: results.json, the reports, the case library.

Both the end of a run and ``rehearsal report`` / ``rehearsal findings`` come through here, so
a report rebuilt later is the same as the one written when the run ended.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from rehearsal.errors import PdfUnavailable, ReportsFolderFull, out_of_space
from rehearsal.journal.check import check_journal
from rehearsal.journal.events import Event
from rehearsal.journal.whole_files import write_whole
from rehearsal.results.derive import derive_results
from rehearsal.results.model import Results
from rehearsal.secrets.redaction import Redactor, redactor_from_file


@dataclass(frozen=True)
class ReportOptions:
    """How reports are worded and which extra formats are made; the journal decides the rest."""

    locale: str | None = None
    """None: the locale the run was started with (run.started), else English."""
    wording: Path | None = None
    pdf: bool = False


@dataclass(frozen=True)
class Rebuilt:
    results: Results
    paths: list[Path]
    notes: list[str] = field(default_factory=list)
    """Things the reader should know that are not errors: no PDF made, case library not updated."""


def rebuild(run_dir: Path, options: ReportOptions | None = None) -> Rebuilt:
    """Derive results from the journal, write results.json and the reports, index the run."""
    from rehearsal.report import cases, render_reports
    from rehearsal.report.pdf import write_pdf
    from rehearsal.report.trend import earlier_runs
    from rehearsal.report.wording import load_wording

    options = options or ReportOptions()
    checked = check_journal(run_dir)
    redact = run_redactor(checked.events)
    events = redact(checked.events) if redact else checked.events
    started = next(e for e in events if e["event"] == "run.started")
    wording = load_wording(options.locale or started.get("locale") or "en", options.wording)
    results = derive_results(events).model_copy(update={"journal_problems": checked.problems})
    earlier = earlier_runs(run_dir, results)
    try:
        write_whole(run_dir / "results.json", results.model_dump_json(indent=2) + "\n")
        paths = render_reports(results, events, run_dir, wording, earlier)
    except OSError as error:
        if not out_of_space(error):
            raise
        raise ReportsFolderFull(run_dir) from error
    notes: list[str] = []
    if options.pdf:
        try:
            paths.append(write_pdf(run_dir / "report.html", run_dir / "report.pdf"))
        except PdfUnavailable as missing:
            notes.append(str(missing))
    try:
        cases.index_run(run_dir.parent, run_dir, results)
    except sqlite3.Error as error:
        notes.append(f"the case library was not updated: {error}")
    return Rebuilt(results, paths, notes)


def run_redactor(events: list[Event]) -> Redactor | None:
    """Masks the run's secrets in what is rendered, even from a journal written before
    redaction existed; None when the profile named by the run is gone or has no secrets."""
    started = next((e for e in events if e["event"] == "run.started"), {})
    path = Path(str(started.get("profile", "")))
    return (redactor_from_file(path) or None) if path.is_file() else None
