"""The run as one picture: phases, faults, runbook steps and probe health on a shared time axis."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from rehearsal.models.durations import format_duration
from rehearsal.report import svg
from rehearsal.results.model import ProbeHistory, Results

WIDTH = 1000.0
LABEL_W = 220.0
PLOT_W = WIDTH - LABEL_W - 24.0
TOP = 64.0
ROW_H = 22.0
BAR_H = 14.0
HEADER_H = 20.0
NICE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200)
FAULT_FILL = "#E69F00"
DETECT = "#0072B2"
RECOVER = "#000000"


@dataclass(frozen=True)
class Axis:
    """Maps instants onto the plot; everything on the timeline is placed through it."""

    start: datetime
    end: datetime

    @property
    def span_s(self) -> float:
        return max((self.end - self.start).total_seconds(), 1.0)

    def x(self, at: datetime) -> float:
        seconds = min(max((at - self.start).total_seconds(), 0.0), self.span_s)
        return LABEL_W + seconds / self.span_s * PLOT_W


@dataclass(frozen=True)
class Band:
    start: datetime
    end: datetime
    ok: bool


def render_timeline(results: Results) -> str:
    axis = Axis(_start_of(results), _end_of(results))
    root = svg.canvas(WIDTH, TOP, f"Timeline of run {results.run_id}")
    down_fill = svg.hatch(root, "tl-down", svg.DOWN)
    open_fill = svg.hatch(root, "tl-open", FAULT_FILL)
    grid = ET.SubElement(root, "g", {"class": "grid"})
    rows = ET.SubElement(root, "g", {"class": "rows"})
    y = TOP
    y = _phases(rows, results, axis, y)
    y = _faults(rows, results, axis, y, open_fill)
    y = _runbook(rows, results, axis, y)
    y = _jobs(rows, results, axis, y)
    y = _probes(rows, results.probes, axis, y, down_fill)
    _ticks(grid, axis, y)
    _marks(root, results, axis, y)
    root.set("viewBox", f"0 0 {WIDTH:.0f} {y + 8:.0f}")
    return svg.serialise(root)


def _start_of(results: Results) -> datetime:
    """Where the scenario begins (first probe sample or phase): building the mirror is
    not part of the story the picture tells, and would squeeze it to one side."""
    begun = [p.samples[0].at for p in results.probes if p.samples]
    begun += [phase.started_at for phase in results.phases[:1]]
    return min(begun, default=results.started_at)


def _end_of(results: Results) -> datetime:
    """finished_at, or the last instant anything was seen when the run was cut short."""
    if results.finished_at is not None:
        return results.finished_at
    seen = [results.started_at + timedelta(seconds=1)]
    for phase in results.phases:
        seen.append(phase.finished_at or phase.started_at)
        seen.extend(step.finished_at or step.started_at for step in phase.steps)
    seen.extend(sample.at for probe in results.probes for sample in probe.samples)
    return max(seen)


def _header(parent: ET.Element, y: float, title: str) -> float:
    svg.rect(parent, 0, y + 2, WIDTH, HEADER_H - 4, "#f0f0f0", title)
    svg.text(parent, 6, y + 14, title, css="section", fill="#444").set("font-weight", "600")
    return y + HEADER_H


def _row_label(parent: ET.Element, y: float, label: str) -> None:
    svg.text(parent, 12, y + 15, svg.shorten(label, 32), tip=label)


def _bar(
    parent: ET.Element,
    axis: Axis,
    y: float,
    span: tuple[datetime, datetime],
    fill: str,
    tip: str,
    inside: str = "",
    css: str = "",
) -> None:
    x0, x1 = axis.x(span[0]), axis.x(span[1])
    svg.rect(parent, x0, y + (ROW_H - BAR_H) / 2, x1 - x0, BAR_H, fill, tip, css)
    # Words inside a bar only when they fit; the tooltip always carries them.
    if inside and x1 - x0 > 7 * len(inside) + 8:
        words = svg.text(parent, x0 + 4, y + 15, inside, css="inbar", fill="#111")
        # A white halo keeps the words legible over stripes and grid lines alike.
        words.attrib.update({"stroke": "#fff", "stroke-width": "3", "paint-order": "stroke"})


def _phases(parent: ET.Element, results: Results, axis: Axis, y: float) -> float:
    if not results.phases:
        return y
    y = _header(parent, y, "Phases")
    for phase in results.phases:
        end = phase.finished_at or axis.end
        took = format_duration((end - phase.started_at).total_seconds())
        tip = f"{phase.name}: {phase.status}, {took}"
        _row_label(parent, y, phase.name)
        fill = svg.STATUS_FILL[phase.status]
        _bar(parent, axis, y, (phase.started_at, end), fill, tip, phase.status, "phase")
        y += ROW_H
    return y


def _faults(parent: ET.Element, results: Results, axis: Axis, y: float, open_fill: str) -> float:
    injected = [f for f in results.faults if f.injected_at is not None]
    if not injected:
        return y
    y = _header(parent, y, "Faults")
    for fault in injected:
        assert fault.injected_at is not None  # filtered above; narrows the type
        label = f"{fault.type} → {', '.join(fault.targets)}"
        end = fault.reverted_at or axis.end
        fill = FAULT_FILL if fault.revert_status == "reverted" else open_fill
        tip = f"{label}: injected, {fault.revert_status}"
        _row_label(parent, y, label)
        _bar(parent, axis, y, (fault.injected_at, end), fill, tip, fault.revert_status, "fault")
        y += ROW_H
    return y


def _runbook(parent: ET.Element, results: Results, axis: Axis, y: float) -> float:
    substeps = [
        sub for phase in results.phases for step in phase.steps for sub in step.runbook_steps
    ]
    if not substeps:
        return y
    y = _header(parent, y, "Runbook steps")
    for sub in substeps:
        label = f"{sub.index}. {sub.say}"
        end = sub.finished_at or axis.end
        took = format_duration((end - sub.started_at).total_seconds())
        budget = f" of {format_duration(sub.budget_s)} allowed" if sub.budget_s else ""
        _row_label(parent, y, label)
        tip = f"{label}: {sub.status}, {took}{budget}"
        _bar(parent, axis, y, (sub.started_at, end), svg.STATUS_FILL[sub.status], tip, css="step")
        y += ROW_H
    return y


def _jobs(parent: ET.Element, results: Results, axis: Axis, y: float) -> float:
    if not results.jobs:
        return y
    y = _header(parent, y, "Batch jobs")
    for job in results.jobs:
        label = f"{job.name} on {job.node}"
        end = job.finished_at or (job.started_at if job.status == "skipped" else axis.end)
        took = format_duration((end - job.started_at).total_seconds())
        under = f" under {'; '.join(job.faults_active)}" if job.faults_active else ""
        tip = f"{label}: {job.status}, {took}{under}"
        fill = svg.STATUS_FILL.get(job.status, svg.DOWN)
        _row_label(parent, y, label)
        _bar(parent, axis, y, (job.started_at, end), fill, tip, job.status, "job")
        y += ROW_H
    return y


def probe_bands(probe: ProbeHistory, end: datetime) -> list[Band]:
    """Up/down stretches: each sample holds until the next one, the last until the run ends."""
    samples = sorted(probe.samples, key=lambda s: s.at)
    bands: list[Band] = []
    for sample, until in zip(samples, [*(s.at for s in samples[1:]), end], strict=True):
        if bands and bands[-1].ok == sample.ok:
            bands[-1] = Band(bands[-1].start, until, sample.ok)
        else:
            bands.append(Band(sample.at, until, sample.ok))
    return bands


def _probes(
    parent: ET.Element, probes: list[ProbeHistory], axis: Axis, y: float, down_fill: str
) -> float:
    if not probes:
        return y
    y = _header(parent, y, "Probes")
    for probe in probes:
        _row_label(parent, y, probe.label)
        for band in probe_bands(probe, axis.end):
            state = "up" if band.ok else "down"
            took = format_duration((band.end - band.start).total_seconds())
            fill = svg.UP if band.ok else down_fill
            inside = "" if band.ok else f"down {took}"
            tip = f"{probe.label} {state} for {took}"
            _bar(parent, axis, y, (band.start, band.end), fill, tip, inside, f"band {state}")
        y += ROW_H
    return y


def _ticks(parent: ET.Element, axis: Axis, bottom: float) -> None:
    for seconds in _tick_seconds(axis.span_s):
        x = LABEL_W + seconds / axis.span_s * PLOT_W
        svg.line(parent, x, TOP - 6, x, bottom, "#d8d8d8")
        svg.text(parent, x, TOP - 10, tick_label(seconds), anchor="middle", fill="#555")


def _tick_seconds(span_s: float) -> Iterator[int]:
    step = next((s for s in NICE_STEPS if span_s / s <= 10), NICE_STEPS[-1])
    return iter(range(0, int(span_s) + 1, step))


def tick_label(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _marks(root: ET.Element, results: Results, axis: Axis, bottom: float) -> None:
    """Detection and recovery, counted from the first fault as the metrics are."""
    first = min((f.injected_at for f in results.faults if f.injected_at), default=None)
    if first is None:
        return
    marks = (
        ("detected", results.metrics.time_to_detect_s, DETECT, "5 3", 16.0),
        ("recovered", results.metrics.time_to_recover_s, RECOVER, "", 32.0),
    )
    group = ET.SubElement(root, "g", {"class": "marks"})
    for word, after_s, colour, dash, label_y in marks:
        if after_s is None:
            continue
        x = axis.x(first + timedelta(seconds=after_s))
        svg.line(group, x, label_y + 4, x, bottom, colour, dash).set("stroke-width", "2")
        anchor = "end" if x > WIDTH - 140 else "start"
        words = f"{word} after {format_duration(after_s)}"
        svg.text(group, x + (-4 if anchor == "end" else 4), label_y, words, anchor, fill=colour)
