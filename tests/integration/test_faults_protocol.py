"""Every registered fault keeps the protocol on a real node: its ``example`` injects,
shows, reverts and leaves the node as it was."""

from __future__ import annotations

import pytest

from rehearsal.envs.docker import DockerEnvironment
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.lifecycle import revert_with_retries
from tests.integration.conftest import eventually, make

pytestmark = pytest.mark.docker

BASE_IMAGE_FAULTS = sorted(kind for kind, fault in FAULTS.items() if fault.needs is None)


@pytest.mark.parametrize("kind", BASE_IMAGE_FAULTS)
def test_example_injects_and_reverts(nodes: DockerEnvironment, kind: str) -> None:
    fault = make(nodes, FAULTS[kind].example)
    try:
        fault.inject()
        assert eventually(fault.is_injected), f"{kind} did not show"
    finally:
        problem = revert_with_retries(fault)
    assert problem is None, f"{kind} did not revert: {problem}"
    assert fault.is_reverted()
    assert all(nodes.node_running(node) for node in nodes.nodes())
