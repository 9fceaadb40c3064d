"""The dead man's switch: SIGKILL the orchestrator while a fault of each node-changing
family is on, and the nodes undo them by themselves within the bound, with no command
from the orchestrator; ``rehearsal recover`` then journals which switch fired."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import docker
import pytest

from rehearsal.envs.docker import DockerEnvironment
from rehearsal.journal import read_journal
from rehearsal.recovery import recover
from rehearsal.scenarios.faults.lifecycle import revert_with_retries
from tests.integration.conftest import HTTP_PORT, make, run_dir_of

pytestmark = pytest.mark.docker

BOUND_S = 6
FAMILIES: dict[str, dict[str, Any]] = {
    "network": {"type": "network.port-block", "target": "n1", "port": HTTP_PORT},
    "shaping": {"type": "network.bandwidth", "target": "n2", "rate": "1mbit"},
    "process": {"type": "process.hang", "target": "n3", "pattern": "http[.]server"},
    "resource": {"type": "resource.cpu", "target": "n2", "workers": 1},
}


def test_killed_orchestrator_faults_revert_themselves_within_the_bound(
    nodes: DockerEnvironment, tmp_path: Path
) -> None:
    run_dir = tmp_path  # a journal of its own: fault ids F1... are this test's
    shutil.copytree(run_dir_of(nodes) / "ssh", run_dir / "ssh")
    specs = [{**spec, "switch_after": f"{BOUND_S}s"} for spec in FAMILIES.values()]
    orchestrator = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.orchestrator", str(run_dir), nodes.run_id,
         json.dumps(specs)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    faults = {family: make(nodes, spec) for family, spec in zip(FAMILIES, specs, strict=True)}
    try:
        assert orchestrator.stdout is not None
        assert orchestrator.stdout.readline().strip() == "injected"
        assert all(fault.is_injected() for fault in faults.values())
        orchestrator.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        orchestrator.wait(10)
        took: dict[str, float] = {}
        while len(took) < len(faults) and time.monotonic() - killed < BOUND_S + 10:
            for family, fault in faults.items():
                if family not in took and fault.is_reverted():
                    took[family] = time.monotonic() - killed
            time.sleep(0.2)
        assert set(took) == set(faults), f"not reverted by their switch: {set(faults) - set(took)}"
        assert max(took.values()) < BOUND_S + 2, took
    finally:
        orchestrator.kill()
        for fault in faults.values():
            assert revert_with_retries(fault) is None
    for node in nodes.nodes():
        assert not nodes.exec(node, ["pgrep", "-f", "[r]ehearsal-switch"], 5).ok, node
    recover(docker.from_env(), run_dir, force=True)
    fired = [e for e in read_journal(run_dir) if e["event"] == "fault.switch_fired"]
    assert {e["fault"] for e in fired} >= {"F1", "F2", "F3", "F4"}
    assert all(set(e["nodes"].values()) == {0} for e in fired), fired
