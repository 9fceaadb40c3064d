"""One environment made of the run's containers and the profile's lab hosts.

Faults, probes and steps name nodes, not backends: each call goes to the backend that
holds the node. Either part may be empty (a profile all on lab hosts needs no container).
"""

from __future__ import annotations

from pathlib import Path

from rehearsal.envs.ansible import SshLogin
from rehearsal.envs.base import CommandResult, NodeLimits
from rehearsal.envs.docker import DockerEnvironment, Lost
from rehearsal.envs.labhost import LabHostEnvironment
from rehearsal.envs.routes import Stream


class MixedEnvironment:
    def __init__(
        self,
        run_id: str,
        containers: DockerEnvironment | None,
        lab: LabHostEnvironment | None,
        order: list[str],
        run_key: Path,
    ) -> None:
        self.run_id = run_id
        self.run_key = run_key
        self.containers = containers
        self.lab = lab
        self._order = order
        self._backend: dict[str, DockerEnvironment | LabHostEnvironment] = {}
        for backend in (containers, lab):
            if backend is not None:
                self._backend.update(dict.fromkeys(backend.nodes(), backend))

    @property
    def prefix(self) -> str | None:
        """The containers' name prefix; None when every node is a lab host."""
        return self.containers.prefix if self.containers else None

    def _of(self, node: str) -> DockerEnvironment | LabHostEnvironment:
        return self._backend[node]

    def address(self, node: str) -> str:
        return self._of(node).address(node)

    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        return self._of(node).endpoint(node, port)

    def connect(self, node: str, port: int, timeout_s: float) -> Stream:
        return self._of(node).connect(node, port, timeout_s)

    def addresses(self) -> dict[str, str]:
        return {node: self.address(node) for node in self._order}

    def nodes(self) -> list[str]:
        return list(self._order)

    def peer_addresses(self, node: str) -> list[str]:
        return self._of(node).peer_addresses(node)

    def gateways(self, node: str) -> list[str]:
        return self._of(node).gateways(node)

    def limits(self, node: str) -> NodeLimits:
        return self._of(node).limits(node)

    def stop_node(self, node: str, grace_s: float) -> None:
        self._of(node).stop_node(node, grace_s)

    def start_node(self, node: str) -> None:
        self._of(node).start_node(node)

    def node_running(self, node: str) -> bool:
        return self._of(node).node_running(node)

    def node_state(self, node: str) -> str:
        return self._of(node).node_state(node)

    def kill_node(self, node: str, signal: str) -> None:
        self._of(node).kill_node(node, signal)

    def pause_node(self, node: str) -> None:
        self._of(node).pause_node(node)

    def unpause_node(self, node: str) -> None:
        self._of(node).unpause_node(node)

    def restart_node(self, node: str, grace_s: float) -> None:
        self._of(node).restart_node(node, grace_s)

    def recreate_node(self, node: str) -> None:
        self._of(node).recreate_node(node)

    def started_at(self, node: str) -> str:
        return self._of(node).started_at(node)

    def private_key(self) -> Path:
        """The run's key (its containers'); lab hosts log in with their own (``login``)."""
        return self.run_key

    def login(self, node: str) -> SshLogin | None:
        return self._of(node).login(node)

    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult:
        return self._of(node).exec(node, argv, timeout_s)

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult:
        return self._of(node).run_command(node, command, timeout_s)

    def watch(self, lost: Lost) -> None:
        if self.containers is not None:
            self.containers.watch(lost)

    def close(self) -> None:
        """Drop SSH connections; the nodes stay as they are (a kept mirror)."""
        if self.containers is not None:
            self.containers.disconnect()
        if self.lab is not None:
            self.lab.close()

    def down(self) -> None:
        """Remove the containers; lab hosts are not ours to remove, they stay converged."""
        if self.containers is not None:
            self.containers.down()
        if self.lab is not None:
            self.lab.close()
