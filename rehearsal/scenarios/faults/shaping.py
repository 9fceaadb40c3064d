"""The network is slow: a bandwidth cap (tc tbf), or added latency.

Latency uses tc netem when the node's kernel has it. Where it does not (as on the
machines this is built on), the fault delays one TCP service instead: its port is
redirected to a small delaying proxy started in the node (``node_scripts/delay_proxy.py``).
The journal notes which way was taken.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.envs.base import Environment
from rehearsal.errors import FaultFailure
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.firewall import Chains
from rehearsal.scenarios.faults.node import attempt, run, spawn, tag
from rehearsal.scenarios.faults.processes import ProcessMatch, alive, signal

PROXY_PORTS = (30000, 50000)
_INTERFACES = 'for i in /sys/class/net/*; do n=${i##*/}; [ "$n" = lo ] || echo "$n"; done'


def interfaces(env: Environment, node: str) -> list[str]:
    return run(env, node, ["sh", "-c", _INTERFACES]).split()


def qdiscs(env: Environment, node: str, interface: str) -> str:
    return attempt(env, node, ["tc", "qdisc", "show", "dev", interface, "root"]).output


def clear_root(env: Environment, node: str) -> None:
    for interface in interfaces(env, node):
        attempt(env, node, ["tc", "qdisc", "del", "dev", interface, "root"])


class NetworkBandwidthSpec(FaultSpec):
    type: Literal["network.bandwidth"]
    rate: str = Field(pattern=r"^\d+(bit|kbit|mbit|gbit)$", description="e.g. 512kbit, 10mbit")


def _bits(rate: str) -> int:
    for unit, factor in (("gbit", 10**9), ("mbit", 10**6), ("kbit", 10**3), ("bit", 1)):
        if rate.endswith(unit):
            return int(rate.removesuffix(unit)) * factor
    raise ValueError(rate)


class NetworkBandwidth(Fault):
    """Caps what the targets send on every interface to ``rate`` (a token bucket)."""

    capabilities: ClassVar[frozenset[str]] = frozenset({"NET_ADMIN"})  # tc, iptables

    kind: ClassVar[str] = "network.bandwidth"
    Spec: ClassVar[type[FaultSpec]] = NetworkBandwidthSpec
    example: ClassVar[dict[str, Any]] = {
        "type": "network.bandwidth",
        "target": "n1",
        "rate": "1mbit",
    }

    def inject(self) -> None:
        assert isinstance(self.spec, NetworkBandwidthSpec)
        burst = max(1600, _bits(self.spec.rate) // 8 // 50)
        for node in self.targets:
            for interface in interfaces(self.env, node):
                argv = ["tc", "qdisc", "replace", "dev", interface, "root", "tbf"]
                run(
                    self.env,
                    node,
                    [*argv, "rate", self.spec.rate, "burst", str(burst), "latency", "500ms"],
                )

    def is_injected(self) -> bool:
        return all(
            " tbf " in qdiscs(self.env, node, interface)
            for node in self.targets
            for interface in interfaces(self.env, node)
        )

    def revert(self) -> None:
        for node in self.targets:
            if self.env.node_running(node):
                clear_root(self.env, node)

    def is_reverted(self) -> bool:
        return not any(
            " tbf " in qdiscs(self.env, node, interface)
            for node in self.targets
            for interface in interfaces(self.env, node)
        )


class NetworkLatencySpec(FaultSpec):
    type: Literal["network.latency"]
    delay: int = Field(ge=1, le=60_000, description="milliseconds added")
    jitter: int = Field(default=0, ge=0, le=60_000, description="± milliseconds")
    port: int | None = Field(
        default=None, ge=1, le=65535, description="the TCP service to delay when netem is absent"
    )


class NetworkLatency(Fault):
    """Adds ``delay`` ± ``jitter`` ms to what the targets send (netem), or, without netem,
    to the replies of the TCP service on ``port`` (a delaying proxy in the node)."""

    capabilities: ClassVar[frozenset[str]] = frozenset({"NET_ADMIN"})  # tc, iptables

    kind: ClassVar[str] = "network.latency"
    Spec: ClassVar[type[FaultSpec]] = NetworkLatencySpec
    example: ClassVar[dict[str, Any]] = {
        "type": "network.latency",
        "target": "n1",
        "delay": 200,
        "jitter": 20,
        "port": 22,
    }
    _via: dict[str, str] = {}

    @property
    def _tag(self) -> str:
        return tag(self.kind, self.spec.model_dump_json())

    @property
    def _marker(self) -> str:
        return f"rehearsal-delay-{self._tag}"

    @property
    def _listen_port(self) -> int:
        low, high = PROXY_PORTS
        return low + int(self._tag, 16) % (high - low)

    def inject(self) -> None:
        self._via = {}
        for node in self.targets:
            self._via[node] = "netem" if self._netem(node) else self._proxy(node)

    def _netem(self, node: str) -> bool:
        assert isinstance(self.spec, NetworkLatencySpec)
        delay = [f"{self.spec.delay}ms", *([f"{self.spec.jitter}ms"] if self.spec.jitter else [])]
        for interface in interfaces(self.env, node):
            argv = ["tc", "qdisc", "replace", "dev", interface, "root", "netem", "delay", *delay]
            if not attempt(self.env, node, argv).ok:
                return False
        self.notes.append(f"{node}: tc netem delay on every interface")
        return True

    def _proxy(self, node: str) -> str:
        spec = self.spec
        assert isinstance(spec, NetworkLatencySpec)
        if spec.port is None:
            raise FaultFailure(
                f"{node}: this kernel has no tc netem; give 'port:' to delay one TCP service "
                "through a delaying proxy instead"
            )
        script = resources.files("rehearsal.scenarios.faults") / "node_scripts" / "delay_proxy.py"
        argv = [str(self._listen_port), str(spec.port), str(spec.delay), str(spec.jitter)]
        if not self._proxies(node):
            run(self.env, node, spawn(["python3", "-c", script.read_text(), *argv, self._marker]))
        redirect = f"-p tcp --dport {spec.port} -j REDIRECT --to-ports {self._listen_port}"
        Chains(self._tag, "nat").apply(self.env, node, {"PREROUTING": [redirect]})
        self.notes.append(
            f"{node}: no tc netem in this kernel; replies of TCP port {spec.port} are delayed "
            f"by a proxy in the node (port {self._listen_port})"
        )
        return "proxy"

    def _proxies(self, node: str) -> list[str]:
        pids = ProcessMatch(pattern=self._marker).pids(self.env, node)
        return pids if alive(self.env, node, pids) else []

    def _listening(self, node: str) -> bool:
        sockets = attempt(self.env, node, ["ss", "-Htln", f"sport = :{self._listen_port}"])
        return bool(sockets.output.strip())

    def is_injected(self) -> bool:
        for node in self.targets:
            if self._via.get(node) == "netem":
                if not all(
                    " netem " in qdiscs(self.env, node, i) for i in interfaces(self.env, node)
                ):
                    return False
            elif not (
                self._listening(node)
                and Chains(self._tag, "nat").applied(self.env, node, ["PREROUTING"])
            ):
                return False
        return True

    def revert(self) -> None:
        for node in self.targets:
            if not self.env.node_running(node):
                continue
            Chains(self._tag, "nat").remove(self.env, node, ["PREROUTING"])
            signal(self.env, node, self._proxies(node), "SIGKILL")
            if any(" netem " in qdiscs(self.env, node, i) for i in interfaces(self.env, node)):
                clear_root(self.env, node)

    def is_reverted(self) -> bool:
        return all(
            not self._proxies(node)
            and Chains(self._tag, "nat").gone(self.env, node, ["PREROUTING"])
            and not any(" netem " in qdiscs(self.env, node, i) for i in interfaces(self.env, node))
            for node in self.targets
        )
