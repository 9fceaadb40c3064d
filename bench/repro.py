"""A reproduction's attempts after the first: what each costs beyond its scenario's steps.

``repro-pool-exhaustion.yaml`` (two attempts) runs through ``bench.drill``, once as it is
(the second attempt starts from the converged snapshots the first made) and once with
``--fresh`` (every attempt converged with Ansible), in the same run. An attempt's overhead
is the time from the previous attempt's teardown to its own teardown, less its phases:
containers, converge or restore, fidelity, steady state and teardown. Read from the journal.

Attempts side by side: the reproduction of ``tests/integration/data/parallel`` (one nginx
node, its converged snapshot naming no address) with ``attempts: {count: 3, parallel: 3}``
against the same scenario with one attempt, both warm (a one-attempt run first makes the
snapshot when there is none), each timed from ``run.started`` to ``run.finished``.
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
PARALLEL = ROOT / "tests" / "integration" / "data" / "parallel"
SIDE_BY_SIDE_TARGET = 1.6


def _run(options: Options, name: str, *extra: str) -> DrillRun:
    scenario = WEBSHOP / "repro-pool-exhaustion.yaml"
    return _drill(options, name, scenario, "--answers", str(WEBSHOP / "answers-repro.yaml"), *extra)


def _drill(options: Options, name: str, scenario: Path, *extra: str) -> DrillRun:
    out = options.workdir / name
    out.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "bench.drill",
        "run",
        str(scenario),
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


def run_span(run_dir: Path) -> float:
    """Seconds from ``run.started`` to ``run.finished`` in the run's journal."""
    events = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    marks = {e["event"]: datetime.fromisoformat(e["at"]) for e in events}
    return (marks["run.finished"] - marks["run.started"]).total_seconds()


def side_by_side(options: Options) -> Figure:
    """Three attempts at once against one attempt, both from the converged snapshot."""
    folder = options.workdir / "parallel-scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    profile = (PARALLEL / "profile.yaml").read_text()
    (folder / "profile.yaml").write_text(profile.replace("name: Parallel", "name: Bench parallel"))
    scenario = (PARALLEL / "repro.yaml").read_text()
    (folder / "three.yaml").write_text(scenario)
    (folder / "one.yaml").write_text(scenario.replace("{count: 3, parallel: 3}", "1"))
    _drill(options, "parallel-warmup", folder / "one.yaml")
    one = _drill(options, "parallel-one", folder / "one.yaml")
    three = _drill(options, "parallel-three", folder / "three.yaml")
    return Figure(
        "repro",
        "reproduction with 3 attempts side by side (run.started to run.finished)",
        "s",
        run_span(three.run_dir),
        baseline=run_span(one.run_dir),
        baseline_label="one attempt of the same scenario",
        target=SIDE_BY_SIDE_TARGET * run_span(one.run_dir),
        note=f"target {SIDE_BY_SIDE_TARGET}x one attempt; whole processes {three.seconds:.0f} s "
        f"(exit {three.exit_code}) vs {one.seconds:.0f} s (exit {one.exit_code})",
    )


def measure(options: Options) -> list[Figure]:
    parallel = side_by_side(options)
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
        ),
        parallel,
    ]
