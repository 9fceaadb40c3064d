"""Crash anywhere, lose nothing: a run SIGKILLed at any point keeps its journal, still gets a
report (marked incomplete), and its reaper removes every Docker resource it made.

The kill points are journal events watched from outside the process (no test hook lives in
the product). Runs go a few at a time to keep the test's time sane on two cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.journal.writer import read_journal_lines
from tests.conftest import ROOT

pytestmark = pytest.mark.docker
DATA = Path(__file__).parent / "data" / "hardening"
TOKEN = "tok-3f9a1c7e5b2d8046"

# (event, fields it must have): the run is killed as soon as such an event is journaled.
KILL_POINTS: list[tuple[str, dict[str, Any]]] = [
    ("run.started", {}),  # preparing images
    ("images.ready", {}),  # creating networks and containers
    ("environment.up", {}),  # Ansible converge
    ("converge.finished", {}),
    ("steady_state.checking", {"when": "before"}),
    ("phase.started", {}),
    ("step.started", {"type": "load"}),
    ("load.sample", {}),
    ("step.started", {"type": "action"}),
    ("step.started", {"type": "fault"}),
    ("fault.injecting", {}),
    ("fault.injected", {}),  # the fault is active in the node
    ("step.started", {"type": "wait"}),
    ("step.started", {"type": "runbook"}),
    ("runbook.step.started", {}),
    ("runbook.step.finished", {}),
    ("step.started", {"type": "check"}),
    ("step.started", {"type": "evidence"}),
    ("step.started", {"type": "observe"}),
    ("phase.finished", {}),
    ("steady_state.checking", {"when": "after"}),
    ("run.finished", {}),  # writing the reports
]
AT_ONCE = 4


@dataclass
class Killed:
    point: str
    reached: bool
    run_dir: Path | None
    run_id: str | None
    group: int


def _helpers(group: int) -> list[str]:
    """Prefect's temporary server or ansible-playbook still running in the killed run's
    process group (its direct children, which the reaper ends)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if (
            fields[2] == str(group)
            and fields[0] != "Z"
            and ("uvicorn" in argv or "ansible-playbook" in argv)
        ):
            found.append(f"{entry.name} {argv[:80]}")
    return found


def _matches(event: dict[str, Any], name: str, fields: dict[str, Any]) -> bool:
    return event.get("event") == name and all(event.get(k) == v for k, v in fields.items())


def _kill_at(point: tuple[str, dict[str, Any]], out: Path) -> Killed:
    """Start a run, SIGKILL it the moment the journal shows ``point``."""
    name, fields = point
    label = name + "".join(f"[{v}]" for v in fields.values())
    env = {**os.environ, "REHEARSAL_TEST_API_TOKEN": TOKEN}
    argv = [sys.executable, "-m", "rehearsal", "run", str(DATA / "scenario.yaml")]
    argv += ["--out", str(out), "--answers", str(DATA / "answers.yaml"), "--people", "none"]
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    reached, run_dir, seen = False, None, 0
    deadline = time.monotonic() + 600
    try:
        while process.poll() is None and time.monotonic() < deadline:
            run_dir = next((p for p in out.iterdir() if p.is_dir()), None) if out.exists() else None
            journal = run_dir / "journal.jsonl" if run_dir else None
            if journal is not None and journal.exists():
                lines = journal.read_text(errors="replace").splitlines()
                for line in lines[seen:]:
                    try:
                        event = json.loads(line)
                    except json.JSONDecodeError:
                        break
                    seen += 1
                    if _matches(event, name, fields):
                        reached = True
                        break
                if reached:
                    os.kill(process.pid, signal.SIGKILL)
                    break
            time.sleep(0.02)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
    run_id = None
    if run_dir is not None:
        events = [e for e in read_journal_lines(run_dir).events if e["event"] != "probe.sample"]
        run_id = next((e["run_id"] for e in events if e["event"] == "run.started"), None)
        # Later events can land in the same millisecond: say where it really died.
        label += f" (last event: {events[-1]['event']})" if events else ""
    return Killed(label, reached, run_dir, run_id, process.pid)


def _labelled(run_id: str) -> list[str]:
    import docker

    client = docker.from_env()
    selector = {"label": f"rehearsal.run={run_id}"}
    return (
        [f"container {c.name}" for c in client.containers.list(all=True, filters=selector)]
        + [f"network {n.name}" for n in client.networks.list(filters=selector)]
        + [f"volume {v.name}" for v in client.volumes.list(filters=selector)]
    )


def _gone_within(run_id: str, timeout_s: float) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while (left := _labelled(run_id)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def test_a_run_killed_anywhere_keeps_its_journal_and_leaks_nothing(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        killed = list(
            pool.map(
                lambda item: _kill_at(item[1], tmp_path / f"k{item[0]:02d}"),
                enumerate(KILL_POINTS),
            )
        )
    tried = [k for k in killed if k.reached]
    left: dict[str, list[str]] = {}
    problems: list[str] = []
    for k in tried:
        assert k.run_dir is not None and k.run_id is not None, k.point
        read = read_journal_lines(k.run_dir)
        assert read.unreadable <= 1 and (read.unreadable == 0 or read.last_line_cut), k.point
        names = [event["event"] for event in read.events]
        assert names[0] == "run.started", k.point
        assert k.point.split("[")[0].split(" ")[0] in names, k.point

        result = CliRunner().invoke(app, ["report", str(k.run_dir)])
        if result.exit_code != 0:
            problems.append(f"{k.point}: report exit {result.exit_code}: {result.output}")
            continue
        status = json.loads((k.run_dir / "results.json").read_text())["status"]
        finished = "run.finished" in names
        if not finished and status != "incomplete":
            problems.append(f"{k.point}: report status {status}, not incomplete")
        assert (k.run_dir / "report.html").is_file()

        remaining = _gone_within(k.run_id, 60)
        if remaining:
            left[k.point] = remaining
        if helpers := _helpers(k.group):
            problems.append(f"{k.point}: the dead run's helpers still run: {helpers}")
        if (k.run_dir / "ssh").exists():
            problems.append(f"{k.point}: the run's SSH keys outlived it")
        for path in k.run_dir.rglob("*"):
            if path.is_file() and TOKEN.encode() in path.read_bytes():
                problems.append(f"{k.point}: the secret is in {path.relative_to(k.run_dir)}")
    # Every fault lives inside a node, so no node left means no fault left active.
    print(
        f"\nkill points tried: {len(tried)} of {len(KILL_POINTS)}, "
        f"resources left: {sum(map(len, left.values()))}"
    )
    for k in tried:
        print(f"  killed at {k.point}")
    missed = [k.point for k in killed if not k.reached]
    for k in killed:  # hygiene, whatever was asserted: nothing of the runs' groups stays
        try:
            os.killpg(k.group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert len(tried) >= 20, f"only {len(tried)} kill points reached; missed {missed}"
    assert not left, left
    assert not problems, problems
