"""One small mirror of base-image nodes for the whole session, built once and removed at
the end: faults are injected and reverted on it test after test."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.docker import DockerEnvironment, EnvironmentSpec, NetworkSpec, NodeSpec
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.labels import owner_labels
from rehearsal.scenarios.faults.node import spawn

HTTP_PORT = 8080


@pytest.fixture(scope="session")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerEnvironment]:
    """n1 and n2 share the network ``front``; n2 and n3 share ``back``. Each node serves
    HTTP on port 8080, so effects can be seen from the host and from other nodes."""
    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.keys import generate_key_pair

    client = docker_client()
    run_dir = tmp_path_factory.mktemp("faults-env")
    run_id = f"faults-test-{secrets.token_hex(3)}"
    spec = EnvironmentSpec(
        run_id=run_id,
        nodes=(
            NodeSpec("n1", BASE_IMAGE, ("front",)),
            NodeSpec("n2", BASE_IMAGE, ("front", "back")),
            NodeSpec("n3", BASE_IMAGE, ("back",)),
        ),
        networks=(NetworkSpec("front", False), NetworkSpec("back", True)),
        labels=owner_labels(run_id, False, run_dir),
    )
    env = DockerEnvironment(client, spec, generate_key_pair(run_dir / "ssh", run_id))
    try:
        env.up()
        for node in env.nodes():
            serve_http(env, node)
        yield env
    finally:
        env.down()


def serve_http(env: DockerEnvironment, node: str, port: int = HTTP_PORT) -> None:
    """Start ``python3 -m http.server`` in the node (again, after a restart) and wait for it."""
    argv = ["python3", "-m", "http.server", str(port), "--directory", "/etc"]
    env.exec(node, spawn(argv), 10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if env.exec(node, ["ss", "-Htln", f"sport = :{port}"], 5).output.strip():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{node}: http.server did not listen on {port}")


def run_dir_of(env: DockerEnvironment) -> Path:
    return env.keys.private_path.parent.parent
