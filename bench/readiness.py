"""The go-live readiness page over a large reports folder: 500 runs of 20 customers (two
scenarios each, findings recurring, reworded and fixed along the series), timed as
``rehearsal readiness`` does it (read every results.json, follow the findings, render the
HTML and Markdown), against reading and JSON-parsing the same 500 files by hand."""

from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.options import Options
from bench.report import T0, synthetic_journal
from bench.table import Figure
from rehearsal.journal.whole_files import write_whole
from rehearsal.report.finding_history import read_folder
from rehearsal.report.readiness import readiness
from rehearsal.report.readiness_page import render_readiness_html, render_readiness_markdown
from rehearsal.results.derive import derive_results
from rehearsal.results.findings import FindingMaker
from rehearsal.results.model import Finding, FindingChange, Results

CUSTOMERS, RUNS = 20, 500
PROBLEMS = [
    ("procedure", "high", {"runbook": "app-failover", "step": "2"}, "Runbook step 2 failed"),
    ("procedure", "medium", {"runbook": "app-failover", "step": "3"}, "Step 3 took too long"),
    ("monitoring", "high", {"monitor": "checkout-down", "fired": "never"}, "Monitor never fired"),
    ("environment", "medium", {"node": "db1"}, "The mirror of db1 differs from the profile"),
    ("capacity", "low", {"job": "nightly-backup", "node": "db1"}, "Backup overran its slot"),
    ("procedure", "critical", {"monitor": "pager", "acknowledged": "by nobody"}, "Nobody acked"),
]


def write_folder(reports: Path, seed: int = 7) -> list[Path]:
    """``RUNS`` results.json files, as runs write them; returns their paths."""
    rng = random.Random(seed)
    template = derive_results(synthetic_journal(400))
    paths = []
    for n in range(RUNS):
        customer, scenario = n % CUSTOMERS, (n // CUSTOMERS) % 2
        started = T0 + timedelta(hours=6 * n)
        run_id = f"{started:%Y%m%dT%H%M%SZ}-drill-{customer:02d}{scenario}-{n:06d}"
        recovered = None if rng.random() < 0.05 else round(rng.uniform(20, 360), 1)
        metrics = template.metrics.model_copy(
            update={"time_to_recover_s": recovered, "within_rto": None if recovered is None
                    else recovered <= 300.0}
        )  # fmt: skip
        results = template.model_copy(
            update={
                "run_id": run_id,
                "customer": f"Customer {customer:02d}",
                "scenario": f"customers/c{customer:02d}/drill-{scenario}.yaml",
                "title": f"Drill {scenario} of customer {customer:02d}",
                "started_at": started,
                "finished_at": started + timedelta(minutes=3),
                "metrics": metrics,
                "findings": _findings(rng, n, started),
            }
        )
        path = reports / run_id / "results.json"
        path.parent.mkdir(parents=True)
        write_whole(path, results.model_dump_json(indent=2))
        paths.append(path)
    return paths


def _findings(rng: random.Random, n: int, started: datetime) -> list[Finding]:
    maker = FindingMaker("R")
    for category, severity, about, title in rng.sample(PROBLEMS, rng.randint(1, 4)):
        maker.add(severity=severity, category=category, title=f"{title} (run {n})",  # reworded
                  detail="Seen in the drill.", phase="lose a node", recommendation="Fix it.",
                  about=about)  # fmt: skip
    if rng.random() < 0.3:
        decided = FindingChange(at=started, by="J. Park", changes={"owner": "Kim Minji"})
        first = maker.made[0]
        maker.made[0] = first.model_copy(update={"owner": "Kim Minji", "history": [decided]})
    return maker.made


def _by_hand(paths: list[Path]) -> float:
    started = time.monotonic()
    for path in paths:
        json.loads(path.read_bytes())
    return time.monotonic() - started


def _readiness(reports: Path, out: Path) -> tuple[float, int]:
    started = time.monotonic()
    page = readiness(read_folder(reports), T0 + timedelta(days=130))
    out.mkdir(parents=True, exist_ok=True)
    html = render_readiness_html(page)
    write_whole(out / "readiness.html", html)
    write_whole(out / "readiness.md", render_readiness_markdown(page))
    return time.monotonic() - started, len(html.encode())


def measure(options: Options) -> list[Figure]:
    reports = options.workdir / "readiness-reports"
    paths = write_folder(reports)
    repeats = options.repeats(3, 1)
    by_hand = min(_by_hand(paths) for _ in range(repeats))
    timed = [_readiness(reports, options.workdir / "readiness-out") for _ in range(repeats)]
    seconds, size = min(t for t, _ in timed), timed[-1][1]
    Results.model_validate_json(paths[0].read_bytes())  # the files are what runs write
    return [
        Figure("readiness", f"rehearsal readiness, {RUNS} runs of {CUSTOMERS} customers", "s",
               seconds, by_hand, "json.loads of the same files", 2.0,
               note=f"best of {repeats}; read, follow findings, render html and md"),
        Figure("readiness", "readiness.html size", "MB", size / 1e6, target=3.0,
               note="inline CSS and one SVG chart a scenario"),
    ]  # fmt: skip
