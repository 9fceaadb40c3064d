"""A customer mirror made of Docker containers and networks, all labelled with the run.

The orchestrator reaches each node (SSH, probes) at its address on the node's first
network, from the engine's host (through it, for a remote engine: see ``routes``); there
is no extra management network, because Docker's DNS
answers a node's host name on every network it joins and an extra network would give
nodes paths the customer's network design does not have. Nodes keep fixed
addresses, like servers: a node that is stopped and started comes back at the same
address, so peers that resolved its name once (nginx upstreams do) still reach it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from rehearsal.envs import labels as L
from rehearsal.envs.base import CommandResult, NodeLimits
from rehearsal.envs.keys import KeyPair
from rehearsal.envs.routes import Route, Stream, engine_route
from rehearsal.envs.ssh import SshPool, wait_for_ssh
from rehearsal.envs.volume_mounts import NodeVolumes
from rehearsal.envs.volumes import Backing, VolumeHost, VolumeSpec
from rehearsal.errors import DockerUnavailable, EnvironmentFailure

OUTPUT_LIMIT = 64_000
SUBNET_POOL = ipaddress.IPv4Network("172.20.0.0/14")
FIRST_HOST = 10
# A node boots its enabled services (PostgreSQL's start is the slow one) before sshd
# answers; on a loaded 2-core machine that took over 30 s.
SSH_READY_S = 90
# How long a network's removal waits for the engine to let go of removed containers' endpoints.
ENDPOINT_WAITS_S = (0.2, 0.5, 1.0, 2.0, 4.0)
Progress = Callable[[str], None]
Lost = Callable[[str], None]


@dataclass(frozen=True)
class NodeSpec:
    name: str
    image: str
    networks: tuple[str, ...]
    cpus: float | None = None
    memory: str | None = None
    capabilities: tuple[str, ...] = ()
    """Added to Docker's default set (which is unprivileged); only what a fault needs."""
    extra_hosts: tuple[tuple[str, str], ...] = ()
    """Names of nodes that are not containers (lab hosts), with their addresses."""
    volumes: tuple[VolumeSpec, ...] = ()


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    internal: bool
    subnet: ipaddress.IPv4Network | None = None


@dataclass(frozen=True)
class EnvironmentSpec:
    run_id: str
    nodes: tuple[NodeSpec, ...]
    networks: tuple[NetworkSpec, ...]
    labels: dict[str, str] = field(default_factory=dict)
    backing: Backing = Backing("loop")
    """What the nodes' volumes are made of here (see ``volumes``)."""
    plan: str = ""
    """Names the address plan: the same plan tries the same subnets first, so a profile's
    nodes get the same addresses run after run (and converged snapshots match); empty, a
    random start."""


def docker_client() -> Any:
    import docker
    import docker.errors

    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except docker.errors.DockerException as error:
        raise DockerUnavailable(
            f"cannot reach the Docker engine ({error}); start Docker or set DOCKER_HOST"
        ) from None
    return client


def resource_prefix(run_id: str) -> str:
    return f"rh-{run_id.rsplit('-', 1)[-1]}"


