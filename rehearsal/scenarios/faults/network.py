"""The network misbehaves: nodes cannot see each other, a node is cut off, packets are
lost, names do not resolve, a port refuses connections.

All of these are firewall rules inside the target nodes (nodes have NET_ADMIN), each
fault in chains of its own (see ``firewall``). Isolation keeps the orchestrator's
addresses (the Docker bridge gateways) reachable, so SSH, probes and recovery still work.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.models.base import Name, Strict
from rehearsal.scenarios.faults.base import Fault, FaultSpec, S
from rehearsal.scenarios.faults.firewall import Chains
from rehearsal.scenarios.faults.node import on_each, tag

DOCKER_DNS = "127.0.0.11"


class _Firewalled(Fault[S]):
    """A fault that is a set of rules per target node; revert removes its chains."""

    capabilities: ClassVar[frozenset[str]] = frozenset({"NET_ADMIN"})  # iptables
    requires: ClassVar[frozenset[str]] = frozenset({"net-admin", "iptables"})

    hooks: ClassVar[tuple[str, ...]] = ("INPUT", "OUTPUT")

    @property
    def chains(self) -> Chains:
        return Chains(tag(self.kind, self.spec.model_dump_json()))

    def rules(self, node: str) -> dict[str, list[str]]:
        raise NotImplementedError

    def inject(self) -> None:
        rules = {node: self.rules(node) for node in self.targets}
        on_each(self.targets, lambda node: self.chains.apply(self.env, node, rules[node]))
        self.confirmed = set(self.targets)

    def is_injected(self) -> bool:
        hooks = list(self.hooks)
        return all(on_each(self.unchecked(), lambda n: self.chains.applied(self.env, n, hooks)))

    def revert_argv(self, node: str) -> list[str] | None:
        return self.chains.remove_argv(list(self.hooks))

    def revert(self) -> None:
        on_each(self.targets, lambda node: self.chains.remove(self.env, node, list(self.hooks)))

    def is_reverted(self) -> bool:
        hooks = list(self.hooks)
        return all(on_each(self.targets, lambda n: self.chains.gone(self.env, n, hooks)))


class Peers(Strict):
    """The other side of a partition; without it, every node that is not a target."""

    target: Name | list[Name] | None = None
    role: Name | None = None
    network: Name | None = None
    label: dict[str, str] | None = None


class NetworkPartitionSpec(FaultSpec):
    type: Literal["network.partition"]
    peers: Peers | None = Field(default=None, description="the other group (default: the rest)")
    direction: Literal["both", "outbound", "inbound"] = Field(
        default="both", description="both ways, or only new connections from / to the targets"
    )


class NetworkPartition(_Firewalled[NetworkPartitionSpec]):
    """The targets and their peers stop seeing each other (their other traffic flows)."""

    kind: ClassVar[str] = "network.partition"
    example: ClassVar[dict[str, Any]] = {
        "type": "network.partition",
        "target": "n1",
        "peers": {"target": "n2"},
    }

    def _peers(self) -> list[str]:
        """Resolved peers; without a profile, the peers named outright, else everyone else."""
        if self.placement.peers:
            return list(self.placement.peers)
        named = self.spec.peers.target if self.spec.peers else None
        if named:
            return [named] if isinstance(named, str) else list(named)
        return [node for node in self.env.nodes() if node not in self.targets]

    def _peer_addresses(self) -> list[str]:
        peers = self._peers()
        return [address for peer in peers for address in self.env.peer_addresses(peer)]

    def rules(self, node: str) -> dict[str, list[str]]:
        addresses = self._peer_addresses()
        new = "-m conntrack --ctstate NEW "
        inbound = self.spec.direction in ("both", "inbound")
        outbound = self.spec.direction in ("both", "outbound")
        only_new = "" if self.spec.direction == "both" else new
        return {
            "INPUT": [f"-s {a}/32 {only_new}-j DROP" for a in addresses] if inbound else [],
            "OUTPUT": [f"-d {a}/32 {only_new}-j DROP" for a in addresses] if outbound else [],
        }


class NetworkIsolateSpec(FaultSpec):
    type: Literal["network.isolate"]


class NetworkIsolate(_Firewalled[NetworkIsolateSpec]):
    """The targets lose every peer; only loopback and the orchestrator still reach them."""

    kind: ClassVar[str] = "network.isolate"
    example: ClassVar[dict[str, Any]] = {"type": "network.isolate", "target": "n1"}

    def rules(self, node: str) -> dict[str, list[str]]:
        gateways = self.env.gateways(node)
        return {
            "INPUT": ["-i lo -j RETURN", *[f"-s {g}/32 -j RETURN" for g in gateways], "-j DROP"],
            "OUTPUT": ["-o lo -j RETURN", *[f"-d {g}/32 -j RETURN" for g in gateways], "-j DROP"],
        }


class NetworkLossSpec(FaultSpec):
    type: Literal["network.loss"]
    loss: float = Field(gt=0, le=100, description="percent of packets dropped")


class NetworkLoss(_Firewalled[NetworkLossSpec]):
    """Drops a share of the packets the targets send and receive (loopback spared)."""

    kind: ClassVar[str] = "network.loss"
    example: ClassVar[dict[str, Any]] = {"type": "network.loss", "target": "n1", "loss": 30}

    def rules(self, node: str) -> dict[str, list[str]]:
        chance = f"-m statistic --mode random --probability {self.spec.loss / 100:.4f} -j DROP"
        return {"INPUT": [f"! -i lo {chance}"], "OUTPUT": [f"! -o lo {chance}"]}


class NetworkDnsSpec(FaultSpec):
    type: Literal["network.dns"]
    action: Literal["drop", "reject"] = Field(
        default="drop", description="drop: lookups time out; reject: they fail at once"
    )


class NetworkDns(_Firewalled[NetworkDnsSpec]):
    """Name lookups fail: queries to Docker's resolver (127.0.0.11) and to any port 53.

    Docker's resolver is reached through NAT rules in the node, which rewrite the port but
    not the address, so the rule matches the address."""

    kind: ClassVar[str] = "network.dns"
    example: ClassVar[dict[str, Any]] = {"type": "network.dns", "target": "n1"}
    hooks: ClassVar[tuple[str, ...]] = ("OUTPUT",)

    def rules(self, node: str) -> dict[str, list[str]]:
        verdict = "DROP" if self.spec.action == "drop" else "REJECT"
        return {
            "OUTPUT": [
                f"-d {DOCKER_DNS}/32 -j {verdict}",
                f"-p udp --dport 53 -j {verdict}",
                f"-p tcp --dport 53 -j {verdict}",
            ]
        }


class NetworkPortBlockSpec(FaultSpec):
    type: Literal["network.port-block"]
    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    action: Literal["reject", "drop"] = Field(
        default="reject", description="reject: connections refused; drop: they time out"
    )


class NetworkPortBlock(_Firewalled[NetworkPortBlockSpec]):
    """Connections to a port of the targets are refused (or silently dropped)."""

    kind: ClassVar[str] = "network.port-block"
    example: ClassVar[dict[str, Any]] = {"type": "network.port-block", "target": "n1", "port": 22}
    hooks: ClassVar[tuple[str, ...]] = ("INPUT",)

    def rules(self, node: str) -> dict[str, list[str]]:
        spec = self.spec
        if spec.action == "drop":
            verdict = "DROP"
        elif spec.protocol == "tcp":
            verdict = "REJECT --reject-with tcp-reset"
        else:
            verdict = "REJECT"
        return {"INPUT": [f"-p {spec.protocol} --dport {spec.port} -j {verdict}"]}
