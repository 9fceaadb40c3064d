"""How long each timed step took against the time it was allowed, as a bar chart."""

from __future__ import annotations

from dataclasses import dataclass

from rehearsal.models.durations import format_duration
from rehearsal.report import svg
from rehearsal.results.model import Results

WIDTH = 1000.0
LABEL_W = 300.0
PLOT_W = 440.0
ROW_H = 24.0
BAR_H = 14.0
BUDGET_FILL = "#dcdcdc"
WITHIN_FILL = "#0072B2"


@dataclass(frozen=True)
class Timed:
    label: str
    took_s: float
    budget_s: float

    @property
    def over(self) -> bool:
        return self.took_s > self.budget_s


def timed_steps(results: Results) -> list[Timed]:
    """Every step, top-level or runbook, that had a time budget and a measured duration."""
    timed = []
    for phase in results.phases:
        for step in phase.steps:
            if step.budget_s and step.duration_s is not None:
                timed.append(Timed(step.label, step.duration_s, step.budget_s))
            timed.extend(
                Timed(f"{sub.index}. {sub.say}", sub.duration_s, sub.budget_s)
                for sub in step.runbook_steps
                if sub.budget_s and sub.duration_s is not None
            )
    return timed


def render_budgets(results: Results) -> str | None:
    """The chart, or None when no step had a budget (the report then leaves the picture out)."""
    timed = timed_steps(results)
    if not timed:
        return None
    height = len(timed) * ROW_H + 8
    root = svg.canvas(WIDTH, height, "Step durations against their time budgets")
    over_fill = svg.hatch(root, "sb-over", svg.DOWN)
    scale = PLOT_W / max(max(t.took_s, t.budget_s) for t in timed)
    for row, step in enumerate(timed):
        y = 4 + row * ROW_H
        mid = y + (ROW_H - BAR_H) / 2
        took, budget = format_duration(step.took_s), format_duration(step.budget_s)
        svg.text(root, LABEL_W - 8, y + 16, svg.shorten(step.label, 44), "end", tip=step.label)
        svg.rect(root, LABEL_W, mid, step.budget_s * scale, BAR_H, BUDGET_FILL, f"budget {budget}")
        fill, css = (over_fill, "over") if step.over else (WITHIN_FILL, "within")
        svg.rect(root, LABEL_W, mid + 3, step.took_s * scale, BAR_H - 6, fill, f"took {took}", css)
        budget_x = LABEL_W + step.budget_s * scale
        svg.line(root, budget_x, mid - 2, budget_x, mid + BAR_H + 2, "#333").set(
            "stroke-width", "2"
        )
        verdict = f"over by {format_duration(step.took_s - step.budget_s)}" if step.over else "ok"
        colour = svg.DOWN if step.over else "#222"
        svg.text(
            root, LABEL_W + PLOT_W + 12, y + 16, f"{took} of {budget} — {verdict}", fill=colour
        )
    return svg.serialise(root)
