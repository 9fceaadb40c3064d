"""The readiness page an account manager takes to the customer: one self-contained HTML file
(inline CSS and SVG, nothing loaded from outside) and its Markdown twin.

    write_whole(out / "readiness.html", render_readiness_html(page))
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from rehearsal.models.durations import format_duration
from rehearsal.report import svg
from rehearsal.report.finding_history import FollowedFinding, read_folder
from rehearsal.report.markdown import inline, table
from rehearsal.report.readiness import CustomerReadiness, Readiness, RecoveryPoint, readiness

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 360.0, 120.0, 44.0, 10.0, 12.0, 22.0
MISSING = "—"


def recovery_chart(points: list[RecoveryPoint], label: str) -> str:
    """Time to recover per run against the RTO (dashed): a dot a run, red when over the RTO,
    a hollow mark on the axis where the run measured nothing (never drawn as zero)."""
    root = svg.canvas(WIDTH, HEIGHT, label)
    root.set("class", "trend")
    measured = [p.time_to_recover_s for p in points if p.time_to_recover_s is not None]
    rtos = [p.rto_s for p in points if p.rto_s is not None]
    top = max([*measured, *rtos, 1.0]) * 1.15
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(seconds: float) -> float:
        return TOP + plot_h - seconds / top * plot_h

    def x(index: int) -> float:
        return LEFT + (plot_w * (index + 0.5) / max(len(points), 1))

    svg.line(root, LEFT, TOP + plot_h, WIDTH - RIGHT, TOP + plot_h, "#999")
    svg.text(root, LEFT + 2, TOP + 8, format_duration(top), fill="#5f6368")
    svg.text(root, LEFT - 4, TOP + plot_h, "0 s", "end", fill="#5f6368")
    if rtos:
        rto = rtos[-1]
        svg.line(root, LEFT, y(rto), WIDTH - RIGHT, y(rto), svg.DOWN, "4 3")
        svg.text(root, WIDTH - RIGHT, y(rto) - 3, f"RTO {format_duration(rto)}", "end")
    previous: tuple[float, float] | None = None
    for index, point in enumerate(points):
        tip = f"{point.run_id} {point.at:%Y-%m-%d}: "
        if point.time_to_recover_s is None:
            mark = ET.SubElement(
                root,
                "circle",
                {"cx": f"{x(index):.1f}", "cy": f"{TOP + plot_h:.1f}", "r": "4",
                 "fill": "#fff", "stroke": "#5f6368", "class": "missing"},
            )  # fmt: skip
            ET.SubElement(mark, "title").text = tip + "recovery not measured"
            previous = None
            continue
        here = (x(index), y(point.time_to_recover_s))
        if previous is not None:
            svg.line(root, *previous, *here, "#0072B2")
        over = point.rto_s is not None and point.time_to_recover_s > point.rto_s
        dot = ET.SubElement(
            root,
            "circle",
            {"cx": f"{here[0]:.1f}", "cy": f"{here[1]:.1f}", "r": "4",
             "fill": svg.DOWN if over else svg.UP},
        )  # fmt: skip
        ET.SubElement(dot, "title").text = tip + format_duration(point.time_to_recover_s)
        previous = here
    if points:
        svg.text(root, x(0), HEIGHT - 6, f"{points[0].at:%m-%d}", "middle", fill="#5f6368")
        if len(points) > 1:
            last = f"{points[-1].at:%m-%d}"
            svg.text(root, x(len(points) - 1), HEIGHT - 6, last, "middle", fill="#5f6368")
    return svg.serialise(root)


def render_readiness_html(page: Readiness) -> str:
    from rehearsal.report.html import environment

    charts = {
        (c.customer, r.scenario): Markup(
            recovery_chart(r.recovery, f"Time to recover of {r.title} against the RTO")
        )
        for c in page.customers
        for s in c.services
        for r in s.rehearsals
    }
    return (
        environment()
        .get_template("readiness.html.j2")
        .render(p=page, charts=charts, age=_age(page.generated_at), last_ttr=last_ttr)
    )


def last_ttr(points: list[RecoveryPoint]) -> str:
    last = points[-1].time_to_recover_s if points else None
    return MISSING if last is None else format_duration(last)


def _age(now: datetime) -> object:
    return lambda finding: finding.age_days(now)


def render_readiness_markdown(page: Readiness) -> str:
    lines = [f"# Go-live readiness — {page.generated_at:%Y-%m-%d}", ""]
    if page.cutover:
        lines += [f"Cutover: {page.cutover:%Y-%m-%d}.", ""]
    for customer in page.customers:
        lines += _customer_markdown(customer, page)
    lines += ["## The rule", ""] + [f"- {inline(rule)}" for rule in page.rule.sentences()]
    if page.skipped:
        lines += ["", "## Skipped folders", ""]
        lines += table(["folder", "why"], [[str(s.folder), s.reason] for s in page.skipped])
    return "\n".join(lines) + "\n"


def _customer_markdown(customer: CustomerReadiness, page: Readiness) -> list[str]:
    verdict = customer.verdict
    lines = [f"## {inline(customer.customer)}: {verdict.state.upper()}", ""]
    if customer.account_manager:
        lines += [f"Account manager: {inline(customer.account_manager)}.", ""]
    lines += [f"- {inline(reason)}" for reason in verdict.reasons] + [""]
    for service in customer.services:
        lines += [f"### {inline(service.name)}", ""]
        if service.impact:
            lines += [inline(service.impact), ""]
        lines += table(
            ["rehearsal", "failure modes", "runbooks", "last result", "date", "recovery", "RTO"],
            [
                [
                    r.title,
                    ", ".join(r.fault_types) or MISSING,
                    ", ".join(r.runbooks) or MISSING,
                    r.last.status,
                    f"{r.last.started_at:%Y-%m-%d}",
                    last_ttr(r.recovery),
                    MISSING
                    if r.last.metrics.rto_s is None
                    else format_duration(r.last.metrics.rto_s),
                ]
                for r in service.rehearsals
            ],
        )
        lines += [""] + [
            f"Time to recover of {inline(r.title)}, run by run: "
            + ", ".join(
                MISSING if p.time_to_recover_s is None else format_duration(p.time_to_recover_s)
                for p in r.recovery
            )
            + "."
            for r in service.rehearsals
        ]
        lines.append("")
    lines += ["### Open findings", ""]
    if customer.open_findings:
        lines += findings_table(customer.open_findings, page.generated_at)
    else:
        lines.append("None open.")
    lines.append("")
    if customer.drills:
        lines += ["### Drills before the cutover", ""]
        lines += table(
            ["drill", "scheduled", "ran"],
            [
                [
                    d.drill,
                    f"{d.at:%Y-%m-%d %H:%M} UTC",
                    d.state + (f" ({d.run_id})" if d.run_id else ""),
                ]
                for d in customer.drills
            ],
        )
        lines.append("")
    return lines


def findings_table(findings: list[FollowedFinding], now: datetime) -> list[str]:
    return table(
        ["severity", "title", "scenario", "owner", "first seen", "runs", "age (days)"],
        [
            [
                f.severity,
                f.title,
                f.scenario,
                f.owner or MISSING,
                f"{f.first_seen.at:%Y-%m-%d}",
                str(f.runs_seen),
                str(f.age_days(now)),
            ]
            for f in findings
        ],
    )


def readiness_artifact(reports: Path, customer: str, now: datetime) -> str:
    """The Markdown a finished run publishes for its customer: readiness as of that run,
    across every run in its reports folder."""
    return render_readiness_markdown(readiness(read_folder(reports), now, customer=customer))
