"""A reproduction's attempts after the first: what each costs beyond its scenario's steps.

``repro-pool-exhaustion.yaml`` (two attempts) runs through ``bench.drill``, once as it is
(the second attempt starts from the converged snapshots the first made) and once with
``--fresh`` (every attempt converged with Ansible), in the same run. An attempt's overhead
is the time from the previous attempt's teardown to its own teardown, less its phases:
containers, converge or restore, fidelity, steady state and teardown. Read from the journal.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.demo import LOG, DrillRun, finish
from bench.options import Options
from bench.table import Figure

ROOT = Path(__file__).resolve().parents[1]
WEBSHOP = ROOT / "examples" / "webshop"
TARGET_S = 5.0


def _run(options: Options, name: str, *extra: str) -> DrillRun:
    out = options.workdir / name
    out.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "bench.drill",
        "run",
        str(WEBSHOP / "repro-pool-exhaustion.yaml"),
        "--answers",
        str(WEBSHOP / "answers-repro.yaml"),
        "--people",
        "none",
        "--out",
        str(out),
        *extra,
    ]
    with (out / LOG).open("wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return finish(process, time.monotonic(), out)


def later_attempt_overhead(run_dir: Path) -> float | None:
    """The second attempt's seconds outside its phases (None when the journal lacks them)."""
    events = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]

    def at(event: dict[str, object]) -> float:
        return datetime.fromisoformat(str(event["at"])).timestamp()

    removed = [at(e) for e in events if e["event"] == "environment.removed"]
    started = {e["phase"]: at(e) for e in events if e["event"] == "phase.started"}
    phases = [
        at(e) - started[e["phase"]]
        for e in events
        if e["event"] == "phase.finished" and e.get("attempt") == 2 and e["phase"] in started
    ]
    if len(removed) < 2 or not phases:
        return None
    return removed[1] - removed[0] - sum(phases)


def measure(options: Options) -> list[Figure]:
    fresh = _run(options, "repro-fresh", "--fresh")
    ours = _run(options, "repro")
    overhead = later_attempt_overhead(ours.run_dir)
    baseline = later_attempt_overhead(fresh.run_dir)
    return [
        Figure(
            "repro",
            "overhead of a reproduction's second attempt (all but its phases)",
            "s",
            overhead if overhead is not None else float("nan"),
            baseline=baseline,
            baseline_label="the same attempt with --fresh (converged with Ansible)",
            target=TARGET_S,
            note=f"whole run {ours.seconds:.0f} s (exit {ours.exit_code}) vs "
            f"{fresh.seconds:.0f} s --fresh (exit {fresh.exit_code})",
        )
    ]
