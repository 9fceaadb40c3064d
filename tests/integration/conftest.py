"""One small mirror of base-image nodes for the whole session, built once and removed at
the end: faults are injected and reverted on it test after test."""

from __future__ import annotations

import fcntl
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.ansible import run_playbook
from rehearsal.envs.docker import DockerEnvironment, EnvironmentSpec, NetworkSpec, NodeSpec
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.labels import owner_labels
from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import Journal
from rehearsal.models.loading import load_profile, playbooks_dir
from rehearsal.scenarios.faults import Fault, FaultSpec
from rehearsal.scenarios.faults.lifecycle import revert_with_retries
from rehearsal.scenarios.faults.node import spawn
from tests.integration.wheel import install_wheel

HTTP_PORT = 8080
NET_ADMIN = ("NET_ADMIN",)  # every fault type is tried on these nodes


@contextmanager
def converged(profile: Path, run_dir: Path) -> Iterator[Mirror]:
    """A mirror of ``profile`` built and converged as ``env up`` does (its run id is the run
    folder's name), torn down on leaving."""
    with ExitStack() as stack, Journal(run_dir) as journal:
        journal.record("environment.requested", run_id=run_dir.name, profile=str(profile))
        mirror = Mirror(
            load_profile(profile), run_dir.name, run_dir, journal, False, stack, lambda _m: None
        )
        mirror.prepare_images()
        mirror.environment_up()
        mirror.converge()
        yield mirror


def converged_again(built: Mirror) -> dict[str, int]:
    """Changed tasks per node of a second converge of a converged mirror (none: idempotent)."""
    assert built.keys is not None
    report = run_playbook(
        playbooks_dir() / "converge.yml",
        built.hosts(),
        built.keys.private_path,
        built.run_dir / "again",
        built.catalog.folders,
    )
    return report.changed


@pytest.fixture(scope="module")
def keepalived_subnet() -> Iterator[None]:
    """The keepalived example fixes its subnet (the virtual IP lives in it), so one mirror of
    it at a time on this machine, whichever pytest-xdist worker or session wants one."""
    with open(Path(tempfile.gettempdir()) / "rehearsal-test-keepalived-subnet.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerEnvironment]:
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
            NodeSpec("n1", BASE_IMAGE, ("front",), capabilities=NET_ADMIN),
            NodeSpec("n2", BASE_IMAGE, ("front", "back"), capabilities=NET_ADMIN),
            NodeSpec("n3", BASE_IMAGE, ("back",), capabilities=NET_ADMIN),
        ),
        networks=(NetworkSpec("front", False), NetworkSpec("back", True)),
        labels=owner_labels(run_id, False, run_dir),
    )
    env = DockerEnvironment(client, spec, generate_key_pair(run_dir / "ssh", run_id))
    try:
        env.up()
        yield env
    finally:
        env.down()


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with rehearsal installed from its wheel (built once a
    session, about a minute)."""
    return install_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture
def nodes(mirror: DockerEnvironment) -> DockerEnvironment:
    """The session's mirror with every node up and serving HTTP (a test may reboot one)."""
    for node in mirror.nodes():
        if mirror.node_state(node) != "running":
            mirror.start_node(node)
        serve_http(mirror, node)
    return mirror


def serve_http(env: DockerEnvironment, node: str, port: int = HTTP_PORT) -> None:
    """Start ``python3 -m http.server`` in the node unless it runs, and wait for it."""
    listening = ["ss", "-Htln", f"sport = :{port}"]
    if env.exec(node, listening, 5).output.strip():
        return
    argv = ["python3", "-m", "http.server", str(port), "--directory", "/etc"]
    env.exec(node, spawn(argv), 10)
    deadline = time.monotonic() + 30  # python3 starts slowly on a machine shared by many tests
    while time.monotonic() < deadline:
        if env.exec(node, listening, 5).output.strip():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{node}: http.server did not listen on {port}")


def run_dir_of(env: DockerEnvironment) -> Path:
    return env.keys.private_path.parent.parent


def http_get(address: str, port: int = HTTP_PORT, timeout_s: float = 2.0) -> float | None:
    """Seconds an HTTP GET from the host took, or None when it failed."""
    import urllib.request

    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://{address}:{port}/hostname", timeout=timeout_s) as r:
            r.read()
    except OSError:
        return None
    return time.monotonic() - started


def node_can_get(env: DockerEnvironment, node: str, host: str, timeout_s: float = 2) -> bool:
    """Whether ``node`` fetches ``http://host:8080/`` (curl inside the node)."""
    argv = ["curl", "-fsS", "-o", "/dev/null", "--max-time", str(timeout_s)]
    return env.exec(node, [*argv, f"http://{host}:{HTTP_PORT}/hostname"], timeout_s + 5).ok


def eventually(check: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def make(env: DockerEnvironment, spec: dict[str, Any]) -> Fault[FaultSpec]:
    from rehearsal.scenarios.faults import FAULTS

    fault_type = FAULTS[spec["type"]]
    return fault_type(fault_type.Spec.model_validate(spec), env)


@contextmanager
def injected(env: DockerEnvironment, spec: dict[str, Any]) -> Iterator[Fault[FaultSpec]]:
    """Inject ``spec``, hand the fault to the test, and always revert it as the engine does
    (retried); checks that both took."""
    fault = make(env, spec)
    try:
        fault.inject()
        assert eventually(fault.is_injected), f"{spec['type']} did not take"
        yield fault
    finally:
        problem = revert_with_retries(fault)
    assert problem is None, f"{spec['type']} did not revert: {problem}"