class DockerEnvironment:
    """Builds, reaches and removes one run's nodes; ``down`` is safe at any point."""

    def __init__(
        self,
        client: Any,
        spec: EnvironmentSpec,
        keys: KeyPair,
        route: Route | None = None,
        volumes: VolumeHost | None = None,
    ) -> None:
        self.client = client
        self.volumes = volumes or VolumeHost()
        self._node_volumes = NodeVolumes(
            client, spec.run_id, spec.labels, spec.backing, self.volumes
        )
        self.volume_seconds: dict[str, float] = {}
        """Per node, how long making its volumes took (the last time it was made)."""
        self.route = route or engine_route()
        self.spec = spec
        self.run_id = spec.run_id
        self.prefix = resource_prefix(spec.run_id)
        self.keys = keys
        self.ssh = SshPool(keys.private_path, dial=self.route.connect)
        self._addresses: dict[str, str] = {}
        self._subnets: dict[str, ipaddress.IPv4Network] = {}
        self._gateway_cache: dict[str, str] = {}
        self._removing: set[str] = set()
        """Nodes we are removing ourselves (recreate, teardown): not vanished."""
        self._closing = False
        self._events: Any = None
        self._lost: Lost | None = None
        self.on_create: Callable[[NodeSpec, Any], None] = lambda _node, _container: None
        """Called with each node's container made and not yet started (a snapshot's secrets
        go in there)."""

    def container_name(self, node: str) -> str:
        return f"{self.prefix}-{node}"

    def network_name(self, network: str) -> str:
        return f"{self.prefix}-{network}"

    def up(self, progress: Progress = lambda _m: None) -> None:
        self.create_networks()
        self.start_nodes(progress)

    def create_networks(self) -> None:
        import docker.errors

        try:
            self._create_networks()
        except docker.errors.APIError as error:
            raise EnvironmentFailure(f"Docker refused to build the environment: {error}") from None

    def start_nodes(self, progress: Progress = lambda _m: None) -> None:
        import docker.errors

        try:
            progress(f"starting {len(self.spec.nodes)} nodes")
            with ThreadPoolExecutor(max_workers=min(16, len(self.spec.nodes))) as pool:
                list(pool.map(self._start, self.spec.nodes))
        except docker.errors.APIError as error:
            raise EnvironmentFailure(f"Docker refused to build the environment: {error}") from None

    def planned_addresses(self, node: str) -> dict[str, str]:
        """The node's address on each of its networks (once the networks are made)."""
        return {network: self._ip(network, node) for network in self._node_spec(node).networks}

    def subnet_stems(self) -> list[str]:
        """What every address of the mirror's networks begins with ("172.20.5." of a /24)."""
        return [
            ".".join(str(subnet.network_address).split(".")[: subnet.prefixlen // 8]) + "."
            for subnet in self._subnets.values()
        ]

    def remove_nodes(self) -> None:
        """Remove the nodes' containers and keep the networks (a start to be tried again)."""
        self._removing.update(self.nodes())
        try:
            self._remove_nodes()
        finally:
            self._removing.clear()
        self._addresses.clear()

    def _create_networks(self) -> None:
        candidates = _free_subnets(self.spec.plan)
        for network in self.spec.networks:
            if network.subnet is None:
                self._create_network(network.name, network.internal, candidates)
            else:
                self._create_network(network.name, network.internal, iter([network.subnet]))

    def _create_network(
        self, name: str, internal: bool, candidates: Iterator[ipaddress.IPv4Network]
    ) -> None:
        """Take the next subnet nobody uses; Docker refuses overlapping ones, so try again."""
        import docker.errors
        from docker.types import IPAMConfig, IPAMPool

        for subnet in candidates:
            ipam = IPAMConfig(
                pool_configs=[IPAMPool(subnet=str(subnet), gateway=str(subnet.network_address + 1))]
            )
            try:
                self.client.networks.create(
                    self.network_name(name),
                    driver="bridge",
                    internal=internal,
                    ipam=ipam,
                    labels=self.spec.labels,
                    check_duplicate=True,
                )
            except docker.errors.APIError as error:
                if "overlap" in str(error):
                    continue
                raise
            self._subnets[name] = subnet
            return
        raise EnvironmentFailure(
            f"no free subnet for network {name}: the profile's subnet is in use (another "
            f"mirror of this profile?) or {SUBNET_POOL} is full; see `rehearsal env ls`"
        )

    def _ip(self, network: str, node: str) -> str:
        index = [n.name for n in self.spec.nodes].index(node)
        return str(self._subnets[network].network_address + FIRST_HOST + index)

    def _start(self, node: NodeSpec) -> None:
        extra: dict[str, Any] = {}
        if node.cpus:
            extra["nano_cpus"] = int(node.cpus * 1e9)
        if node.memory:
            extra["mem_limit"] = node.memory
        from docker.types import EndpointConfig

        first = self.network_name(node.networks[0])
        address = self._ip(node.networks[0], node.name)
        endpoint = EndpointConfig("1.41", ipv4_address=address, aliases=[node.name])
        if node.volumes:
            started = time.monotonic()
            name = self.container_name(node.name)
            extra.update(self._node_volumes.options(node.name, name, node.image, node.volumes))
            self.volume_seconds[node.name] = time.monotonic() - started
        container = self.client.containers.create(
            node.image,
            name=self.container_name(node.name),
            hostname=node.name,
            labels={**self.spec.labels, L.NODE: node.name, L.NETWORKS: ",".join(node.networks)},
            init=True,
            network=first,
            networking_config={first: endpoint},
            cap_add=sorted(node.capabilities),
            extra_hosts=dict(node.extra_hosts),
            security_opt=["no-new-privileges"],
            **extra,
        )
        for network in node.networks[1:]:
            self.client.networks.get(self.network_name(network)).connect(
                container, aliases=[node.name], ipv4_address=self._ip(network, node.name)
            )
        container.put_archive("/root", self.keys.authorized_keys_tar())
        self.on_create(node, container)
        self._node_volumes.before_start(container)
        container.start()
        self._addresses[node.name] = address
        try:
            wait_for_ssh(address, timeout_s=SSH_READY_S, dial=self.route.connect)
        except TimeoutError as error:
            logs = container.logs(tail=30).decode(errors="replace")
            raise EnvironmentFailure(f"node {node.name}: {error}\n{logs}") from None

    @classmethod
    def attach(
        cls, client: Any, run_id: str, keys: KeyPair, route: Route | None = None
    ) -> DockerEnvironment:
        """The environment of a run that is already up (for ``rehearsal recover``)."""
        containers = client.containers.list(all=True, filters={"label": f"{L.RUN}={run_id}"})
        nodes = []
        for container in containers:
            found = container.labels
            if L.NODE not in found:
                continue
            networks = tuple(found.get(L.NETWORKS, "").split(",") or ())
            nodes.append(NodeSpec(found[L.NODE], container.attrs["Config"]["Image"], networks))
        env = cls(client, EnvironmentSpec(run_id, tuple(nodes), ()), keys, route)
        for node in env.spec.nodes:
            env._addresses[node.name] = env.peer_addresses(node.name)[0]
        return env

    def address(self, node: str) -> str:
        return self._addresses[node]

    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        return self.route.endpoint(self.address(node), port)

    def connect(self, node: str, port: int, timeout_s: float) -> Stream:
        return self.route.connect(self.address(node), port, timeout_s)

    def limits(self, node: str) -> NodeLimits:
        """The networks the node's container is on (profile names) and its CPU/memory caps."""
        attrs = self.container(node).attrs
        prefix = f"{self.prefix}-"
        joined = attrs["NetworkSettings"]["Networks"]
        networks = tuple(sorted(n.removeprefix(prefix) for n in joined if n.startswith(prefix)))
        host = attrs["HostConfig"]
        cpus = host.get("NanoCpus") or 0
        memory = host.get("Memory") or 0
        return NodeLimits(networks, cpus / 1e9 if cpus else None, memory or None)

    def nodes(self) -> list[str]:
        return [node.name for node in self.spec.nodes]

    def _node_spec(self, node: str) -> NodeSpec:
        return next(spec for spec in self.spec.nodes if spec.name == node)

    def peer_addresses(self, node: str) -> list[str]:
        endpoints = self.container(node).attrs["NetworkSettings"]["Networks"]
        found = []
        for network in self._node_spec(node).networks:
            endpoint = endpoints.get(self.network_name(network)) or {}
            fixed = (endpoint.get("IPAMConfig") or {}).get("IPv4Address")
            found.append(fixed or endpoint.get("IPAddress", ""))
        return [address for address in found if address]

    def gateways(self, node: str) -> list[str]:
        return [self._gateway(network) for network in self._node_spec(node).networks]

    def _gateway(self, network: str) -> str:
        if network not in self._gateway_cache:
            attrs = self.client.networks.get(self.network_name(network)).attrs
            self._gateway_cache[network] = attrs["IPAM"]["Config"][0]["Gateway"]
        return self._gateway_cache[network]

    def addresses(self) -> dict[str, str]:
        return dict(self._addresses)

    def container(self, node: str) -> Any:
        return self.client.containers.get(self.container_name(node))

    def stop_node(self, node: str, grace_s: float) -> None:
        self.container(node).stop(timeout=int(grace_s))

    def start_node(self, node: str) -> None:
        self.container(node).start()
        wait_for_ssh(self.address(node), timeout_s=SSH_READY_S, dial=self.route.connect)

    def node_running(self, node: str) -> bool:
        container = self.container(node)
        container.reload()
        return bool(container.status == "running")

    def node_state(self, node: str) -> str:
        container = self.container(node)
        return str(container.attrs["State"]["Status"])

    def started_at(self, node: str) -> str:
        return str(self.container(node).attrs["State"]["StartedAt"])

    def kill_node(self, node: str, signal: str) -> None:
        self.container(node).kill(signal=signal)

    def pause_node(self, node: str) -> None:
        self.container(node).pause()

    def unpause_node(self, node: str) -> None:
        self.container(node).unpause()

    def restart_node(self, node: str, grace_s: float) -> None:
        self.container(node).restart(timeout=int(grace_s))
        wait_for_ssh(self.address(node), timeout_s=SSH_READY_S, dial=self.route.connect)

    def recreate_node(self, node: str) -> None:
        """The node made again from its image; its volumes (on loop devices) are mounted
        again as they are, so their data is still there."""
        self._removing.add(node)
        try:
            self.container(node).remove(force=True)
            self._start(self._node_spec(node))
        finally:
            self._removing.discard(node)

    def watch(self, lost: Lost) -> None:
        """Call ``lost`` (once, from a thread) when a node's container is removed by anyone
        but us, or the Docker engine stops answering: the mirror is broken, which is a
        problem of the environment, not a finding about the customer's system."""
        import threading

        self._lost = lost
        selector = {"label": f"{L.RUN}={self.run_id}", "type": "container", "event": "destroy"}
        self._events = self.client.events(filters=selector, decode=True)
        threading.Thread(target=self._watch, args=(self._events, lost), daemon=True).start()

    def _watch(self, events: Iterable[dict[str, Any]], lost: Lost) -> None:
        try:
            for event in events:
                node = (event.get("Actor", {}).get("Attributes") or {}).get(L.NODE)
                if self._closing:
                    return
                if node and node not in self._removing:
                    lost(self._vanished(node))
                    return
        except Exception as error:  # the stream's own errors: connection reset, engine gone
            if not self._closing:
                lost(f"the Docker engine stopped answering ({type(error).__name__}: {error})")
            return
        if not self._closing:
            lost("the Docker engine closed its event stream (restarted or stopped)")

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult:
        return self.ssh.run(self.address(node), command, timeout_s)

    def private_key(self) -> Path:
        return self.keys.private_path

    def login(self, node: str) -> None:
        """Ansible logs in to the run's containers as root with the run's key."""
        return None

    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult:
        """``docker exec`` under coreutils' ``timeout``, so a stuck command cannot hang us."""
        import docker.errors

        started = time.monotonic()
        api = self.client.api
        limited = ["timeout", "-k", "2", f"{max(timeout_s, 0.1):g}", *argv]
        try:
            exec_id = api.exec_create(self.container_name(node), limited)["Id"]
            output = api.exec_start(exec_id)
        except docker.errors.APIError as error:
            # The node is stopped or paused, or stopped between create and start.
            if error.status_code != 409 and "is not running" not in str(error.explanation):
                raise
            return CommandResult(255, f"{node} cannot run commands: {error.explanation}", 0.0)
        try:
            code = api.exec_inspect(exec_id)["ExitCode"]
        except docker.errors.NotFound:  # the node stopped under the command, taking it along
            code = None
        return CommandResult(
            int(code if code is not None else 255),
            output.decode(errors="replace")[-OUTPUT_LIMIT:],
            time.monotonic() - started,
        )

    def _vanished(self, node: str) -> str:
        return (
            f"node {node}'s container ({self.container_name(node)}) was removed outside rehearsal"
        )

    def _check_intact(self) -> None:
        """Before teardown, look for nodes gone under us: a run that failed because a node
        vanished may unwind before the engine's event about it arrives."""
        import docker.errors

        if self._lost is None:
            return
        selector = {"label": f"{L.RUN}={self.run_id}"}
        try:
            found = self.client.containers.list(all=True, filters=selector, sparse=True)
        except docker.errors.DockerException as error:
            self._lost(f"the Docker engine stopped answering ({error})")
            return
        present = {(c.attrs.get("Labels") or {}).get(L.NODE) for c in found}
        for node in self.nodes():
            if node not in present and node not in self._removing:
                self._lost(self._vanished(node))
                return

    def down(self) -> None:
        checking = not self._closing
        if checking:
            self._check_intact()
        self._closing = True
        if self._events is not None:
            _close_stream(self._events)
        self.disconnect()
        gone = self._remove_nodes()
        if checking and gone and self._lost is not None:
            self._lost(self._vanished(gone[0]))
        remove_run(self.client, self.run_id, self.volumes)

    def _remove_nodes(self) -> list[str]:
        """Remove the nodes' containers; those someone else had removed, or was removing, are
        returned. A container whose removal another client began is listed as running until
        the engine has reaped it, so the listing in ``_check_intact`` can miss it."""
        import docker.errors

        def remove(node: str) -> str | None:
            try:
                self.client.api.remove_container(self.container_name(node), force=True)
            except docker.errors.NotFound:
                return node
            except docker.errors.APIError as error:
                if error.status_code == 409 and "in progress" in str(error):
                    return node
                raise
            return None

        with ThreadPoolExecutor(max_workers=8) as pool:
            removed = list(pool.map(remove, self.nodes()))
        return [node for node in removed if node is not None and node not in self._removing]

    def disconnect(self) -> None:
        """Close the connections to the nodes (SSH, forwards); the nodes stay as they are."""
        self.ssh.close()
        self.route.close()


def _close_stream(stream: Any) -> None:
    """Stop an event stream; docker-py cannot cancel one over ``ssh://``, so there its SSH
    channel (the one docker-py finds, then refuses to close) is closed instead."""
    import docker.errors

    try:
        stream.close()
    except docker.errors.DockerException:
        stream._response.raw._fp.fp.channel.close()


def _free_subnets(plan: str = "") -> Iterator[ipaddress.IPv4Network]:
    """The pool's /24 subnets from the plan's point (a random one without a plan); a run
    finding its plan's subnets taken goes on to the next ones, as a random start would."""
    subnets = list(SUBNET_POOL.subnets(new_prefix=24))
    if plan:
        start = int(hashlib.sha256(plan.encode()).hexdigest(), 16) % len(subnets)
    else:
        start = random.randrange(len(subnets))
    yield from subnets[start:] + subnets[:start]


def remove_run(client: Any, run_id: str, volumes_here: VolumeHost | None = None) -> int:
    """Remove every container, network and volume labelled with ``run_id``, then the run's
    data volumes on this host (once no container holds them); return how many."""
    selector = {"label": f"{L.RUN}={run_id}"}
    # sparse: no inspect per container, which would fail on one removed meanwhile
    containers = client.containers.list(all=True, filters=selector, sparse=True)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_remove_container, containers))
    networks = client.networks.list(filters=selector)
    stuck = [network.name for network in networks if not _remove_network(network)]
    volumes = client.volumes.list(filters=selector)
    for volume in volumes:
        _ignore_missing(partial(volume.remove, force=True))
    data = (volumes_here or VolumeHost()).remove(run_id)
    if stuck:
        raise EnvironmentFailure(
            f"run {run_id}: the Docker engine still holds endpoints of removed containers on "
            f"{', '.join(stuck)} (a Docker bug, moby#17217); restart dockerd when nothing else "
            f"runs, then `rehearsal env down {run_id}`"
        )
    return len(containers) + len(networks) + len(volumes) + data


