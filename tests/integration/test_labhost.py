"""The SSH lab-host backend against a real sshd: a base-image container stands in for a lab
host. Host keys are checked strictly by default, accept-new records a new host and refuses a
changed key, the SSH agent logs in when no key file is given, lifecycle operations are refused
with a clear message, and faults left on by a killed orchestrator are undone by the lab host's
own dead man's switches."""

from __future__ import annotations

import json
import logging
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.base import Environment
from rehearsal.envs.docker import DockerEnvironment, EnvironmentSpec, NetworkSpec, NodeSpec
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.labels import owner_labels
from rehearsal.envs.labhost import LabAccess, LabHost, LabHostEnvironment
from rehearsal.errors import EnvironmentFailure
from rehearsal.journal.writer import read_journal
from rehearsal.scenarios.faults.switch import fired

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DockerEnvironment, str]]:
    """One running sshd (the lab host) and its ed25519 host key line."""
    from rehearsal.envs.docker import docker_client

    run_dir = tmp_path_factory.mktemp("labhost")
    run_id = f"labhost-test-{secrets.token_hex(3)}"
    spec = EnvironmentSpec(
        run_id,
        (NodeSpec("lab1", BASE_IMAGE, ("lab",), capabilities=("NET_ADMIN",)),),
        (NetworkSpec("lab", False),),
        owner_labels(run_id, False, run_dir),
    )
    env = DockerEnvironment(docker_client(), spec, generate_key_pair(run_dir / "ssh", run_id))
    try:
        env.up()
        key = env.exec("lab1", ["cat", "/etc/ssh/ssh_host_ed25519_key.pub"], 10).output.split()
        yield env, f"{env.address('lab1')} {key[0]} {key[1]}\n"
    finally:
        env.down()


def _lab(env: DockerEnvironment, known: Path, policy: str) -> LabHostEnvironment:
    host = LabHost("lab1", env.address("lab1"), networks=("lab",))
    access = LabAccess(key_file=env.private_key(), known_hosts=known, host_keys=policy)  # type: ignore[arg-type]
    return LabHostEnvironment("lab-run", [host], access)


