"""Node faults, seen from the host: the node stops answering, then answers again."""

from __future__ import annotations

import pytest

from rehearsal.envs.docker import DockerEnvironment
from tests.integration.conftest import eventually, http_get, injected, serve_http

pytestmark = pytest.mark.docker


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "container.stop", "target": "n3", "grace": 1},
        {"type": "container.kill", "target": "n3", "signal": "SIGKILL"},
    ],
    ids=["stop", "kill"],
)
def test_node_goes_down_and_comes_back(nodes: DockerEnvironment, spec: dict[str, object]) -> None:
    address = nodes.address("n3")
    with injected(nodes, spec):
        assert nodes.node_state("n3") == "exited"
        assert http_get(address) is None
    assert nodes.run_command("n3", "hostname", 10).output.strip() == "n3"
    serve_http(nodes, "n3")
    assert http_get(address) is not None


def test_paused_node_holds_connections_but_answers_nothing(nodes: DockerEnvironment) -> None:
    address = nodes.address("n3")
    with injected(nodes, {"type": "container.pause", "target": "n3"}):
        assert http_get(address, timeout_s=1) is None
    assert http_get(address) is not None, "the same http.server answers again once unpaused"


def test_restart_keeps_files_and_recreate_loses_them(nodes: DockerEnvironment) -> None:
    nodes.exec("n3", ["touch", "/root/state-before"], 5)
    with injected(nodes, {"type": "container.restart", "target": "n3", "grace": 1}):
        assert nodes.exec("n3", ["test", "-e", "/root/state-before"], 5).ok
    with injected(nodes, {"type": "container.recreate", "target": "n3"}):
        assert not nodes.exec("n3", ["test", "-e", "/root/state-before"], 5).ok
    assert eventually(lambda: nodes.run_command("n3", "true", 10).ok)
    serve_http(nodes, "n3")
