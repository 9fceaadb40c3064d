"""report.html: one self-contained page; the customer's summary first, engineers' detail after."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import jinja2
from markupsafe import Markup

from rehearsal.journal.events import Event
from rehearsal.models.durations import format_duration
from rehearsal.report import response, summary
from rehearsal.report.budgets import render_budgets
from rehearsal.report.timeline import probe_bands, render_timeline
from rehearsal.report.trend import RunPoint
from rehearsal.report.wording import Wording
from rehearsal.results.model import ProbeHistory, Results

JOURNAL_LIMIT = 2000
FIELD_LIMIT = 2000


@dataclass(frozen=True)
class JournalLine:
    at: str
    event: str
    fields: str


@dataclass(frozen=True)
class ProbeStretch:
    state: str
    start: str
    end: str
    took: str


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rehearsal.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = lambda s: "—" if s is None else format_duration(s)
    env.filters["stamp"] = summary.stamp
    return env


def render_html(
    results: Results,
    events: list[Event],
    w: Wording,
    earlier: Sequence[RunPoint] = (),
) -> str:
    budgets = render_budgets(results)
    template = environment().get_template("report.html.j2")
    return template.render(
        r=results,
        w=w,
        earlier=earlier,
        verdict=summary.verdict(results, w),
        impacts=summary.impact_sentences(results, w),
        calendar=response.calendar_sentences(results, w),
        rehearsed_as_at=response.rehearsed_as_at(results, w),
        response_tables=response.tables(results),
        went_well=summary.went_well(results, w),
        metrics_scope=summary.metrics_scope(results, w),
        must_change=summary.must_change(results),
        next_steps=summary.next_steps(results, w),
        findings=summary.by_severity(results.findings),
        glossary=summary.GLOSSARY,
        offset=lambda at: summary.offset(at, results.started_at),
        # Both pictures are built with ElementTree, which escapes every user-written name.
        timeline_svg=Markup(render_timeline(results)),
        budgets_svg=Markup(budgets) if budgets else None,
        probes=[(p, _stretches(p, results)) for p in results.probes],
        journal=_journal(events[-JOURNAL_LIMIT:]),
        journal_total=len(events),
    )


def _stretches(probe: ProbeHistory, results: Results) -> list[ProbeStretch]:
    """A probe's history as up/down stretches: changes read well, thousands of samples do not."""
    end = results.finished_at or max((s.at for s in probe.samples), default=results.started_at)
    return [
        ProbeStretch(
            "up" if band.ok else "down",
            summary.offset(band.start, results.started_at),
            summary.offset(band.end, results.started_at),
            format_duration((band.end - band.start).total_seconds()),
        )
        for band in probe_bands(probe, end)
    ]


def _journal(events: list[Event]) -> list[JournalLine]:
    lines = []
    for event in events:
        rest = {k: v for k, v in event.items() if k not in ("at", "event")}
        fields = json.dumps(rest, ensure_ascii=False, default=str)
        if len(fields) > FIELD_LIMIT:
            fields = fields[:FIELD_LIMIT] + " … (cut; see journal.jsonl)"
        lines.append(JournalLine(str(event.get("at", "")), str(event.get("event", "")), fields))
    return lines
