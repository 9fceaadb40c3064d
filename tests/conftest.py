"""Shared fixtures; the session ends by checking that no run left Docker resources."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session", autouse=True)
def no_leftover_docker_resources(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the session if any run's container, network or volume outlives the tests."""
    yield
    if not any(item.get_closest_marker("docker") for item in request.session.items):
        return
    if os.environ.get("REHEARSAL_SKIP_LEAK_CHECK"):
        return
    import docker

    client = docker.from_env()
    selector = {"label": "rehearsal.run"}
    left = [c.name for c in client.containers.list(all=True, filters=selector)]
    left += [n.name for n in client.networks.list(filters=selector)]
    left += [v.name for v in client.volumes.list(filters=selector)]
    assert not left, f"Docker resources left behind by the tests: {left}"
