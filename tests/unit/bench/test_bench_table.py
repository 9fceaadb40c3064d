"""The benchmark table and results.json: pass/miss and ratios come out right, and the
entry point answers --help without touching Docker."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from rich.console import Console

from bench.table import NOISE, Figure, render, write_json

ROOT = Path(__file__).resolve().parents[3]


def test_figure_passes_when_at_most_its_target_and_compares_with_its_baseline() -> None:
    met = Figure("faults", "container.stop inject p95", "ms", 120.0, 60.0, "docker stop", 250.0)
    missed = Figure("prefect", "overhead", "s", 13.0, target=2.0)
    informative = Figure("report", "10k events", "s", 0.4)

    assert (met.passed, met.ratio) == (True, 2.0)
    assert (missed.passed, missed.ratio) == (False, None)
    assert informative.passed is None


def test_table_shows_every_figure_with_its_verdict() -> None:
    console = Console(record=True, width=200)
    figures = [
        Figure("envup", "env up warm, 5 nodes", "s", 1.5, 3.0, "docker run loop"),
        Figure("prefect", "overhead incl. server start", "s", 13.0, target=2.0),
    ]

    render(figures, "benchmarks", console)

    text = console.export_text()
    assert "env up warm, 5 nodes" in text and "0.50×" in text and "docker run loop" in text
    assert "MISS" in text
    assert NOISE in " ".join(text.split())


def test_results_json_holds_values_baselines_ratios_targets_and_verdicts(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    figures = [Figure("teardown", "leaked resources", "", 0, 0, "docker stop+rm loop", 0)]

    write_json(figures, path, {"duration_s": 1.0}, {"cold": "not asked for"})

    document = json.loads(path.read_text())
    assert document["duration_s"] == 1.0 and document["errors"] == {"cold": "not asked for"}
    assert document["figures"] == [
        {
            "bench": "teardown",
            "name": "leaked resources",
            "unit": "",
            "ours": 0,
            "baseline": 0,
            "baseline_label": "docker stop+rm loop",
            "target": 0,
            "note": "",
            "ratio": None,
            "passed": True,
        }
    ]


def test_bench_run_help_lists_the_options() -> None:
    """Started from bench/ itself, where bench/concurrent.py could shadow the stdlib's."""
    done = subprocess.run(
        [ROOT / "bench" / "run", "--help"],
        cwd=ROOT / "bench",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    for option in ("--quick", "--only", "--cold"):
        assert option in done.stdout