def _remove_network(network: Any) -> bool:
    """Remove a network; False if the engine keeps a removed container's endpoint on it.

    Under load the engine can answer a container's removal before it has let go of the
    container's endpoints; those go within seconds, so they are waited for. A stale endpoint
    that outlives that wait is the engine's bug: the other resources are removed regardless.
    """
    import docker.errors

    for pause in (*ENDPOINT_WAITS_S, None):
        try:
            _ignore_missing(network.remove)
            return True
        except docker.errors.APIError as error:
            if "active endpoints" not in str(error):
                raise
        if pause is not None:
            time.sleep(pause)
    return False


def _remove_container(container: Any) -> None:
    _ignore_missing(lambda: container.remove(force=True, v=True))


def _ignore_missing(action: Callable[[], Any]) -> None:
    import docker.errors

    for attempt in range(5):
        try:
            action()
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as error:
            if "in progress" not in str(error) or attempt == 4:
                raise
            time.sleep(0.2)


def with_attempts(client: Any, run_id: str) -> list[str]:
    """The labels of a run's resources: its own and its side-by-side attempts'
    (``<run-id>.<n>``), which a user who names the run means too."""
    attempt = re.compile(re.escape(run_id) + r"\.[0-9]+")
    return sorted(r for r in labelled_runs(client) if r == run_id or attempt.fullmatch(r))


def remove_with_attempts(client: Any, run_id: str) -> int:
    """``remove_run`` for the run and each of its side-by-side attempts; how many were removed."""
    return sum(remove_run(client, label) for label in with_attempts(client, run_id))


def labelled_runs(client: Any, volumes: VolumeHost | None = None) -> dict[str, dict[str, str]]:
    """Every run with Docker resources on this engine or data volumes on this host, with the
    labels of one resource."""
    runs: dict[str, dict[str, str]] = {}
    selector = {"label": L.RUN}
    resources: Iterable[Any] = [
        *client.containers.list(all=True, filters=selector, sparse=True),
        *client.networks.list(filters=selector),
        *client.volumes.list(filters=selector),
    ]
    for resource in resources:
        found = resource.attrs.get("Labels") or resource.attrs.get("Config", {}).get("Labels") or {}
        if L.RUN in found:
            runs.setdefault(found[L.RUN], found)
    return {**(volumes or VolumeHost()).runs(), **runs}
