"""One row a measured figure: our value, the same-run baseline, the target, pass or miss.

Every benchmark returns ``Figure`` rows; ``render`` prints them as one table and
``write_json`` keeps them in ``bench/results.json`` so runs can be compared later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

NOISE = (
    "2 cores shared with other sessions' Docker workloads: absolute figures are noisy; "
    "baselines were measured in the same run, so the ratios are the figures to compare."
)


@dataclass(frozen=True)
class Figure:
    """A figure where lower is better; ``target`` is the most it may be to pass."""

    bench: str
    name: str
    unit: str
    ours: float
    baseline: float | None = None
    baseline_label: str = ""
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.ours / self.baseline

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.ours <= self.target

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "passed": self.passed}


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    digits = 0 if abs(value) >= 100 or float(value).is_integer() else 2
    return f"{value:.{digits}f} {unit}".strip()


def _verdict(passed: bool | None) -> str:
    return {True: "[green]pass[/]", False: "[red]MISS[/]", None: "[dim]—[/]"}[passed]


def table(figures: Sequence[Figure], title: str) -> Table:
    grid = Table(title=title, caption=NOISE, caption_justify="left")
    for column in ("bench", "figure", "ours", "baseline", "ratio", "target", "result", "note"):
        grid.add_column(column, justify="right" if column in ("ours", "ratio") else "left")
    for figure in figures:
        baseline = _value(figure.baseline, figure.unit)
        if figure.baseline is not None and figure.baseline_label:
            baseline += f" ({figure.baseline_label})"
        ratio = figure.ratio
        grid.add_row(
            figure.bench,
            figure.name,
            _value(figure.ours, figure.unit),
            baseline,
            "—" if ratio is None else f"{ratio:.2f}×",
            "—" if figure.target is None else f"≤ {_value(figure.target, figure.unit)}",
            _verdict(figure.passed),
            figure.note,
        )
    return grid


def render(figures: Sequence[Figure], title: str, console: Console) -> None:
    console.print(table(figures, title))


def write_json(
    figures: Sequence[Figure], path: Path, meta: dict[str, Any], errors: dict[str, str]
) -> None:
    document = {
        **meta,
        "noise": NOISE,
        "errors": errors,
        "figures": [figure.as_json() for figure in figures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
