"""A profile node placed on a lab host, for real: an sshd container made from the Redis role's
image stands in for a lab machine with the product installed. A drill on a profile with one
container node and one lab-host node converges both (the lab host over SSH, its host key
checked strictly, the node's extra packages installed there), checks the lab host's
fidelity, breaks it with a network fault that is reverted, runs the runbook on it, and leaves
the lab host running while the run's containers go. Bad lab-host input is refused at validate
with its line."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.docker import DockerEnvironment, EnvironmentSpec, NetworkSpec, NodeSpec
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.labels import owner_labels
from rehearsal.journal.writer import read_journal
from tests.conftest import ROOT

pytestmark = pytest.mark.docker

PROFILE = """\
customer: {{name: Lab Test}}
business:
  targets: {{rto: 1m}}
  services:
    - {{name: sessions, impact: "Shoppers are logged out.", probe: cache-up}}
nodes:
  - name: web1
    role: nginx
    networks: [front]
    params: {{worker_connections: 256}}
  - name: cache
    role: redis
    version: "7.0"
    networks: [front]
    resources: {{cpus: {cpus}}}
    packages: [jq]
    params: {{maxmemory: 32mb}}
    lab_host: {{address: {address}, key_file: {key}, known_hosts: known_hosts}}
networks:
  - {{name: front}}
probes:
  - {{name: cache-up, tcp: {{host: cache, port: 6379, timeout: 1s}}, interval: 200ms}}
  - {{name: cache-ping, command: {{on: cache, run: "redis-local PING", expect_output: PONG}}}}
  - {{name: web-knows-cache, command: {{on: web1, run: "getent hosts cache",
      expect_output: "{address}"}}}}
runbooks:
  check-cache:
    - {{say: "List the firewall rules", run: "iptables -S INPUT", on: cache}}
    - {{say: "Check Redis answers", run: "redis-local PING", on: cache, expect_output: PONG}}
"""

SCENARIO = """\
kind: rehearsal
title: Cache on a lab host loses its port
profile: profile.yaml
team:
  operators: [{name: Op}]
  analysts: [{name: An}]
steady_state: [cache-up, web-knows-cache]
phases:
  - name: block and mend
    operator: Op
    analyst: An
    steps:
      - fault: {type: network.port-block, target: cache, port: 6379, duration: 4s}
      - wait: {until: {probe: cache-up, status: failing}, timeout: 20s}
      - wait: {until: {probe: cache-up, status: passing}, timeout: 20s}
      - runbook: check-cache
