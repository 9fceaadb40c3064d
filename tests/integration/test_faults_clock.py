"""Clock faults for real: a node's service, logging the time it sees, logs a shifted time
(ahead and behind) or a fast clock while the fault is on and the true time after; the
tool's own commands in the node keep the true time; the revert also comes from the dead
man's switch when the orchestrator is killed, and from ``rehearsal recover``."""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from bench.killable import self_revert_times
from rehearsal.envs.base import Environment
from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.runs.recovery import recover
from rehearsal.scenarios.faults import switch
from rehearsal.scenarios.faults.lifecycle import ActiveFault
from tests.integration.conftest import converged, eventually, injected, make

pytestmark = pytest.mark.docker

NODE = "clock1"
LOG = f"/var/log/{NODE}.log"
# One long-lived process that logs the wall-clock time it sees, five times a second.
LOGGER = (
    "import time\nwhile True:\n    print(f'{time.time():.3f}', flush=True)\n    time.sleep(0.2)\n"
)
PROFILE: dict[str, Any] = {
    "customer": {"name": "Clock test"},
    "business": {"targets": {"rto": "1m"}},
    "nodes": [
        {
            "name": NODE,
            "role": "service",
            "networks": ["front"],
            "packages": ["libfaketime"],
            "params": {"command": ["python3", "-c", LOGGER], "user": "clocksvc"},
        }
    ],
    "networks": [{"name": "front"}],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    folder = tmp_path_factory.mktemp("clock")
    (folder / "profile.yaml").write_text(yaml.safe_dump(PROFILE, sort_keys=False))
    run_id = f"clock-test-{secrets.token_hex(3)}"
    run_dir = folder / run_id
    with converged(folder / "profile.yaml", run_dir) as mirror:
        yield mirror


@pytest.fixture
def env(built: Mirror) -> Environment:
    assert built.env is not None
    return built.env


def logged_offset(env: Environment) -> float:
    """How far the service's last logged time is from the true time, in seconds (a fresh
    line: the log is truncated first, so a line from before a restart cannot answer)."""
    env.exec(NODE, ["truncate", "-s", "0", LOG], 10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        line = env.exec(NODE, ["tail", "-n", "1", LOG], 10).output.strip()
        if line.replace(".", "").isdigit():
            return float(line) - time.time()
        time.sleep(0.2)
    raise AssertionError(f"{NODE} logged nothing for 15 s")


def node_time_offset(env: Environment) -> float:
    """How far the node's clock is off for the tool's own commands."""
    return float(env.exec(NODE, ["date", "+%s.%N"], 10).output) - time.time()


def test_an_offset_ahead_shows_in_the_service_log_and_is_gone_after_the_revert(
    env: Environment,
) -> None:
    assert abs(logged_offset(env)) < 5
    with injected(env, {"type": "clock.offset", "target": NODE, "offset": "+2h"}) as fault:
        assert abs(logged_offset(env) - 7200) < 5
        assert abs(node_time_offset(env)) < 5  # sshd and exec keep the true time
        assert fault.is_injected()
    assert fault.is_reverted()
    assert abs(logged_offset(env)) < 5


def test_an_offset_behind_names_its_service(env: Environment) -> None:
    spec = {"type": "clock.offset", "target": NODE, "offset": "-90s", "services": [NODE]}
    with injected(env, spec):
        assert abs(logged_offset(env) + 90) < 5
    assert abs(logged_offset(env)) < 5


def _clock_rate(env: Environment, over_s: float = 4.0) -> float:
    """How many seconds the service's clock moves while the true clock moves one."""
    first = logged_offset(env) + time.time()
    started = time.time()
    time.sleep(over_s)
    env.exec(NODE, ["truncate", "-s", "0", LOG], 10)
    last = logged_offset(env) + time.time()
    return (last - first) / (time.time() - started)


def test_drift_makes_the_service_clock_run_faster_and_the_revert_true_again(
    env: Environment,
) -> None:
    with injected(env, {"type": "clock.drift", "target": NODE, "rate": 3}):
        assert 2.4 < _clock_rate(env) < 3.4
        assert abs(node_time_offset(env)) < 5
    assert 0.8 < _clock_rate(env, 2) < 1.2
    assert abs(logged_offset(env)) < 5


def test_killed_orchestrator_the_switch_gives_the_service_its_true_time_back(
    built: Mirror, env: Environment, tmp_path: Path
) -> None:
    shutil.copytree(built.run_dir / "ssh", tmp_path / "ssh")
    spec = {"type": "clock.offset", "target": NODE, "offset": "+1h", "switch_after": "6s"}
    took = self_revert_times(env, tmp_path, {"clock": spec}, 40)
    assert "clock" in took and took["clock"] < 20, took
    assert abs(logged_offset(env)) < 5
    recover(docker.from_env(), tmp_path, force=True)
    fired = [e for e in read_journal(tmp_path) if e["event"] == "fault.switch_fired"]
    assert [e["nodes"] for e in fired] == [{NODE: 0}], fired


def test_recover_reverts_from_the_journal_alone(
    built: Mirror, env: Environment, tmp_path: Path
) -> None:
    shutil.copytree(built.run_dir / "ssh", tmp_path / "ssh")
    with Journal(tmp_path) as journal:
        journal.record(
            "run.started",
            run_id=env.run_id,
            kind="rehearsal",
            title="a run that crashed",
            customer="test",
            profile="profile.yaml",
            scenario="crashed",
            team={},
        )
        spec = {"type": "clock.offset", "target": NODE, "offset": "-1h"}
        active = ActiveFault("F1", make(env, spec), journal, "p1", lambda *_: None)
        assert active.inject()
    try:
        assert abs(logged_offset(env) + 3600) < 5
        done = recover(docker.from_env(), tmp_path, force=True)
    finally:
        switch.HEARTBEAT.forget(env)
    assert [(r.fault, r.error) for r in done] == [("F1", None)]
    assert eventually(lambda: abs(logged_offset(env)) < 5)
