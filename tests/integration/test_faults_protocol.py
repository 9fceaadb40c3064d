"""Every registered fault keeps the protocol on a real node: its ``example`` injects,
shows, reverts and leaves the node as it was."""

from __future__ import annotations

import time

import pytest

from rehearsal.envs.docker import DockerEnvironment
from rehearsal.scenarios.faults import FAULTS, Fault

pytestmark = pytest.mark.docker

BASE_IMAGE_FAULTS = sorted(kind for kind, fault in FAULTS.items() if not hasattr(fault, "needs"))


def _eventually(check: object, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if check():  # type: ignore[operator]
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


@pytest.mark.parametrize("kind", BASE_IMAGE_FAULTS)
def test_example_injects_and_reverts(nodes: DockerEnvironment, kind: str) -> None:
    fault_type = FAULTS[kind]
    fault: Fault = fault_type(fault_type.Spec.model_validate(fault_type.example), nodes)
    try:
        fault.inject()
        assert _eventually(fault.is_injected), f"{kind} did not show"
    finally:
        fault.revert()
    assert _eventually(fault.is_reverted), f"{kind} did not revert"
    assert all(nodes.node_running(node) for node in nodes.nodes())