"""


@pytest.fixture(scope="module")
def lab_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DockerEnvironment, str]]:
    """An sshd machine with Redis installed (the role's cached image), and its host key line."""
    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.images import ensure_base_image
    from rehearsal.envs.roles import RoleImage, ensure_role_images
    from rehearsal.envs.routes import engine_route
    from rehearsal.models.loading import playbooks_dir

    run_dir = tmp_path_factory.mktemp("lab-nodes")
    run_id = f"lab-nodes-test-{secrets.token_hex(3)}"
    client = docker_client()
    labels = owner_labels(run_id, False, run_dir)
    keys = generate_key_pair(run_dir / "ssh", run_id)
    ensure_base_image(client, lambda _m: None)
    wanted = RoleImage("redis", "7.0", playbooks_dir() / "roles" / "redis")
    route = engine_route()
    built = ensure_role_images(
        client, {wanted}, playbooks_dir(), keys, labels, run_dir / "images", route
    )
    image = built[wanted]
    spec = EnvironmentSpec(
        run_id,
        (NodeSpec("labbox", image, ("lab",), capabilities=("NET_ADMIN",)),),
        (NetworkSpec("lab", False),),
        labels,
    )
    env = DockerEnvironment(client, spec, keys)
    try:
        env.up()
        key = env.exec("labbox", ["cat", "/etc/ssh/ssh_host_ed25519_key.pub"], 10).output.split()
        yield env, f"{env.address('labbox')} {key[0]} {key[1]}\n"
    finally:
        env.down()


def _write(folder: Path, env: DockerEnvironment, known: str) -> None:
    cpus = env.exec("labbox", ["nproc"], 10).output.strip()
    (folder / "known_hosts").write_text(known)
    (folder / "profile.yaml").write_text(
        PROFILE.format(address=env.address("labbox"), key=env.private_key(), cpus=cpus)
    )
    (folder / "scenario.yaml").write_text(SCENARIO)


def _rehearsal(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "rehearsal", *args]
    return subprocess.run(
        argv, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=900
    )


def test_a_drill_breaks_and_mends_a_node_on_a_lab_host(
    lab_host: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, known = lab_host
    _write(tmp_path, env, known)
    out = tmp_path / "runs"
    done = _rehearsal("run", str(tmp_path / "scenario.yaml"), "--out", str(out), "--people", "none")
    assert done.returncode == 0, done.stdout + done.stderr
    [run_dir] = [p for p in out.iterdir() if p.is_dir()]
    events = read_journal(run_dir)
    [up] = [e for e in events if e["event"] == "environment.up"]
    assert up["nodes"]["cache"] == env.address("labbox")
    assert [host["node"] for host in up["lab_hosts"]] == ["cache"]
    assert "lab host" in json.dumps([e for e in events if e["event"] == "environment.ready"])
    # converged over SSH: the profile's maxmemory is in the lab host's running Redis
    config = env.exec("labbox", ["redis-local", "--raw", "CONFIG", "GET", "maxmemory"], 10)
    assert config.output.split()[-1] == str(32 * 1024**2)
    # the node's extra packages, missing on the machine, were installed over SSH
    assert env.exec("labbox", ["jq", "--version"], 10).output.startswith("jq-1.6")
    [fidelity] = [e for e in events if e["event"] == "fidelity.checked"]
    facts = {(f["node"], f["name"]): f for f in fidelity["facts"]}
    assert fidelity["differences"] == 0, [f for f in fidelity["facts"] if not f["matches"]]
    assert facts[("cache", "release")]["actual"] == "debian-12"
    assert facts[("cache", "maxmemory")]["matches"]
    assert facts[("cache", "cpus")]["matches"]
    injecting = [e for e in events if e["event"] == "fault.injecting"]
    assert [(e["type"], e["targets"]) for e in injecting] == [("network.port-block", ["cache"])]
    reverted = [e for e in events if e["event"] == "fault.reverted"]
    assert [e["status"] for e in reverted] == ["reverted"]
    assert env.exec("labbox", ["iptables", "-S", "INPUT"], 10).output.strip() == "-P INPUT ACCEPT"
    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "passed", results.get("findings")
    # the lab host is not the run's: it stays up; the run's own container is gone
    assert env.node_state("labbox") == "running"
    removed = [e for e in events if e["event"] == "environment.removed"]
    assert removed and removed[-1]["lab_hosts_left"] == ["cache"]
    # what `recover` and `env check` rebuild from the journal reaches the lab host again
    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.mirror import attach

    again = attach(docker_client(), run_dir.name, run_dir, events)
    try:
        assert (
            again.nodes() == ["cache"] and again.login("cache") is not None
        )  # a lab host's own login
        assert again.exec("cache", ["hostname"], 10).output.strip() == "labbox"
    finally:
        again.close()
    dry = _rehearsal("run", str(tmp_path / "scenario.yaml"), "--dry-run")
    assert f"node cache is lab host root@{env.address('labbox')}:22" in dry.stdout, dry.stdout


def test_a_second_run_on_the_same_lab_host_is_refused_while_the_first_holds_it(
    lab_host: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    import time

    from rehearsal.runs.live import live_runs

    env, known = lab_host
    _write(tmp_path, env, known)
    hold = SCENARIO[: SCENARIO.index("      - fault:")] + (
        '      - action: {say: "Hold the lab host", on: cache, timeout: 5m,\n'
        '          run: "while [ ! -e /tmp/release-hold ]; do sleep 0.2; done"}\n'
    )
    (tmp_path / "hold.yaml").write_text(hold)
    state = {**os.environ, "REHEARSAL_STATE_DIR": str(tmp_path / "state")}
    os.environ["REHEARSAL_STATE_DIR"] = state["REHEARSAL_STATE_DIR"]
    argv = [sys.executable, "-m", "rehearsal", "run"]
    first = subprocess.Popen(
        [*argv, str(tmp_path / "hold.yaml"), "--out", str(tmp_path / "a"), "--people", "none"],
        cwd=ROOT,
        env=state,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not live_runs() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert live_runs(), "the first run never registered"
        second = subprocess.run(
            [*argv, str(tmp_path / "scenario.yaml"), "--out", str(tmp_path / "b")],
            cwd=ROOT,
            env=state,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert second.returncode == 2, second.stdout + second.stderr
        assert f"lab host {env.address('labbox')}:22 is in use by run" in second.stderr
        assert not (tmp_path / "b").exists() or not any((tmp_path / "b").rglob("journal.jsonl"))
        env.exec("labbox", ["touch", "/tmp/release-hold"], 10)
        assert first.wait(600) == 0
    finally:
        del os.environ["REHEARSAL_STATE_DIR"]
        env.exec("labbox", ["rm", "-f", "/tmp/release-hold"], 10)
        first.kill()
        first.wait(30)


def test_a_profile_all_on_lab_hosts_needs_no_container(
    lab_host: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, known = lab_host
    _write(tmp_path, env, known)
    profile = tmp_path / "profile.yaml"
    text = profile.read_text()
    web = text[text.index("  - name: web1") : text.index("  - name: cache")]
    probe = text[text.index("  - {name: web-knows-cache") : text.index("runbooks:")]
    profile.write_text(text.replace(web, "").replace(probe, ""))
    done = _rehearsal("env", "up", str(profile), "--out", str(tmp_path / "r"))
    assert done.returncode == 0, done.stdout + done.stderr
    [run_dir] = list((tmp_path / "r").iterdir())
    events = read_journal(run_dir)
    assert [e["failing"] for e in events if e["event"] == "environment.probes"] == [[]]
    [ready] = [e for e in events if e["event"] == "environment.ready"]
    assert ready["facts"]["backend"] == "1 lab host(s) over SSH"
    checked = _rehearsal("env", "check", str(run_dir))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_lab_host_whose_key_is_not_known_fails_the_build_clearly(
    lab_host: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, _known = lab_host
    _write(tmp_path, env, "")
    done = _rehearsal("env", "up", str(tmp_path / "profile.yaml"), "--out", str(tmp_path / "r"))
    assert done.returncode != 0
    assert "cache" in done.stderr and "is not in" in done.stderr and "known_hosts" in done.stderr
    assert "Traceback" not in done.stderr


def test_container_faults_and_shared_lab_hosts_are_refused_at_validate(
    lab_host: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, known = lab_host
    _write(tmp_path, env, known)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        SCENARIO.replace(
            "type: network.port-block, target: cache, port: 6379",
            "type: container.kill, target: cache",
        )
    )
    done = _rehearsal("validate", str(scenario))
    assert done.returncode == 2
    assert "scenario.yaml:13:17:" in done.stdout + done.stderr
    assert "lab host reached over SSH" in done.stdout + done.stderr
    profile = tmp_path / "profile.yaml"
    text = profile.read_text()
    lab = text[text.index("  - name: cache") : text.index("networks:\n  - {name: front}")]
    profile.write_text(text.replace(lab, lab + lab.replace("name: cache", "name: cache2")))
    done = _rehearsal("validate", str(profile))
    assert done.returncode == 2
    assert "is already node 'cache'" in done.stdout + done.stderr