def test_a_known_host_runs_commands_and_argv_keeps_its_words(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, line = lab
    known = tmp_path / "known_hosts"
    known.write_text(line)
    backend = _lab(env, known, "strict")
    try:
        assert backend.run_command("lab1", "hostname", 10).output.strip() == "lab1"
        assert backend.exec("lab1", ["echo", "a  b;", "$HOME"], 10).output == "a  b; $HOME\n"
        assert backend.node_state("lab1") == "running"
        assert backend.limits("lab1").networks == ("lab",)
    finally:
        backend.close()


def test_strict_refuses_a_host_missing_from_known_hosts(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, _line = lab
    backend = _lab(env, tmp_path / "known_hosts", "strict")
    with pytest.raises(EnvironmentFailure, match="is not in .*known_hosts; add its key"):
        backend.run_command("lab1", "true", 10)


def test_accept_new_records_the_host_and_refuses_a_changed_key(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, line = lab
    known = tmp_path / "known_hosts"
    backend = _lab(env, known, "accept-new")
    try:
        assert backend.run_command("lab1", "true", 10).ok
    finally:
        backend.close()
    assert known.read_text() == line
    other = generate_key_pair(tmp_path / "other", "x").public_line.split()
    known.write_text(f"{env.address('lab1')} {other[0]} {other[1]}\n")
    changed = _lab(env, known, "accept-new")
    with pytest.raises(EnvironmentFailure, match="host key is not the one"):
        changed.run_command("lab1", "true", 10)


def test_lab_hosts_are_not_stopped_and_satisfy_the_backend_protocol(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    env, _line = lab
    backend = _lab(env, tmp_path / "known_hosts", "off")
    with pytest.raises(EnvironmentFailure, match="lab host reached over SSH"):
        backend.stop_node("lab1", 1)
    protocol = [name for name in dir(Environment) if not name.startswith("_")]
    assert all(callable(getattr(backend, name, None)) for name in protocol if name != "run_id")
    assert backend.run_id == "lab-run"
    assert backend.gateways("lab1") == [env.gateways("lab1")[0]]
    backend.close()


@pytest.fixture
def agent(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A real ssh-agent of this test alone (SSH_AUTH_SOCK points at it), killed afterwards."""
    socket = tmp_path_factory.mktemp("agent") / "sock"  # short: a socket path has 108 bytes
    process = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(socket)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            assert process.poll() is None, "ssh-agent exited"
            assert time.monotonic() < deadline, "ssh-agent made no socket within 10 s"
            time.sleep(0.05)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket))
        yield socket
    finally:
        process.kill()
        process.wait(timeout=10)


def _ssh_add(key: Path) -> None:
    subprocess.run(["ssh-add", "-q", str(key)], check=True, capture_output=True, timeout=10)


def _agent_lab(env: DockerEnvironment, known: Path) -> LabHostEnvironment:
    host = LabHost("lab1", env.address("lab1"))
    return LabHostEnvironment("lab-run", [host], LabAccess(key_file=None, known_hosts=known))


def test_without_a_key_file_the_ssh_agent_logs_in(
    lab: tuple[DockerEnvironment, str], tmp_path: Path, agent: Path
) -> None:
    env, line = lab
    known = tmp_path / "known_hosts"
    known.write_text(line)
    _ssh_add(env.private_key())
    backend = _agent_lab(env, known)
    try:
        assert backend.run_command("lab1", "hostname", 10).output.strip() == "lab1"
        with pytest.raises(EnvironmentFailure, match="reached with the SSH agent"):
            backend.private_key()
    finally:
        backend.close()


@pytest.mark.parametrize("holding", ["no key", "another key"])
def test_an_agent_without_the_hosts_key_fails_with_the_fix_and_no_key_material(
    lab: tuple[DockerEnvironment, str],
    tmp_path: Path,
    agent: Path,
    holding: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    env, line = lab
    known = tmp_path / "known_hosts"
    known.write_text(line)
    other = generate_key_pair(tmp_path / "other", "other")
    if holding == "another key":
        _ssh_add(other.private_path)
    backend = _agent_lab(env, known)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(EnvironmentFailure) as failure:
        backend.run_command("lab1", "true", 10)
    message = str(failure.value)
    assert "lab1 (root@" in message
    assert "the SSH agent at SSH_AUTH_SOCK holds no key the host accepts; ssh-add" in message
    assert failure.value.__cause__ is None and failure.value.__suppress_context__
    secrets_ = [other.private_path.read_text(), env.private_key().read_text()]
    bodies = [row for text in secrets_ for row in text.splitlines() if "PRIVATE KEY" not in row]
    for said in (message, caplog.text):
        assert not [row for row in bodies if row in said]


SWITCH_BOUND_S = 6


def test_faults_left_on_a_lab_host_by_a_killed_orchestrator_revert_themselves(
    lab: tuple[DockerEnvironment, str], tmp_path: Path
) -> None:
    """No container to throw away here: the switches are the lab host's only way back."""
    from bench.killable import self_revert_times

    env, line = lab
    known = tmp_path / "known_hosts"
    known.write_text(line)
    access = {
        "node": "lab1",
        "address": env.address("lab1"),
        "key_file": str(env.private_key()),
        "known_hosts": str(known),
    }
    backend = _lab(env, known, "strict")
    backend.exec("lab1", ["setsid", "-f", "sleep", "4242"], 10)
    bound = {"target": "lab1", "switch_after": f"{SWITCH_BOUND_S}s"}
    specs = {
        "network": {"type": "network.port-block", "port": 8080, **bound},
        "shaping": {"type": "network.bandwidth", "rate": "5mbit", **bound},
        "process": {"type": "process.hang", "pattern": "sleep 4242", **bound},
        "resource": {"type": "resource.cpu", "workers": 1, **bound},
    }
    try:
        took = self_revert_times(backend, tmp_path, specs, SWITCH_BOUND_S + 10, lab=access)
        assert set(took) == set(specs), f"not reverted by their switch: {set(specs) - set(took)}"
        assert max(took.values()) < SWITCH_BOUND_S + 2, took
        assert not backend.exec("lab1", ["pgrep", "-f", "[r]ehearsal-switch"], 5).ok
        assert sorted(fired(backend, "lab1").values()) == [0] * len(specs)
        injected = [e for e in read_journal(tmp_path) if e["event"] == "fault.injected"]
        assert [e["verified"] for e in injected] == [True] * len(specs), json.dumps(injected)
    finally:
        backend.exec("lab1", ["pkill", "-f", "sleep 4242"], 10)
        backend.close()
