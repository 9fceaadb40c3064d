"""report.md: the same story as the HTML report, for chat, tickets and Prefect artifacts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rehearsal.models.durations import format_duration
from rehearsal.report import response, summary
from rehearsal.report.wording import Wording
from rehearsal.results.model import Results


def render_markdown(results: Results, w: Wording) -> str:
    verdict = summary.verdict(results, w)
    start = results.started_at
    lines = [
        f"# {inline(results.title)}",
        "",
        f"**{inline(results.customer)}** · run `{inline(results.run_id)}` · "
        f"{summary.stamp(results.started_at)} → {summary.stamp(results.finished_at)}",
        "",
    ]
    as_at = response.rehearsed_as_at(results, w)
    if as_at:
        lines += [f"*{inline(as_at)}*", ""]
    lines += [
        f"> **{verdict.headline}.** {inline(verdict.sentence)}",
        "",
    ]
    if results.purpose:
        lines += [inline(results.purpose), ""]
    lines += _journal_problems(results, w)
    if results.services:
        lines += [f"## {w('heading.impact')}", ""]
        lines += [f"- {inline(s)}" for s in summary.impact_sentences(results, w)]
        lines += [f"- {inline(s)}" for s in response.calendar_sentences(results, w)]
        lines.append("")
    lines += _findings(results, w)
    lines += ["## Phases and steps", ""]
    lines += table(
        ("phase", "step", "type", "done by", "status", "started", "took", "budget"),
        (
            (
                f"{phase.attempt}: {phase.name}" if results.kind == "reproduction" else phase.name,
                step.label,
                step.type,
                step.done_by,
                step.status,
                summary.offset(step.started_at, start),
                _seconds(step.duration_s),
                _seconds(step.budget_s),
            )
            for phase in results.phases
            for step in phase.steps
        ),
    )
    if results.faults:
        lines += ["## Faults", ""]
        lines += table(
            ("fault", "type", "targets", "phase", "injected", "reverted", "revert"),
            (
                (
                    f.id,
                    f.type,
                    ", ".join(f.targets),
                    f.phase,
                    summary.offset(f.injected_at, start),
                    summary.offset(f.reverted_at, start),
                    f.revert_status,
                )
                for f in results.faults
            ),
        )
    lines += _jobs(results)
    lines += _reproduction(results) + _people(results) + _response(results) + _metrics(results, w)
    lines += _fidelity(results) + _glossary(w)
    return "\n".join(lines).rstrip() + "\n"


def _jobs(results: Results) -> list[str]:
    if not results.jobs:
        return []
    rows = (
        (
            j.name,
            j.node,
            j.phase or "—",
            "schedule" if j.trigger == "schedule" else "step",
            summary.offset(j.started_at, results.started_at),
            j.status,
            "—" if j.exit_code is None else str(j.exit_code),
            _seconds(j.duration_s),
            "; ".join(j.faults_active) or "none",
        )
        for j in results.jobs
    )
    headers = ("job", "node", "phase", "started by", "started", "status", "exit", "took", "faults")
    return ["## Batch jobs", "", *table(headers, rows)]


def _reproduction(results: Results) -> list[str]:
    if results.kind != "reproduction":
        return []
    rows = (
        (
            str(a.attempt),
            str(a.seed),
            "yes" if a.reproduced else "no",
            a.first_seen_phase or "—",
        )
        for a in results.attempt_results
    )
    return [
        "## Reproduction",
        "",
        f"Symptom: {inline(results.symptom or '')}",
        "",
        *table(("attempt", "seed", "reproduced", "first seen in phase"), rows),
    ]


def _people(results: Results) -> list[str]:
    lines: list[str] = []
    if results.questions:
        rows = (
            (
                q.id,
                q.phase,
                q.person,
                q.instruction,
                q.outcome,
                q.answered_by or "—",
                _seconds(q.waited_s),
                q.notes,
            )
            for q in results.questions
        )
        headers = ("id", "phase", "asked", "what", "answer", "answered by", "waited", "notes")
        lines += ["## People in the loop", "", *table(headers, rows)]
    if results.loads:
        loads = (
            (ld.name, ld.phase, str(ld.requests), str(ld.errors), f"{ld.error_rate:.1%}")
            for ld in results.loads
        )
        load_headers = ("load", "phase", "requests", "failed", "error rate")
        lines += ["## Background load", "", *table(load_headers, loads)]
    return lines


def _response(results: Results) -> list[str]:
    lines: list[str] = []
    for heading, (headers, rows) in response.tables(results):
        lines += [f"## {heading}", "", *table(headers, rows)]
    return lines


def _findings(results: Results, w: Wording) -> list[str]:
    heading = f"## {w('heading.findings')}"
    if not results.findings:
        return [heading, "", w("heading.no_findings"), ""]
    rows = (
        (
            f.id,
            w(f"severity.{f.severity}"),
            f.category,
            f.title,
            f.recommendation or "",
            f.phase or "",
            f.owner or "",
            w(f"status.{f.status}"),
        )
        for f in summary.by_severity(results.findings)
    )
    headers = (
        "id",
        "severity",
        "category",
        "finding",
        "recommendation",
        "phase",
        "owner",
        "status",
    )
    return [heading, "", *table(headers, rows)]


def _fidelity(results: Results) -> list[str]:
    if not results.fidelity:
        return []
    differing = sum(not fact.matches for fact in results.fidelity)
    lines = [
        "## Fidelity: the mirror against the profile",
        "",
        f"{len(results.fidelity) - differing} of {len(results.fidelity)} facts match"
        + (f"; **{differing} differ**." if differing else "."),
        "",
    ]
    return lines + table(
        ("node", "what", "name", "profile", "mirror", "matches"),
        (
            (f.node, f.aspect, f.name, f.expected, f.actual, "yes" if f.matches else "**NO**")
            for f in results.fidelity
        ),
    )


def _glossary(w: Wording) -> list[str]:
    said = [f"- {w('glossary.' + key)}" for key in summary.GLOSSARY]
    return [f"## {w('glossary.heading')}", "", *said]


def _journal_problems(results: Results, w: Wording) -> list[str]:
    if not results.journal_problems:
        return []
    said = [f"- {inline(problem)}" for problem in results.journal_problems]
    return [f"## {w('heading.journal_problems')}", "", *said, ""]


def _metrics(results: Results, w: Wording) -> list[str]:
    m = results.metrics
    within = {True: "yes", False: "no", None: "—"}[m.within_rto]
    rows = [
        ("measured on probe", m.measured_probe or "—"),
        ("time to detect", _seconds(m.time_to_detect_s)),
        ("time to recover", _seconds(m.time_to_recover_s)),
        ("outage", _seconds(m.outage_s)),
        ("recovery target (RTO)", _seconds(m.rto_s)),
        ("within RTO", within),
    ]
    lines = [
        "## Metrics",
        "",
        *summary.metrics_scope(results, w),
        *table(("metric", "value"), rows),
    ]
    if results.criteria:
        criteria = ((c.name, "met" if c.met else "NOT met", c.detail) for c in results.criteria)
        lines += ["## Criteria", "", *table(("criterion", "result", "detail"), criteria)]
    return lines


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = [_row(headers), _row(["---"] * len(headers))]
    out += [_row(row) for row in rows]
    return [*out, ""]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def cell(text: str) -> str:
    """A table cell holds one line, and a bare ``|`` would end it early."""
    return inline(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def inline(text: str) -> str:
    # Markdown viewers render raw HTML; user-written names must not become tags.
    return text.replace("<", "&lt;")


def _seconds(value: float | None) -> str:
    return "—" if value is None else format_duration(value)
