"""Process and service faults: the service stops answering; revert brings it back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rehearsal.envs.docker import DockerEnvironment
from tests.integration.conftest import eventually, http_get, injected, serve_http

pytestmark = pytest.mark.docker

DEMO_PORT = 8090
# A small SysV service as products ship them: it reads its port from /etc/demo.conf and
# will not start when that file is missing or malformed.
DEMO_INIT = """#!/bin/sh
PIDFILE=/run/demo.pid
case "$1" in
  start)
    port=$(sed -n 's/^port *= *\\([0-9][0-9]*\\)$/\\1/p' /etc/demo.conf 2>/dev/null)
    bad=$(grep -cv '^port *= *[0-9]*$' /etc/demo.conf 2>/dev/null)
    [ -n "$port" ] && [ "$bad" = 0 ] || { echo "bad /etc/demo.conf"; exit 1; }
    start-stop-daemon --start --background --make-pidfile --pidfile $PIDFILE \
      --exec /usr/bin/python3 -- -m http.server "$port" --directory /etc ;;
  stop) start-stop-daemon --stop --quiet --oknodo --retry 5 --pidfile $PIDFILE; rm -f $PIDFILE ;;
  restart) "$0" stop; "$0" start ;;
  status) start-stop-daemon --status --pidfile $PIDFILE ;;
esac
"""


@pytest.fixture(scope="module")
def demo(mirror: DockerEnvironment) -> Iterator[str]:
    """The ``demo`` service running on n2; the node's address is handed to the test."""
    script = (
        'printf "%s" "$1" > /etc/init.d/demo; chmod 755 /etc/init.d/demo; '
        'echo "port = $2" > /etc/demo.conf'
    )
    assert mirror.exec("n2", ["sh", "-c", script, "sh", DEMO_INIT, str(DEMO_PORT)], 10).ok
    assert mirror.exec("n2", ["/etc/init.d/demo", "start"], 10).ok
    address = mirror.address("n2")
    assert eventually(lambda: http_get(address, DEMO_PORT) is not None)
    yield address
    mirror.exec("n2", ["/etc/init.d/demo", "stop"], 10)


def test_service_stop_and_start(nodes: DockerEnvironment, demo: str) -> None:
    with injected(nodes, {"type": "service.stop", "target": "n2", "service": "demo"}):
        assert http_get(demo, DEMO_PORT) is None
    assert eventually(lambda: http_get(demo, DEMO_PORT) is not None)


@pytest.mark.parametrize("how", ["bad-line", "move-aside"])
def test_broken_config_keeps_service_down_until_restored(
    nodes: DockerEnvironment, demo: str, how: str
) -> None:
    before = nodes.exec("n2", ["stat", "-c", "%a %s", "/etc/demo.conf"], 5).output
    spec = {"type": "service.broken-start", "target": "n2", "service": "demo"}
    with injected(nodes, {**spec, "file": "/etc/demo.conf", "how": how}):
        assert http_get(demo, DEMO_PORT) is None
        assert not nodes.exec("n2", ["/etc/init.d/demo", "start"], 10).ok
    assert nodes.exec("n2", ["stat", "-c", "%a %s", "/etc/demo.conf"], 5).output == before
    assert eventually(lambda: http_get(demo, DEMO_PORT) is not None)


def test_process_hang_freezes_and_thaws(nodes: DockerEnvironment) -> None:
    address = nodes.address("n1")
    spec = {"type": "process.hang", "target": "n1", "pattern": "http.server 8080"}
    with injected(nodes, spec):
        assert http_get(address, timeout_s=1) is None
    assert http_get(address) is not None


def test_process_kill_by_pattern_with_a_signal(nodes: DockerEnvironment) -> None:
    address = nodes.address("n1")
    spec = {"type": "process.kill", "target": "n1", "pattern": "http.server 8080"}
    with injected(nodes, {**spec, "signal": "SIGTERM"}):
        assert http_get(address) is None
    assert nodes.node_running("n1"), "killing a process is not losing the node"
    serve_http(nodes, "n1")
