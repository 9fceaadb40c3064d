"""Findings reports of a run: report.html and report.md for people, junit.xml for CI; the
rebuild from a journal, the case library, and findings triage.

May import: ``rehearsal.errors``, ``models``, ``journal``, ``secrets``, ``results``, and
``scenarios.mail`` to send the notice the way alerts are mailed.

from rehearsal.report import render_reports
paths = render_reports(results, events, run_dir)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rehearsal.journal.events import Event
from rehearsal.journal.whole_files import write_whole
from rehearsal.models.calendar import Calendar
from rehearsal.report.html import render_html
from rehearsal.report.junit import write_junit
from rehearsal.report.markdown import render_markdown
from rehearsal.report.notice import render_notice
from rehearsal.report.trend import RunPoint
from rehearsal.report.wording import Wording, load_wording
from rehearsal.results.model import Results

__all__ = ["render_reports"]


def render_reports(
    results: Results,
    events: list[Event],
    out_dir: Path,
    wording: Wording | None = None,
    earlier: Sequence[RunPoint] = (),
) -> list[Path]:
    """Write report.html, report.md, notice.md and junit.xml into out_dir; return their paths.

    ``earlier`` are runs of the same scenario before this one, for the trend section.
    """
    w = wording or load_wording()
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / "report.html"
    write_whole(html, render_html(results, events, w, earlier))
    markdown = out_dir / "report.md"
    write_whole(markdown, render_markdown(results, w))
    notice = out_dir / "notice.md"
    write_whole(notice, render_notice(results, w, _calendar(events)))
    return [html, markdown, notice, write_junit(results, out_dir / "junit.xml")]


def _calendar(events: list[Event]) -> Calendar | None:
    started = next((e for e in events if e["event"] == "run.started"), {})
    raw = started.get("calendar")
    return Calendar.model_validate(raw) if raw else None
