"""Which route an engine's nodes are reached by, and where probes then point."""

from __future__ import annotations

from rehearsal.envs.routes import DirectRoute, JumpRoute, engine_route
from rehearsal.scenarios.probes.http import resolve_url


class Forwarding:
    """Nodes reached through local forwards, as on a remote engine."""

    def address(self, node: str) -> str:
        if node != "web1":
            raise KeyError(node)
        return "172.20.0.10"

    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        self.address(node)
        return "127.0.0.1", 40000 + port


class Direct(Forwarding):
    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        return self.address(node), port


def test_a_local_engine_reaches_nodes_directly_and_unchanged() -> None:
    route = engine_route("")
    assert isinstance(route, DirectRoute) and route.engine == "local"
    assert route.endpoint("172.20.0.10", 80) == ("172.20.0.10", 80)


def test_an_ssh_engine_goes_through_its_host_and_names_it_without_a_password() -> None:
    route = engine_route("ssh://ops:secret@engine.example:2200")
    assert isinstance(route, JumpRoute)
    assert route.engine == "ssh://ops@engine.example:2200"
    assert engine_route("ssh://engine.example").engine == "ssh://engine.example"


def test_a_tcp_engine_is_reached_directly_and_says_addresses_must_be_routable() -> None:
    route = engine_route("tcp://engine.example:2376")
    assert isinstance(route, DirectRoute)
    assert "routable" in route.engine and "tcp://engine.example:2376" in route.engine


def test_urls_to_nodes_point_at_the_forward_and_keep_their_path() -> None:
    assert (
        resolve_url("http://web1/health?x=1", Forwarding()) == "http://127.0.0.1:40080/health?x=1"
    )
    assert resolve_url("http://web1:8080/", Forwarding()) == "http://127.0.0.1:48080/"
    assert resolve_url("http://example.org/", Forwarding()) == "http://example.org/"


def test_urls_to_nodes_of_a_local_engine_are_as_before() -> None:
    assert resolve_url("http://web1/health", Direct()) == "http://172.20.0.10/health"
    assert resolve_url("http://web1:8080/", Direct()) == "http://172.20.0.10:8080/"
