"""How fast an emergency stop undoes a lab: three concurrent CLI runs each hold two faults
(a stopped service and a blocked port), then ``rehearsal stop --all`` is timed from its
start to the last fault reverted (the journals' ``fault.reverted`` times) and to its exit.

The runs use a real Prefect server and a state folder of their own, so the stop never
refuses anyone else's runs; it is lifted at the end.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import docker_client, remove_run
from rehearsal.journal.writer import read_journal
from rehearsal.runs.recovery import still_injected

ROOT = Path(__file__).resolve().parents[1]
HELD = ROOT / "tests" / "integration" / "data" / "stop" / "held.yaml"
RUNS = 3
TARGET_S = 5.0


def _faults_in(run_dir: Path) -> bool:
    journal = run_dir / "journal.jsonl"
    return journal.is_file() and journal.read_text().count('"fault.injected"') == 2


def _stop_three(env: dict[str, str], workdir: Path) -> tuple[float, float]:
    from tests.integration.prefect_server import wait_for

    outs = [workdir / f"reports-{n}" for n in range(RUNS)]
    argv = [sys.executable, "-m", "rehearsal", "run", str(HELD), "--out"]
    runs = [
        subprocess.Popen(
            [*argv, str(out)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for out in outs
    ]
    run_dirs: list[Path] = []
    try:
        run_dirs = [wait_for(lambda o=o: next(o.glob("*/"), None), 300, "a run") for o in outs]
        for run_dir in run_dirs:
            wait_for(lambda d=run_dir: _faults_in(d), 900, "the faults")
        began = datetime.now(UTC)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "rehearsal", "stop", "--all", "--why", "bench"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=300,
            check=True,
        )
        command_s = time.monotonic() - started
        last = began
        for run_dir in run_dirs:
            events = read_journal(run_dir)
            if still_injected(events):
                raise RuntimeError(f"{run_dir.name}: a fault is still injected after the stop")
            reverted = [
                datetime.fromisoformat(e["at"]) for e in events if e["event"] == "fault.reverted"
            ]
            last = max([last, *reverted])
        return (last - began).total_seconds(), command_s
    finally:
        for process in runs:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=60)
        for run_dir in run_dirs:
            remove_run(docker_client(), run_dir.name)
        subprocess.run(
            [sys.executable, "-m", "rehearsal", "stop", "--lift"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
        )


def measure(options: Options) -> list[Figure]:
    from tests.integration.prefect_server import prefect_server

    workdir = options.workdir / "emergency-stop"
    home = workdir / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    with prefect_server(home) as env:
        reverted_s, command_s = _stop_three(
            {**env, "REHEARSAL_STATE_DIR": str(workdir / "state")}, workdir
        )
    return [
        Figure(
            "emergency_stop",
            f"stop --all → every fault reverted, {RUNS} runs",
            "s",
            reverted_s,
            target=TARGET_S,
            note=f"{RUNS * 2} faults; last fault.reverted in the journals − stop start",
        ),
        Figure(
            "emergency_stop",
            "stop --all command, start to exit",
            "s",
            command_s,
            note="includes killing, teardown and rebuilding the three reports",
        ),
    ]
