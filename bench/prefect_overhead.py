"""What the Prefect flow costs on top of the engine: ``rehearsal_run`` vs ``execute``.

A tiny profile and scenario keep the run short, so the difference is the orchestration.
The overhead is measured against a real ``prefect server start`` already running (as in
production), in a child process pointed at it, since Prefect reads its API URL once per
process. The ephemeral API server Prefect starts on a process's first flow is measured
apart (first no-op flow minus the second), and so are the cost of one task and the time
from ``rehearsal serve`` starting to its deployments being visible through the API.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import docker_client

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = Path(__file__).with_name("tiny") / "scenario.yaml"
TASKS = 100
TARGET_S = 2.0


def _timed_noop_flow(tasks: int) -> float:
    from prefect import flow, task

    @task(persist_result=False)
    def nothing() -> None:
        return None

    @flow(persist_result=False)
    def noop() -> None:
        for _ in range(tasks):
            nothing()

    started = time.monotonic()
    noop()
    return time.monotonic() - started


def _direct(out: Path) -> float:
    from rehearsal.runs.session import RunOptions, RunSession, execute
    from rehearsal.scenarios.planning import load_plan

    run_id = bench_id("direct")
    with owned(docker_client(), run_id):
        started = time.monotonic()
        plan = load_plan(SCENARIO)
        results = execute(RunSession(plan, RunOptions(out), run_id=run_id))
        elapsed = time.monotonic() - started
    if results.status != "passed":
        raise RuntimeError(f"the tiny run directly: {results.status} ({results.error})")
    return elapsed


def _flow(out: Path) -> float:
    from rehearsal.flows.launch import Handover, rehearsal_run
    from rehearsal.runs.admission import admit
    from rehearsal.scenarios.planning import load_plan

    run_id = bench_id("flow")
    with owned(docker_client(), run_id):
        started = time.monotonic()
        handover = Handover(admit(load_plan(SCENARIO)), None)
        results = rehearsal_run(str(SCENARIO), None, str(out), False, run_id, handover)
        elapsed = time.monotonic() - started
    if results.status != "passed":
        raise RuntimeError(f"the tiny run as a flow: {results.status}")
    return elapsed


def _against_server(out: Path, repeats: int) -> dict[str, list[float]]:
    """In this (child) process, pointed at the running server: both ways, alternated so
    load from elsewhere hits both."""
    import rehearsal.flows.launch  # noqa: F401  (Prefect settings as a real run has them, set first)

    _timed_noop_flow(0)  # the first flow of a process loads Prefect's machinery
    times: dict[str, list[float]] = {"direct": [], "flow": []}
    for _ in range(repeats):
        times["direct"].append(_direct(out))
        times["flow"].append(_flow(out))
    return times


def _serve_until_visible(env: dict[str, str], scenarios: Path, reports: Path) -> float:
    from tests.integration.prefect_server import wait_for

    def visible() -> bool:
        # Over HTTP: this process's Prefect settings were read before the server existed.
        import httpx

        found = httpx.post(f"{env['PREFECT_API_URL']}/deployments/filter", json={}, timeout=10)
        return any(d["name"] == "launch" for d in found.json())

    started = time.monotonic()
    argv = [sys.executable, "-m", "rehearsal", "serve", "--scenarios", str(scenarios)]
    serving = subprocess.Popen(
        [*argv, "--reports", str(reports)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(visible, 300, "the launch deployment")
        return time.monotonic() - started
    finally:
        serving.terminate()
        serving.wait(timeout=60)


def _with_server(options: Options, out: Path) -> dict[str, Any]:
    from tests.integration.prefect_server import prefect_server

    home = options.workdir / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    with prefect_server(home) as env:
        child = subprocess.run(
            [sys.executable, "-m", "bench.prefect_overhead", str(out)]
            + [str(options.repeats(3, 1))],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if child.returncode != 0:
            raise RuntimeError(f"the measuring process failed: {child.stderr[-2000:]}")
        times: dict[str, Any] = json.loads(child.stdout.splitlines()[-1])
        times["visible"] = _serve_until_visible(env, SCENARIO.parent, out)
    return times


def measure(options: Options) -> list[Figure]:
    import rehearsal.flows.launch  # noqa: F401  (Prefect settings as a real run has them, set first)

    out = options.workdir / "prefect"
    first, warm = _timed_noop_flow(0), _timed_noop_flow(0)
    with_tasks = min(_timed_noop_flow(TASKS) for _ in range(2))
    per_task = (with_tasks - min(warm, _timed_noop_flow(0))) / TASKS
    server = first - warm
    timed = _with_server(options, out)
    direct, flowed = timed["direct"], timed["flow"]
    overhead = min(flowed) - min(direct)
    return [
        Figure(
            "prefect",
            "flow overhead per run, server up",
            "s",
            overhead,
            target=TARGET_S,
            note=f"flow {min(flowed):.1f} s vs execute {min(direct):.1f} s (best of "
            f"{len(direct)}), against a running prefect server",
        ),
        Figure(
            "prefect",
            "CLI run without a server: extra start",
            "s",
            server,
            note="the temporary server a run starts when no PREFECT_API_URL is set "
            "(first no-op flow − second)",
        ),
        Figure("prefect", "per-task overhead", "ms", per_task * 1000, note=f"{TASKS} no-op tasks"),
        Figure(
            "prefect",
            "rehearsal serve → deployments visible",
            "s",
            timed["visible"],
            note="process start to the launch deployment read back through the API",
        ),
    ]


if __name__ == "__main__":
    # The measuring child: ``python -m bench.prefect_overhead OUT REPEATS``, prints JSON.
    print(json.dumps(_against_server(Path(sys.argv[1]), int(sys.argv[2]))))
