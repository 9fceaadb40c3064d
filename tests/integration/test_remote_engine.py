"""A drill on a remote Docker engine (``DOCKER_HOST=ssh://``): the nodes are reached through
the engine's host. The stand-in engine host is a base-image container in this machine's
network namespace running sshd on a loopback port, with the Docker socket mounted and a
``docker system dial-stdio`` shim (what the docker SDK runs on the far side). The test's
HOME holds the SSH key and known_hosts, as a user's would."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.labels import owner_labels
from rehearsal.envs.roles import RoleImage, ensure_role_images
from rehearsal.envs.routes import JumpRoute
from rehearsal.journal.writer import read_journal
from rehearsal.models.loading import playbooks_dir
from tests.conftest import ROOT

pytestmark = pytest.mark.docker
DATA = Path(__file__).parent / "data" / "remote"

DIAL_STDIO = b'''#!/usr/bin/python3
"""`docker system dial-stdio`: stdin and stdout joined to the engine's socket."""
import os, select, socket, sys

if sys.argv[1:] != ["system", "dial-stdio"]:
    sys.exit("this docker only does `docker system dial-stdio`")
engine = socket.socket(socket.AF_UNIX)
engine.connect("/var/run/docker.sock")
sources = [0, engine]
while True:
    ready, _, _ = select.select(sources, [], [])
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            engine.sendall(data)
        else:
            engine.shutdown(socket.SHUT_WR)
            sources.remove(0)
    if engine in ready:
        data = engine.recv(65536)
        if not data:
            break
        os.write(1, data)
