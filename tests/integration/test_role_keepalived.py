"""The keepalived role for real: a pair of nginx front ends sharing a virtual IP by VRRP
multicast on a Docker bridge (examples/products/keepalived). The fidelity check reads the
running keepalived back; the address moves to the backup when the master's health check fails,
when the master is released on purpose, and when its container is stopped (measured). The
drill built on it is test_role_keepalived_drill's."""

from __future__ import annotations

import secrets
import time
import urllib.request
from collections.abc import Iterator

import pytest

from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import read_journal
from tests.conftest import EXAMPLES
from tests.integration.conftest import converged, eventually, injected

pytestmark = pytest.mark.docker

FOLDER = EXAMPLES / "products" / "keepalived"
VIP = "10.31.1.100"
FAILOVER_S = 10.0
"""Three missed adverts (1 s apart) and the new master's gratuitous ARP: about 4 s here."""


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, keepalived_subnet: None) -> Iterator[Mirror]:
    run_id = f"keepalived-test-{secrets.token_hex(3)}"
    run_dir = tmp_path_factory.mktemp("keepalived") / run_id
    with converged(FOLDER / "profile.yaml", run_dir) as mirror:
        yield mirror


def _served_by() -> str | None:
    """Which front end answers on the virtual IP (from this machine, as a passenger would)."""
    try:
        with urllib.request.urlopen(f"http://{VIP}/", timeout=1) as response:
            return str(response.read().decode().strip())
    except OSError:
        return None


def _run(mirror: Mirror, node: str, command: str) -> tuple[int, str]:
    assert mirror.env is not None
    result = mirror.env.exec(node, ["sh", "-c", command], 60)
    return result.exit_code, result.output.strip()


def test_the_fidelity_check_reads_the_running_keepalived_back(pair: Mirror) -> None:
    [checked] = [e for e in read_journal(pair.run_dir) if e["event"] == "fidelity.checked"]
    params = {(f["node"], f["name"]): f for f in checked["facts"] if f["aspect"] == "param"}
    assert params[("lb1", "state")]["actual"] == "MASTER"
    assert params[("lb2", "state")]["actual"] == "BACKUP"
    assert params[("lb1", "priority")]["actual"] == "150"
    assert params[("lb2", "virtual_router_id")]["actual"] == "31"
    assert params[("lb2", "virtual_ip")]["actual"] == VIP
    assert all(fact["matches"] for fact in checked["facts"]), checked["facts"]
    assert checked["differences"] == 0
    [package] = [f for f in checked["facts"] if f["aspect"] == "package" and f["node"] == "lb1"]
    assert package["actual"].startswith("1:2.2.")


def test_the_master_holds_the_virtual_ip_and_serves_on_it(pair: Mirror) -> None:
    assert eventually(lambda: _served_by() == "lb1", 15)
    code, output = _run(pair, "lb1", "keepalived-state")
    assert code == 0, output
    assert f"lb1 is MASTER (priority 150, effective 150; router id 31) and holds {VIP}" in output
    code, output = _run(pair, "lb2", "keepalived-state")
    assert code == 1 and "lb2 is BACKUP" in output and f"does not hold {VIP}" in output
    assert _run(pair, "lb1", "keepalived-state frobnicate")[0] == 2


def test_a_failing_health_check_moves_the_virtual_ip_to_the_backup(pair: Mirror) -> None:
    _run(pair, "lb1", "/etc/init.d/nginx stop")
    try:
        assert eventually(lambda: _served_by() == "lb2", FAILOVER_S)
        code, output = _run(pair, "lb1", "keepalived-state")
        assert code == 3 and "lb1 is FAULT" in output, output
    finally:
        _run(pair, "lb1", "/etc/init.d/nginx start")
    assert eventually(lambda: _served_by() == "lb1", FAILOVER_S)


def test_keepalived_release_moves_the_virtual_ip_on_purpose_and_undo_takes_it_back(
    pair: Mirror,
) -> None:
    code, output = _run(pair, "lb1", "keepalived-release 15")
    try:
        assert code == 0, output
        assert "lb1 released the virtual IP" in output and "lb1 is BACKUP" in output
        assert _served_by() == "lb2"
        assert _run(pair, "lb2", "keepalived-state")[0] == 0
        assert _run(pair, "lb1", "keepalived-state effective_priority") == (0, "1")
    finally:
        code, output = _run(pair, "lb1", "keepalived-release --undo")
    assert code == 0, output
    assert eventually(lambda: _run(pair, "lb1", "keepalived-state")[0] == 0, FAILOVER_S)
    assert _served_by() == "lb1"
    assert _run(pair, "lb1", "keepalived-release soon")[0] == 2


def test_a_stopped_master_hands_the_virtual_ip_to_the_backup_within_seconds(
    pair: Mirror,
) -> None:
    assert pair.env is not None
    assert _served_by() == "lb1"
    # The stop kills keepalived, whose pid file stays on the node's disk; a pid the next boot
    # hands out again (1 always is) made keepalived believe itself running and exit at start
    # (2 of 6 restarts here, before the node's init cleared /run's pid files).
    assert _run(pair, "lb1", "echo 1 >/run/keepalived.pid")[0] == 0
    with injected(pair.env, {"type": "container.stop", "target": "lb1"}):
        stopped = time.monotonic()
        assert eventually(lambda: _served_by() == "lb2", FAILOVER_S)
        moved = time.monotonic() - stopped
        print(f"virtual IP served by lb2 {moved:.1f} s after lb1 stopped")
        assert _run(pair, "lb2", "keepalived-state")[0] == 0
    # lb1 boots keepalived from its init scripts and, of higher priority, takes the address back
    assert eventually(lambda: _served_by() == "lb1", 30)
