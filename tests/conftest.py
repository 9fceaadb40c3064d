"""Shared fixtures; the session ends by checking that its runs left no Docker resources,
and no data volume (backing file, loop device, mount) on this host."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# pytest-xdist's workers inherit COLUMNS=80, which Rich fixes as the CLI console's width when
# the console is made (at import); a test that needs a width passes COLUMNS to its invocation.
os.environ.pop("COLUMNS", None)


@pytest.fixture(autouse=True, scope="session")
def _ctrl_c_as_at_a_terminal() -> None:
    """A shell without job control starts a background command with SIGINT ignored, so Python
    installs no KeyboardInterrupt handler: the Ctrl-C tests need what a terminal gives,
    however the suite was started."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system's Chromium (report.pdf, the browser tests); missing, the test fails: it is
    a prerequisite that ``scripts/setup`` installs, not an optional extra."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "chromium is not on PATH: run scripts/setup, which installs it "
            "(or apt-get install chromium)",
            pytrace=False,
        )
    return found


def _labelled(client: Any) -> dict[str, dict[str, str]]:
    selector = {"label": "rehearsal.run"}
    found: dict[str, dict[str, str]] = {}
    # sparse: no inspect per container, so one removed meanwhile by another session is no error
    for container in client.containers.list(all=True, filters=selector, sparse=True):
        name = (container.attrs.get("Names") or [container.id])[0].lstrip("/")
        found[f"container {name}"] = container.attrs.get("Labels") or {}
    for network in client.networks.list(filters=selector):
        found[f"network {network.name}"] = network.attrs.get("Labels") or {}
    for volume in client.volumes.list(filters=selector):
        found[f"volume {volume.name}"] = volume.attrs.get("Labels") or {}
    return found | _host_volumes()


def _host_volumes() -> dict[str, dict[str, str]]:
    """Each run's data volume folder, and each loop device and mount under the volumes root,
    with the labels of the run it belongs to."""
    from rehearsal.envs.volumes import VolumeHost

    host = VolumeHost()
    runs = host.runs()
    found = {f"data volumes of {run_id}": labels for run_id, labels in runs.items()}
    loops = subprocess.run(["losetup", "-a"], capture_output=True, text=True, check=False).stdout
    mounts = Path("/proc/mounts").read_text()
    root = f"{host.root}/"
    for line in (loops + mounts).splitlines():
        if root in line:
            run_id = line.split(root, 1)[1].split("/", 1)[0]
            device = line.split()[0]
            kind = "loop device" if device.endswith(":") else "mount"
            found[f"{kind} {device.rstrip(':')} of {run_id}"] = runs.get(run_id, {})
    return found


@pytest.fixture(scope="session", autouse=True)
def no_leftover_docker_resources(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the session if a run it started left a container, network or volume behind, or
    a data volume's folder, loop device or mount on this host.

    Resources that were there before the session, or that belong to a live run of another
    process (a concurrent session), are not this session's to judge.
    """
    if not any(item.get_closest_marker("docker") for item in request.session.items):
        yield
        return
    import docker

    from rehearsal.envs import labels as L

    client = docker.from_env()
    before = set(_labelled(client))
    yield
    leaked = [
        name
        for name, labels in _labelled(client).items()
        if name not in before
        and (labels.get(L.OWNER_PID) == str(os.getpid()) or not L.owner_alive(labels))
    ]
    assert not leaked, f"Docker resources or data volumes left behind by the tests: {leaked}"
