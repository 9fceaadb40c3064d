"""Emergency stop for real: three CLI runs hold faults on their mirrors (one of them hung
with SIGSTOP, one kept), `rehearsal stop --all` reverts every fault from the journals,
kills the runs, tears down all but the kept mirror, journals who stopped and why, marks
the flow runs Cancelled; new runs are refused until `rehearsal stop --lift`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rehearsal.journal.writer import read_journal
from rehearsal.runs.recovery import still_injected
from tests.conftest import ROOT
from tests.integration.prefect_server import launch_choice, prefect_server, wait_for
from tests.integration.test_demo_drill import _labelled

pytestmark = [pytest.mark.docker, pytest.mark.prefect]
DATA = Path(__file__).parent / "data"
HELD = DATA / "stop" / "held.yaml"
QUICK = DATA / "serve" / "quick.yaml"


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A Prefect server and a state folder of the test's own, so a stop here does not
    refuse other people's runs on this machine."""
    with prefect_server(tmp_path / "prefect-home") as env:
        yield {**env, "REHEARSAL_STATE_DIR": str(tmp_path / "state")}


def _rehearsal(env: dict[str, str], *args: str, timeout: float = 600) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "rehearsal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _start(env: dict[str, str], out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "rehearsal", "run", str(HELD), "--out", str(out), *extra],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _both_faults_in(run_dir: Path) -> bool:
    journal = run_dir / "journal.jsonl"
    return journal.is_file() and journal.read_text().count('"fault.injected"') == 2


