"""How a series of runs changed: one row a measure, one column a run, oldest first.

table = compare(points)            # points from trend.load_point, any order
Path("compare.md").write_text(render_compare_markdown(table))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import get_args

from rehearsal.models.durations import format_duration
from rehearsal.models.vocabulary import Severity
from rehearsal.report import summary
from rehearsal.report.markdown import inline, table
from rehearsal.report.trend import RunPoint


@dataclass(frozen=True)
class Row:
    measure: str
    values: list[str]
    change: str
    """Last run against the first, in words ("−3.2 s", "+1"), or "" when not comparable."""


@dataclass(frozen=True)
class Comparison:
    runs: list[RunPoint]
    rows: list[Row]


def compare(points: Sequence[RunPoint]) -> Comparison:
    runs = sorted(points, key=lambda p: p.started_at)
    rows = [
        Row("started", [summary.stamp(p.started_at) for p in runs], ""),
        Row("status", [p.status for p in runs], ""),
        _seconds_row("time to detect", [p.time_to_detect_s for p in runs]),
        _seconds_row("time to recover", [p.time_to_recover_s for p in runs]),
        Row("within RTO", [_yes_no(p.within_rto) for p in runs], ""),
    ]
    labels = list(dict.fromkeys(label for p in runs for label in p.step_times))
    rows += [
        _seconds_row(f"runbook step {label}", [p.step_times.get(label) for p in runs])
        for label in labels
    ]
    measures = list(dict.fromkeys(m for p in runs for m in p.response))
    rows += [_seconds_row(m, [p.response.get(m) for p in runs]) for m in measures]
    rows.append(_count_row("findings", [p.findings_total for p in runs]))
    rows += [
        _count_row(f"findings: {severity}", [p.findings.get(severity, 0) for p in runs])
        for severity in get_args(Severity)
        if any(p.findings.get(severity) for p in runs)
    ]
    rates = [p.reproduction_rate for p in runs]
    if any(rate is not None for rate in rates):
        rows.append(_row("reproduction rate", rates, lambda r: f"{r:.0%}", _percent_change))
    return Comparison(runs, rows)


def _row(
    measure: str,
    values: list[float | None],
    show: Callable[[float], str],
    change: Callable[[float, float], str],
) -> Row:
    shown = ["—" if v is None else show(v) for v in values]
    first, last = values[0], values[-1]
    moved = "" if first is None or last is None or len(values) < 2 else change(first, last)
    return Row(measure, shown, moved)


def _seconds_row(measure: str, values: list[float | None]) -> Row:
    def change(first: float, last: float) -> str:
        delta = last - first
        return (
            "±0" if abs(delta) < 0.05 else ("+" if delta > 0 else "−") + format_duration(abs(delta))
        )

    return _row(measure, values, format_duration, change)


def _count_row(measure: str, values: list[int]) -> Row:
    return _row(
        measure, [float(v) for v in values], lambda v: f"{v:.0f}", lambda a, b: f"{b - a:+.0f}"
    )


def _percent_change(first: float, last: float) -> str:
    return f"{(last - first) * 100:+.0f} points"


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "—"}[value]


def render_compare_markdown(comparison: Comparison) -> str:
    title = comparison.runs[0].title if comparison.runs else "runs"
    headers = ("measure", *(p.run_id for p in comparison.runs), "change")
    rows = ((row.measure, *row.values, row.change) for row in comparison.rows)
    lines = [f"# How {inline(title)} changed over {len(comparison.runs)} runs", ""]
    return "\n".join([*lines, *table(headers, rows)]).rstrip() + "\n"


def render_compare_html(comparison: Comparison) -> str:
    from rehearsal.report.html import environment

    return environment().get_template("compare.html.j2").render(c=comparison)
