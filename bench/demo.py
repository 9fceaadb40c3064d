"""The demo drill end to end, warm, as a user runs it: ``rehearsal run`` in a new process.

It runs through ``bench.drill`` (the real CLI with a ``bench-`` run id), so the time
includes interpreter start, imports, Prefect's ephemeral server, images, converge (or the
converged snapshots), the scenario, teardown and the reports. The baseline, in the same
run, is ``--fresh``: every node converged with Ansible, as before snapshots.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import docker_client, labelled_runs, remove_run

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "webshop" / "drill-app-node-loss.yaml"
ANSWERS = ROOT / "examples" / "webshop" / "answers-app-node-loss.yaml"
"""As scripts/demo runs it: without its answers nobody acknowledges the page, and it fails."""
TARGET_S = 25.0
LOG = "drill.log"


@dataclass(frozen=True)
class DrillRun:
    seconds: float
    exit_code: int
    run_dir: Path


def start(out: Path, *extra: str) -> subprocess.Popen[bytes]:
    """Start a drill writing into ``out``; what it prints goes to ``out/drill.log``."""
    argv = [sys.executable, "-m", "bench.drill", "run", str(SCENARIO), "--out", str(out)]
    argv += ["--answers", str(ANSWERS), *extra]
    with (out / LOG).open("wb") as log:
        return subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen[bytes], started: float, out: Path) -> DrillRun:
    """Wait for a drill; whatever happened, remove anything its run left behind."""
    try:
        code = process.wait(timeout=600)
        elapsed = time.monotonic() - started
    finally:
        process.kill()
        client = docker_client()
        runs = [path.name for path in out.iterdir() if path.name.startswith("bench-")]
        for run_id in labelled_runs(client):
            # a parallel attempt's mirror is labelled <run-id>.<attempt>
            if run_id.split(".")[0] in runs:
                remove_run(client, run_id)
    run_dirs = [path for path in out.iterdir() if (path / "results.json").is_file()]
    if len(run_dirs) != 1:
        said = (out / LOG).read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the drill (exit {code}) left no single run folder in {out}:\n{said}")
    return DrillRun(elapsed, code, run_dirs[0])


def status(run: DrillRun) -> str:
    return str(json.loads((run.run_dir / "results.json").read_text())["status"])


def one_run(options: Options, name: str, *extra: str) -> DrillRun:
    out = options.workdir / name
    out.mkdir(parents=True, exist_ok=True)
    return finish(start(out, *extra), time.monotonic(), out)


@functools.cache
def single_run(options: Options) -> DrillRun:
    """One warm drill (its snapshots made first, by a drill before it); the concurrency
    benchmark compares three at once against it."""
    one_run(options, "demo-seed")
    return one_run(options, "demo")


def mirror_source(run: DrillRun) -> str:
    """``snapshot`` or ``converge``, as the run's journal says."""
    for line in (run.run_dir / "journal.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event["event"] == "mirror.source":
            return str(event["source"])
    return "-"


def head_start(run: DrillRun) -> dict[str, float] | None:
    """The journal's ``head_start``: when the flow run had started and the images were ready,
    from the head start's beginning, and how long the flow then waited for them."""
    for line in (run.run_dir / "journal.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event["event"] == "head_start":
            return {key: float(event[key]) for key in ("flow_start_s", "images_s", "waited_s")}
    return None


def server_figure(run: DrillRun) -> list[Figure]:
    """What of the flow run's start (Prefect's temporary server) is still on the critical
    path: the time it went on after the images were ready; before the head start, all of it."""
    took = head_start(run)
    if took is None:
        return []
    still = max(0.0, took["flow_start_s"] - took["images_s"])
    return [
        Figure(
            "demo",
            "flow run start on the CLI's critical path",
            "s",
            still,
            baseline=took["flow_start_s"],
            baseline_label="the flow run's whole start, once all on the critical path",
            note=f"flow run up at {took['flow_start_s']:.1f} s, images ready at "
            f"{took['images_s']:.1f} s; the flow waited {took['waited_s']:.1f} s for them",
        )
    ]


def measure(options: Options) -> list[Figure]:
    fresh = one_run(options, "demo-fresh", "--fresh")
    run = single_run(options)
    return server_figure(run) + [
        Figure(
            "demo",
            "warm demo drill end to end",
            "s",
            run.seconds,
            baseline=fresh.seconds,
            baseline_label="same drill with --fresh (converged with Ansible)",
            target=TARGET_S,
            note=f"exit {run.exit_code}, {status(run)}, {mirror_source(run)}; "
            f"--fresh exit {fresh.exit_code}, {status(fresh)}",
        )
    ]