'''


@dataclass(frozen=True)
class EngineHost:
    url: str
    home: Path
    container: Any

    def sshd_log(self) -> str:
        return str(self.container.logs().decode(errors="replace"))

    def environ(self) -> dict[str, str]:
        """This process's environment, aimed at the engine host (no agent: the key file)."""
        env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
        return {**env, "HOME": str(self.home), "DOCKER_HOST": self.url}


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def _docker_shim() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        entry = tarfile.TarInfo("docker")
        entry.size, entry.mode = len(DIAL_STDIO), 0o755
        tar.addfile(entry, io.BytesIO(DIAL_STDIO))
    return buffer.getvalue()


def _wait_for_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"the engine host's sshd did not listen on {port}")


@pytest.fixture(scope="module")
def engine_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHost]:
    from rehearsal.envs.docker import docker_client

    client = docker_client()
    home = tmp_path_factory.mktemp("engine-home")
    run_id = f"engine-host-test-{secrets.token_hex(3)}"
    keys = generate_key_pair(home / ".ssh", run_id)
    port = _free_port()
    sshd = [
        "/usr/sbin/sshd", "-D", "-e", "-p", str(port), "-o", "ListenAddress=127.0.0.1",
        "-o", "AllowTcpForwarding=yes", "-o", "LogLevel=DEBUG1",
    ]  # fmt: skip
    container = client.containers.create(
        BASE_IMAGE,
        ["sh", "-c", 'mkdir -p /run/sshd && exec "$@"', "sshd", *sshd],
        labels=owner_labels(run_id, False, home),
        network_mode="host",
        volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"}},
    )
    try:
        container.put_archive("/root", keys.authorized_keys_tar())
        container.put_archive("/usr/local/bin", _docker_shim())
        container.start()
        _wait_for_port(port, 30)
        host_keys = container.exec_run(["sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub"])
        known = [f"[127.0.0.1]:{port} {' '.join(line.split()[:2])}" for line in
                 host_keys.output.decode().splitlines()]  # fmt: skip
        (home / ".ssh" / "known_hosts").write_text("\n".join(known) + "\n")
        yield EngineHost(f"ssh://root@127.0.0.1:{port}", home, container)
    finally:
        container.remove(force=True)


def _forwarded_targets(log: str) -> set[str]:
    """``address:port`` of every direct-tcpip channel sshd opened."""
    found = re.findall(
        r"server_request_direct_tcpip: originator \S+ port \d+, target (\S+) port (\d+)", log
    )
    return {f"{address}:{port}" for address, port in found}


def test_a_drill_on_a_remote_engine_reaches_its_nodes_through_the_engine_host(
    engine_host: EngineHost, tmp_path: Path
) -> None:
    env = {**engine_host.environ(), "REHEARSAL_STATE_DIR": str(tmp_path / "state")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rehearsal",
            "run",
            str(DATA / "drill.yaml"),
            "--out",
            str(tmp_path),
            "--fresh",  # what is under test is Ansible reaching the nodes through the engine host
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    [run_dir] = [path for path in tmp_path.iterdir() if path.is_dir() and path.name != "state"]
    assert done.returncode == 0, done.stdout + done.stderr

    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "passed", results.get("findings")
    [fault] = results["faults"]
    assert fault["injected_at"] and fault["revert_status"] == "reverted"
    samples = {p["name"]: p["samples"] for p in results["probes"]}
    for name in ("web-tcp", "web-http"):
        states = [s["ok"] for s in samples[name]]
        assert states[0] and False in states, f"{name} was green, then saw the fault: {states}"

    events = read_journal(run_dir)
    [converged] = [e for e in events if e["event"] == "converge.finished"]
    assert sum(converged["ok"].values()) > 0
    [ready] = [e for e in events if e["event"] == "environment.ready"]
    assert ready["facts"]["engine"] == engine_host.url
    [up] = [e for e in events if e["event"] == "environment.up"]
    assert up["engine"] == engine_host.url
    web1 = up["nodes"]["web1"]
    targets = _forwarded_targets(engine_host.sshd_log())
    assert {f"{web1}:22", f"{web1}:80"} <= targets, "SSH, Ansible and probes went through"


def test_a_closed_port_through_the_engine_host_is_refused_and_a_forward_carries_bytes(
    engine_host: EngineHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(engine_host.home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    route = JumpRoute(engine_host.url)
    try:
        with pytest.raises(ConnectionRefusedError):
            route.connect("127.0.0.1", 1, timeout_s=5)
        port = int(engine_host.url.rsplit(":", 1)[1])
        host, local = route.endpoint("127.0.0.1", port)
        assert host == "127.0.0.1" and local != port
        with socket.create_connection((host, local), timeout=5) as connection:
            assert connection.recv(4) == b"SSH-"
        assert route.channels_opened == 1
        route.close()
        with socket.create_connection(route.endpoint("127.0.0.1", port), timeout=5) as again:
            assert again.recv(4) == b"SSH-", "a closed route opens again on use"
    finally:
        route.close()


def test_a_role_image_is_built_on_the_remote_engine_with_ansible_through_its_host(
    engine_host: EngineHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A made-up role whose install task writes a file: its image is the proof."""
    import docker

    monkeypatch.setenv("HOME", str(engine_host.home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    playbooks = tmp_path / "playbooks"
    name = f"remote-test-{secrets.token_hex(3)}"
    tasks = playbooks / "roles" / name / "tasks"
    tasks.mkdir(parents=True)
    shutil.copy(playbooks_dir() / "install.yml", playbooks / "install.yml")
    (tasks / "install.yml").write_text(
        "- ansible.builtin.copy: {content: built through the engine host, dest: /etc/remote-test}\n"
    )
    client = docker.DockerClient(base_url=engine_host.url, use_ssh_client=False)
    route = JumpRoute(engine_host.url)
    labels = owner_labels(f"role-build-test-{name}", False, tmp_path)
    keys = generate_key_pair(tmp_path / "ssh", name)
    tag = ""
    wanted = RoleImage(name, "", playbooks / "roles" / name)
    try:
        tags = ensure_role_images(
            client, {wanted}, playbooks, keys, labels, tmp_path / "ansible", route
        )
        tag = tags[wanted]
        made = client.containers.run(tag, ["cat", "/etc/remote-test"], labels=labels, remove=True)
        assert made.decode() == "built through the engine host"
        assert route.channels_opened >= 2, "sshd readiness and Ansible went through the host"
    finally:
        route.close()
        if tag:
            client.images.remove(tag)
        client.close()
