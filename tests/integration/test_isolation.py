"""Runs do not see each other, gc spares live runs, a broken mirror is told apart from a
broken customer system, internal networks have no way out, and nodes hold only the
capabilities their faults need."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.envs import labels as L
from rehearsal.envs.docker import (
    DockerEnvironment,
    EnvironmentSpec,
    NetworkSpec,
    NodeSpec,
    docker_client,
)
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.keys import generate_key_pair
from rehearsal.journal.writer import read_journal
from tests.conftest import ROOT
from tests.integration.conftest import http_get, node_can_get, serve_http
from tests.integration.test_crash import DATA, TOKEN

pytestmark = pytest.mark.docker
HOLD = DATA / "hold.yaml"


def _start(out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rehearsal",
            "run",
            str(HOLD),
            "--out",
            str(out),
            "--people",
            "none",
        ],
        cwd=ROOT,
        env={**os.environ, "REHEARSAL_TEST_API_TOKEN": TOKEN},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _holding(out: Path, timeout_s: float = 600) -> Path:
    """The run folder once its run waits in the hold step."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run_dir in out.iterdir() if out.exists() else []:
            if (run_dir / "journal.jsonl").exists() and any(
                e["event"] == "step.started" and e.get("type") == "wait"
                for e in read_journal(run_dir)
            ):
                return run_dir
        time.sleep(0.3)
    raise TimeoutError(f"no run in {out} reached its hold step")


def _run_id(run_dir: Path) -> str:
    return str(read_journal(run_dir)[0]["run_id"])


def _resources(client: Any, run_id: str) -> dict[str, list[str]]:
    selector = {"label": f"{L.RUN}={run_id}"}
    return {
        "containers": [c.name for c in client.containers.list(all=True, filters=selector)],
        "networks": [n.name for n in client.networks.list(filters=selector)],
    }


def _release(client: Any, run_id: str) -> None:
    """Stop nginx in the run's node: its hold step sees the probe fail and goes on."""
    [container] = client.containers.list(filters={"label": f"{L.RUN}={run_id}"})
    container.exec_run(["/etc/init.d/nginx", "stop"])


def test_concurrent_runs_are_isolated_and_gc_spares_them(tmp_path: Path) -> None:
    client = docker_client()
    runs = 3
    processes = [_start(tmp_path / f"r{i}") for i in range(runs)]
    try:
        run_dirs = [_holding(tmp_path / f"r{i}") for i in range(runs)]
        run_ids = [_run_id(d) for d in run_dirs]
        held = {run_id: _resources(client, run_id) for run_id in run_ids}
        names = [n for found in held.values() for kind in found.values() for n in kind]
        assert all(found["containers"] and found["networks"] for found in held.values()), held
        assert len(names) == len(set(names)), f"runs share resource names: {held}"
        public_keys = [(d / "ssh" / "id_ed25519.pub").read_text() for d in run_dirs]
        assert len(set(public_keys)) == runs, "runs share an SSH key"

        result = CliRunner().invoke(app, ["gc"])
        assert result.exit_code == 0, result.output
        assert {run_id: _resources(client, run_id) for run_id in run_ids} == held, (
            "gc touched a live run"
        )
        print(f"\nconcurrent runs held: {runs}")
        for run_id in run_ids:
            _release(client, run_id)
        outputs = [p.communicate(timeout=300)[0] for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert [p.returncode for p in processes] == [0] * runs, outputs
    for run_dir, run_id in zip(run_dirs, run_ids, strict=True):
        assert json.loads((run_dir / "results.json").read_text())["status"] == "passed"
        assert _resources(client, run_id) == {"containers": [], "networks": []}
        assert not (run_dir / "ssh").exists(), "the run's SSH keys outlived it"


def test_a_node_removed_mid_run_is_an_environment_problem(tmp_path: Path) -> None:
    client = docker_client()
    process = _start(tmp_path)
    try:
        run_dir = _holding(tmp_path)
        run_id = _run_id(run_dir)
        [container] = client.containers.list(filters={"label": f"{L.RUN}={run_id}"})
        container.remove(force=True)
        output, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 3, output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "error", results
    assert "removed outside rehearsal" in results["error"]
    [lost] = [f for f in results["findings"] if f["category"] == "environment"]
    assert "not of the customer's system" in lost["detail"]
    customer = [f for f in results["findings"] if f["category"] != "environment"]
    assert not customer, f"a broken mirror was blamed on the customer's system: {customer}"
    assert (run_dir / "report.html").is_file()
    assert _resources(client, run_id) == {"containers": [], "networks": []}


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[DockerEnvironment]:
    """``inside`` only on an internal network with NET_ADMIN; ``outside`` on a normal one."""
    run_id = f"isolation-test-{secrets.token_hex(3)}"
    spec = EnvironmentSpec(
        run_id=run_id,
        nodes=(
            NodeSpec("inside", BASE_IMAGE, ("back",), capabilities=("NET_ADMIN",)),
            NodeSpec("outside", BASE_IMAGE, ("front",)),
        ),
        networks=(NetworkSpec("back", internal=True), NetworkSpec("front", internal=False)),
        labels=L.owner_labels(run_id, False, tmp_path),
    )
    env = DockerEnvironment(docker_client(), spec, generate_key_pair(tmp_path / "ssh", run_id))
    try:
        env.up()
        yield env
    finally:
        env.down()


def test_internal_networks_have_no_way_out(two_nodes: DockerEnvironment) -> None:
    """Only addresses of nodes we made are tried (no packet may leave this machine): the
    internal node cannot reach a node off its network, which the host reaches."""
    network = two_nodes.client.networks.get(two_nodes.network_name("back"))
    assert network.attrs["Internal"] is True
    serve_http(two_nodes, "outside")
    target = two_nodes.address("outside")
    assert http_get(target) is not None, "the host reaches the outside node"
    assert not node_can_get(two_nodes, "inside", target), "an internal node got out"
    assert node_can_get(two_nodes, "outside", target), "the outside node reaches itself"


def test_nodes_hold_only_the_capabilities_they_were_given(two_nodes: DockerEnvironment) -> None:
    for node in ("inside", "outside"):
        host = two_nodes.container(node).attrs["HostConfig"]
        assert host["Privileged"] is False
        assert "no-new-privileges" in (host.get("SecurityOpt") or [])
    assert two_nodes.container("inside").attrs["HostConfig"]["CapAdd"] == ["NET_ADMIN"]
    assert not two_nodes.container("outside").attrs["HostConfig"]["CapAdd"]
    listing = ["iptables", "-w", "-L", "INPUT", "-n"]
    assert two_nodes.exec("inside", listing, 10).ok
    denied = two_nodes.exec("outside", listing, 10)
    assert not denied.ok and "denied" in denied.output.lower(), denied.output
