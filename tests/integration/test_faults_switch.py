"""The dead man's switch: SIGKILL the orchestrator while a fault of each node-changing
family is on, and the nodes undo them by themselves within the bound, with no command
from the orchestrator; ``rehearsal recover`` then journals which switch fired."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import docker
import pytest

from bench.killable import self_revert_times
from rehearsal.envs.docker import DockerEnvironment
from rehearsal.journal.writer import read_journal
from rehearsal.runs.recovery import recover
from tests.integration.conftest import HTTP_PORT, run_dir_of

pytestmark = pytest.mark.docker

BOUND_S = 6
FAMILIES: dict[str, dict[str, Any]] = {
    "network": {"type": "network.port-block", "target": "n1", "port": HTTP_PORT},
    "shaping": {"type": "network.bandwidth", "target": "n2", "rate": "1mbit"},
    "process": {"type": "process.hang", "target": "n3", "pattern": "http.server"},
    "resource": {"type": "resource.cpu", "target": "n2", "workers": 1},
}


def test_killed_orchestrator_faults_revert_themselves_within_the_bound(
    nodes: DockerEnvironment, tmp_path: Path
) -> None:
    run_dir = tmp_path  # a journal of its own: fault ids F1... are this test's
    shutil.copytree(run_dir_of(nodes) / "ssh", run_dir / "ssh")
    specs = {name: {**spec, "switch_after": f"{BOUND_S}s"} for name, spec in FAMILIES.items()}
    took = self_revert_times(nodes, run_dir, specs, BOUND_S + 10)
    assert set(took) == set(FAMILIES), f"not reverted by their switch: {set(FAMILIES) - set(took)}"
    assert max(took.values()) < BOUND_S + 2, took
    for node in nodes.nodes():
        assert not nodes.exec(node, ["pgrep", "-f", "[r]ehearsal-switch"], 5).ok, node
    recover(docker.from_env(), run_dir, force=True)
    fired = [e for e in read_journal(run_dir) if e["event"] == "fault.switch_fired"]
    assert {e["fault"] for e in fired} == {"F1", "F2", "F3", "F4"}, fired
    assert all(set(e["nodes"].values()) == {0} for e in fired), fired
