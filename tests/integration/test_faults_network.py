"""Network faults, seen from the nodes and from the host (the orchestrator)."""

from __future__ import annotations

import socket
import time

import pytest

from rehearsal.envs.docker import DockerEnvironment
from rehearsal.errors import FaultFailure
from rehearsal.scenarios.faults.lifecycle import revert_with_retries
from tests.integration.conftest import (
    HTTP_PORT,
    eventually,
    http_get,
    injected,
    make,
    node_can_get,
)

pytestmark = pytest.mark.docker


def test_partition_both_ways_spares_other_peers(nodes: DockerEnvironment) -> None:
    spec = {"type": "network.partition", "target": "n2", "peers": {"target": "n1"}}
    with injected(nodes, spec):
        assert not node_can_get(nodes, "n1", "n2", 1)
        assert not node_can_get(nodes, "n2", "n1", 1)
        assert node_can_get(nodes, "n2", "n3")
    assert node_can_get(nodes, "n1", "n2") and node_can_get(nodes, "n2", "n1")


def test_one_way_partition_blocks_new_connections_in_one_direction(
    nodes: DockerEnvironment,
) -> None:
    spec = {"type": "network.partition", "target": "n2", "peers": {"target": "n1"}}
    with injected(nodes, {**spec, "direction": "inbound"}):
        assert not node_can_get(nodes, "n1", "n2", 1)
        assert node_can_get(nodes, "n2", "n1")


def test_isolated_node_reaches_no_peer_but_the_host_reaches_it(nodes: DockerEnvironment) -> None:
    with injected(nodes, {"type": "network.isolate", "target": "n2"}):
        assert not node_can_get(nodes, "n2", "n1", 1)
        assert not node_can_get(nodes, "n3", "n2", 1)
        assert http_get(nodes.address("n2")) is not None
        assert nodes.run_command("n2", "hostname", 10).output.strip() == "n2"
    assert node_can_get(nodes, "n2", "n1")


def _connects(address: str, tries: int) -> int:
    """TCP connections made to sshd (whose backlog, unlike http.server's, is not 5)."""
    made = 0
    for _ in range(tries):
        try:
            socket.create_connection((address, 22), timeout=0.5).close()
            made += 1
        except OSError:
            pass
    return made


def test_loss_drops_a_share_of_packets(nodes: DockerEnvironment) -> None:
    address = nodes.address("n1")
    with injected(nodes, {"type": "network.loss", "target": "n1", "loss": 60}):
        assert _connects(address, 20) < 17
    assert eventually(lambda: _connects(address, 10) == 10)


def test_dns_lookups_fail(nodes: DockerEnvironment) -> None:
    lookup = ["getent", "hosts", "n2"]
    assert nodes.exec("n1", lookup, 5).ok
    with injected(nodes, {"type": "network.dns", "target": "n1"}):
        assert not nodes.exec("n1", lookup, 2).ok
        assert node_can_get(nodes, "n1", nodes.address("n2")), "only names fail, not traffic"
    assert nodes.exec("n1", lookup, 5).ok


def test_port_block_refuses_one_port_only(nodes: DockerEnvironment) -> None:
    address = nodes.address("n1")
    with injected(nodes, {"type": "network.port-block", "target": "n1", "port": HTTP_PORT}):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, HTTP_PORT), timeout=2)
        assert nodes.run_command("n1", "true", 10).ok, "SSH (port 22) still answers"
    assert http_get(address) is not None


def _download_s(nodes: DockerEnvironment) -> float:
    started = time.monotonic()
    argv = ["curl", "-fsS", "-o", "/dev/null", "--max-time", "20"]
    assert nodes.exec("n2", [*argv, f"http://n1:{HTTP_PORT}/big"], 30).ok
    return time.monotonic() - started


def test_bandwidth_cap_slows_a_download(nodes: DockerEnvironment) -> None:
    nodes.exec("n1", ["sh", "-c", "head -c 1000000 /dev/zero > /etc/big"], 10)
    with injected(nodes, {"type": "network.bandwidth", "target": "n1", "rate": "4mbit"}):
        assert _download_s(nodes) > 1.5  # 8 Mbit at 4 Mbit/s
    assert _download_s(nodes) < 1.0


def test_a_second_shaping_fault_on_a_node_is_refused_and_leaves_the_first(
    nodes: DockerEnvironment,
) -> None:
    with injected(nodes, {"type": "network.bandwidth", "target": "n1", "rate": "4mbit"}) as first:
        second = make(nodes, {"type": "network.bandwidth", "target": ["n2", "n1"], "rate": "1mbit"})
        with pytest.raises(FaultFailure, match=r"n1: eth\d+ is already shaped by another fault"):
            second.inject()
        # The engine reverts a fault whose inject failed: n2's cap goes, n1's stays.
        assert revert_with_retries(second) is None
        assert first.is_injected()
        assert " tbf " not in nodes.exec("n2", ["tc", "qdisc", "show", "root"], 5).output
    plain = nodes.exec("n1", ["tc", "qdisc", "show", "root"], 5).output
    assert " tbf " not in plain, plain


def test_latency_delays_replies_through_the_proxy_without_netem(nodes: DockerEnvironment) -> None:
    address = nodes.address("n1")
    spec = {"type": "network.latency", "target": "n1", "delay": 400, "jitter": 50}
    with injected(nodes, {**spec, "port": HTTP_PORT}) as fault:
        took = http_get(address, timeout_s=5)
        assert took is not None and took > 0.3
        assert any("netem" in note for note in fault.notes), fault.notes
    took = http_get(address)
    assert took is not None and took < 0.3