def _port_open(address: str, port: int = 80) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def test_emergency_stop_reverts_every_fault_of_three_runs_and_refuses_new_ones_until_lifted(
    machine: dict[str, str], tmp_path: Path
) -> None:
    import docker
    from prefect.client.orchestration import get_client

    outs = [tmp_path / f"reports-{n}" for n in range(3)]
    runs = [_start(machine, outs[0]), _start(machine, outs[1]), _start(machine, outs[2], "--keep")]
    run_dirs: list[Path] = []
    kept_id = ""
    try:
        for out in outs:
            run_dir = wait_for(lambda out=out: next(out.glob("*/"), None), 300, "a run folder")
            run_dirs.append(run_dir)
        for run_dir in run_dirs:
            wait_for(lambda d=run_dir: _both_faults_in(d), 900, f"faults in {run_dir.name}")
        kept_id = run_dirs[2].name
        os.kill(runs[1].pid, signal.SIGSTOP)  # a hung run: it will never revert by itself

        stopped = _rehearsal(
            machine, "stop", "--all", "--why", "lab host overheating", "--by", "Ops Lee"
        )
        assert stopped.returncode == 0, stopped.stderr
        assert "3 run(s) stopped" in stopped.stdout
        for process in runs:
            assert process.wait(timeout=60) == -signal.SIGKILL

        for run_dir in run_dirs:
            events = read_journal(run_dir)
            [stop] = [e for e in events if e["event"] == "emergency_stop"]
            assert (stop["by"], stop["why"]) == ("Ops Lee", "lab host overheating")
            assert still_injected(events) == [], f"{run_dir.name}: a fault is still injected"
            reverted = [e for e in events if e["event"] == "fault.reverted"]
            assert [(e["by"], e["status"]) for e in reverted] == [
                ("emergency_stop", "reverted")
            ] * 2
            results = json.loads((run_dir / "results.json").read_text())
            assert results["status"] == "cancelled"
        assert _labelled(run_dirs[0].name) == [] and _labelled(run_dirs[1].name) == []

        # The kept mirror is there, and back to its steady state: nginx answers on port 80.
        [web1] = docker.from_env().containers.list(filters={"label": f"rehearsal.run={kept_id}"})
        address = next(iter(web1.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]
        assert wait_for(lambda: _port_open(address), 30, "nginx on the kept mirror")

        with get_client(sync_client=True) as client:
            flow_runs = {r.name: r for r in client.read_flow_runs()}
        assert all(flow_runs[d.name].state.is_cancelled() for d in run_dirs)

        refused = _rehearsal(machine, "run", str(QUICK), "--out", str(tmp_path / "refused"))
        assert refused.returncode == 2
        assert "emergency stop by Ops Lee" in refused.stderr and "--lift" in refused.stderr
        assert not (tmp_path / "refused").exists()

        lifted = _rehearsal(machine, "stop", "--lift")
        assert lifted.returncode == 0, lifted.stderr
        again = _rehearsal(machine, "stop", "--lift")
        assert again.returncode == 2 and "nothing is stopped" in again.stderr
        after = _rehearsal(machine, "run", str(QUICK), "--out", str(tmp_path / "after"))
        assert after.returncode == 0, after.stderr
    finally:
        for process in runs:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.wait(timeout=60)
        if kept_id:
            _rehearsal(machine, "env", "down", kept_id)


def test_stopping_a_run_that_does_not_exist_changes_nothing(
    machine: dict[str, str], tmp_path: Path
) -> None:
    unknown = _rehearsal(machine, "stop", "20990101T000000Z-nothing-000000")
    assert unknown.returncode == 2 and "no live run" in unknown.stderr
    nothing = _rehearsal(machine, "stop", "--lift")
    assert nothing.returncode == 2 and "nothing is stopped" in nothing.stderr
    assert not (tmp_path / "state" / "stopped.json").exists()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`rehearsal serve` of the held scenario, with the serving machine's own state folder.
    What it and its flow runs print (a watch thread's traceback among it) is kept in
    ``serve.log`` beside the reports folder, for when a test here fails."""
    reports = tmp_path_factory.mktemp("reports")
    with (
        prefect_server(tmp_path_factory.mktemp("prefect-home")) as env,
        (reports.parent / "serve.log").open("w") as output,
    ):
        here = {**env, "REHEARSAL_STATE_DIR": str(tmp_path_factory.mktemp("state-serving"))}
        serving = subprocess.Popen(
            [sys.executable, "-m", "rehearsal", "serve", "--scenarios", str(HELD.parent)]
            + ["--reports", str(reports)],
            cwd=ROOT,
            env=here,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: len(_deployments()) >= 2, 120, "the deployments")
            yield {"env": here, "reports": reports}
        finally:
            serving.terminate()
            serving.wait(timeout=60)


def _deployments() -> dict[str, Any]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return {d.name: d for d in client.read_deployments()}


def _flow_run(flow_run_id: Any) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id)


def _launch_held(served: dict[str, Any]) -> tuple[Any, Path]:
    from prefect.deployments import run_deployment

    launched = run_deployment(
        "rehearsal-launch/launch",
        timeout=0,
        parameters={"scenario": launch_choice(HELD.parent, "held.yaml")},
    )
    run = wait_for(lambda: (r := _flow_run(launched.id)).state.is_running() and r, 300, "start")
    run_dir = served["reports"] / run.name
    wait_for(lambda: _both_faults_in(run_dir), 900, "the faults")
    return launched, run_dir


def test_the_emergency_stop_deployment_is_the_button_in_the_ui(served: dict[str, Any]) -> None:
    from prefect.deployments import run_deployment

    launched, run_dir = _launch_held(served)
    pressed = run_deployment(
        "rehearsal-emergency-stop/emergency-stop",
        parameters={"why": "customer called", "by": "Duty Manager"},
        timeout=600,
    )
    assert pressed.state.is_completed(), pressed.state
    events = read_journal(run_dir)
    [stop] = [e for e in events if e["event"] == "emergency_stop"]
    assert (stop["by"], stop["why"]) == ("Duty Manager", "customer called")
    assert still_injected(events) == []
    assert _labelled(run_dir.name) == []
    assert wait_for(lambda: _flow_run(launched.id).state.is_final(), 60, "the flow run's end")
    lifted = _rehearsal(served["env"], "stop", "--lift")
    assert lifted.returncode == 0, lifted.stderr


def test_a_stop_from_another_machine_reaches_pool_runs_through_prefect(
    served: dict[str, Any], tmp_path: Path
) -> None:
    """The stopping machine has its own state folder, so it knows the served run only as a
    flow run: it cancels it, and the run unwinds itself and journals who stopped it."""
    from prefect.deployments import run_deployment

    elsewhere = {**served["env"], "REHEARSAL_STATE_DIR": str(tmp_path / "state-elsewhere")}
    launched, run_dir = _launch_held(served)
    stopped = _rehearsal(elsewhere, "stop", "--all", "--why", "cutover freeze", "--by", "Ops Lee")
    assert stopped.returncode == 0, stopped.stderr
    assert f"stopped {run_dir.name} (via Prefect)" in stopped.stdout
    wait_for(lambda: _flow_run(launched.id).state.is_final(), 300, "the run to unwind")
    results_file = run_dir / "results.json"
    wait_for(results_file.exists, 120, "the report")
    events = read_journal(run_dir)
    assert [(e["by"], e["why"]) for e in events if e["event"] == "emergency_stop"] == [
        ("Ops Lee", "cutover freeze")
    ]
    assert still_injected(events) == []
    assert _labelled(run_dir.name) == []

    refused = run_deployment(
        "rehearsal-launch/launch",
        timeout=0,
        parameters={"scenario": launch_choice(HELD.parent, "held.yaml")},
    )
    ended = wait_for(lambda: (r := _flow_run(refused.id)).state.is_final() and r, 300, "refusal")
    assert ended.state.is_failed() and "emergency stop by Ops Lee" in (ended.state.message or "")
    lifted = _rehearsal(elsewhere, "stop", "--lift")
    assert lifted.returncode == 0, lifted.stderr
