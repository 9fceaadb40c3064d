"""Scale-out for real: `rehearsal serve --pool` puts the deployments on a process work pool,
two workers on this machine take runs from it, and runs naming the same lab host never
overlap (their journals' first and last events say when each ran). Registration and workers
run from the wheel install, as on a worker host: the checkout is not importable there."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.prefect_server import launch_choice, prefect_server, wait_for
from tests.integration.test_demo_drill import _labelled
from tests.integration.wheel import wheel_env

pytestmark = [pytest.mark.docker, pytest.mark.prefect]
DATA = Path(__file__).parent / "data" / "serve"
POOL = "lab-pool"


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory, wheel_venv: Path) -> Iterator[dict[str, Any]]:
    reports = tmp_path_factory.mktemp("reports")
    logs = tmp_path_factory.mktemp("workers")
    python = wheel_venv / "bin" / "python"
    with prefect_server(tmp_path_factory.mktemp("prefect-home")) as env:
        worker_env = wheel_env(wheel_venv, env)
        argv = [python, "-m", "rehearsal", "serve", "--pool", POOL]
        registered = subprocess.run(
            [*argv, "--scenarios", str(DATA), "--reports", str(reports)],
            cwd=logs,
            env=worker_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert registered.returncode == 0, registered.stderr
        workers = {}
        for name in ("worker-a", "worker-b"):
            log = (logs / f"{name}.log").open("w")
            workers[name] = (
                subprocess.Popen(
                    [python, "-m", "prefect", "worker", "start", "--pool", POOL]
                    + ["--name", name, "--limit", "1"],
                    cwd=logs,
                    env=worker_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                logs / f"{name}.log",
            )
        try:
            yield {"reports": reports, "workers": workers}
        finally:
            for process, _log in workers.values():
                process.terminate()
                process.wait(timeout=120)


def _flow_run(flow_run_id: Any) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id)


def _submitted_by_worker() -> dict[str, list[str]]:
    """Flow run ids by the worker that submitted them, from the server's event feed."""
    import httpx

    query = {"filter": {"event": {"prefix": ["prefect.worker.submitted-flow-run"]}}, "limit": 50}
    found = httpx.post(f"{os.environ['PREFECT_API_URL']}/events/filter", json=query, timeout=30)
    found.raise_for_status()
    took: dict[str, list[str]] = {}
    for event in found.json()["events"]:
        worker = event["resource"]["prefect.resource.name"]
        for related in event["related"]:
            if related["prefect.resource.role"] == "flow-run":
                took.setdefault(worker, []).append(related["prefect.resource.id"].split(".")[-1])
    return took


def _span(run_dir: Path) -> tuple[datetime, datetime]:
    events = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    return datetime.fromisoformat(events[0]["at"]), datetime.fromisoformat(events[-1]["at"])


def test_two_workers_share_the_pool_and_one_lab_host_takes_one_run_at_a_time(
    pool: dict[str, Any],
) -> None:
    from prefect.deployments import run_deployment

    quick = launch_choice(DATA, "quick.yaml")
    launches = [
        {"scenario": quick, "lab_host": "lab-a.example", "notes": "first on lab-a"},
        {"scenario": quick, "lab_host": "lab-a.example", "notes": "second on lab-a"},
        {"scenario": quick, "notes": "no lab host"},
    ]
    flow_runs = [
        run_deployment("rehearsal-launch/launch", timeout=0, parameters=parameters)
        for parameters in launches
    ]
    ended = [
        wait_for(lambda r=r: (s := _flow_run(r.id)).state.is_final() and s, 900, "the runs")
        for r in flow_runs
    ]
    assert all(run.state.is_completed() for run in ended), [run.state for run in ended]

    took = _submitted_by_worker()
    assert sorted(took) == ["worker-a", "worker-b"], f"each worker took a run: {took}"
    assert sorted(sum(took.values(), [])) == sorted(str(run.id) for run in ended)

    first, second = (_span(pool["reports"] / run.name) for run in ended[:2])
    assert first[1] <= second[0] or second[1] <= first[0], (
        f"runs on lab-a overlapped: {first} and {second}"
    )
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name("lab-host-lab-a.example")
    assert (limit.limit, limit.active_slots) == (1, 0)
    for run in ended:
        results = json.loads((pool["reports"] / run.name / "results.json").read_text())
        assert results["status"] == "passed"
        assert _labelled(run.name) == []
