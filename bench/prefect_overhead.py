"""What the Prefect flow costs on top of the engine: ``rehearsal_run`` vs ``execute``.

A tiny profile and scenario keep the run short, so the difference is the orchestration.
The ephemeral API server Prefect starts on a process's first flow is measured apart
(first no-op flow minus the second), and so is the cost of one task.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import docker_client

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
    from rehearsal.models.loading import load_plan
    from rehearsal.session import RunOptions, RunSession, execute

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
    from rehearsal.flows import rehearsal_run

    run_id = bench_id("flow")
    with owned(docker_client(), run_id):
        started = time.monotonic()
        outcome = rehearsal_run(str(SCENARIO), None, str(out), False, run_id)
        elapsed = time.monotonic() - started
    if outcome["status"] != "passed":
        raise RuntimeError(f"the tiny run as a flow: {outcome['status']}")
    return elapsed


def measure(options: Options) -> list[Figure]:
    import rehearsal.flows  # noqa: F401  (Prefect settings as a real run has them, set first)

    out = options.workdir / "prefect"
    first, warm = _timed_noop_flow(0), _timed_noop_flow(0)
    with_tasks = min(_timed_noop_flow(TASKS) for _ in range(2))
    per_task = (with_tasks - min(warm, _timed_noop_flow(0))) / TASKS
    direct, flowed = [], []
    for _ in range(options.repeats(2, 1)):  # alternate, so load from elsewhere hits both
        direct.append(_direct(out))
        flowed.append(_flow(out))
    overhead = min(flowed) - min(direct)
    server = first - warm
    return [
        Figure(
            "prefect",
            "flow overhead per run, server up",
            "s",
            overhead,
            target=TARGET_S,
            note=f"flow {min(flowed):.1f} s vs execute {min(direct):.1f} s (best of {len(direct)})",
        ),
        Figure(
            "prefect",
            "flow overhead incl. server start",
            "s",
            overhead + server,
            target=TARGET_S,
            note="a CLI run pays the ephemeral server start once",
        ),
        Figure("prefect", "ephemeral server start", "s", server, note="first no-op flow − second"),
        Figure("prefect", "per-task overhead", "ms", per_task * 1000, note=f"{TASKS} no-op tasks"),
    ]
