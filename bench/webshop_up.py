"""Warm ``env up`` of the webshop profile until every probe passes, against doing the same
by hand: ``docker network create`` / ``docker run`` of the same cached role images, the
same ansible-playbook converge, and waiting for the same probes.

Both sides start from cached images and end when the customer's monitors are green, so the
ratio is rehearsal's own cost: its bookkeeping, parallel start, fidelity check.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.baselines import docker
from bench.converge import PROFILE
from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.resources import peak_rss_mib, reset_peak_rss
from bench.table import Figure
from rehearsal.envs import labels as L
from rehearsal.envs.ansible import HostVars, inventory, settings
from rehearsal.envs.base import CommandResult
from rehearsal.envs.docker import docker_client
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.mirror import Mirror
from rehearsal.envs.ssh import SshPool, wait_for_ssh
from rehearsal.journal.writer import Journal
from rehearsal.models.loading import load_profile, playbooks_dir
from rehearsal.models.profile import Profile
from rehearsal.runs.standalone import wait_for_probes

PROBE_TIMEOUT_S = 180.0


class Addresses:
    """The baseline's address book for the probes (node → address), with a shell on each
    node over SSH for command and SQL probes, as a monitoring agent would have."""

    def __init__(self, found: dict[str, str], key: Path) -> None:
        self.found = found
        self.ssh = SshPool(key)

    def address(self, node: str) -> str:
        return self.found[node]

    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        return self.found[node], port

    def connect(self, node: str, port: int, timeout_s: float) -> socket.socket:
        return socket.create_connection((self.found[node], port), timeout=timeout_s)

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult:
        return self.ssh.run(self.found[node], command, timeout_s)


def _ours(profile: Profile, run_id: str, workdir: Path) -> tuple[float, dict[str, str]]:
    run_dir = workdir / run_id
    with ExitStack() as stack, Journal(run_dir) as journal:
        mirror = Mirror(profile, run_id, run_dir, journal, False, stack, lambda _m: None)
        started = time.monotonic()
        mirror.prepare_images()
        mirror.environment_up()
        mirror.converge()
        assert mirror.env is not None
        failing = wait_for_probes(profile, mirror.env, PROBE_TIMEOUT_S, lambda _m: None)
        took = time.monotonic() - started
        if failing:
            raise RuntimeError(f"rehearsal: probes never passed: {failing}")
        return took, dict(mirror._images)


@dataclass(frozen=True)
class ByHand:
    """The baseline's phases, in seconds, and its nodes' container names."""

    containers_s: float
    converge_s: float
    probes_s: float
    containers: list[str]

    @property
    def total_s(self) -> float:
        return self.containers_s + self.converge_s + self.probes_s


def by_hand(profile: Profile, images: dict[str, str], run_id: str, workdir: Path) -> ByHand:
    """The profile's nodes made by hand from ``images`` (node → tag), configured with
    plain ansible-playbook and waited on with the same probes; left running for ``owned``."""
    folder = workdir / run_id
    keys = generate_key_pair(folder / "ssh", run_id)
    label = f"{L.RUN}={run_id}"
    started = time.monotonic()
    for network in profile.networks:
        internal = ["--internal"] if network.internal else []
        docker("network", "create", "--label", label, *internal, f"{run_id}-{network.name}")
    addresses = {}
    for node in profile.nodes:
        name = f"{run_id}-{node.name}"
        first, *others = node.networks
        docker(
            "create", "--init", "--cap-add", "NET_ADMIN", "--label", label, "--name", name,
            "--hostname", node.name, "--network", f"{run_id}-{first}",
            "--network-alias", node.name, images[node.name],
        )  # fmt: skip
        for network in others:
            docker("network", "connect", "--alias", node.name, f"{run_id}-{network}", name)
        key_file = folder / "authorized_keys"
        key_file.write_text(keys.public_line + "\n")
        docker("cp", str(key_file), f"{name}:/root/.ssh/authorized_keys")
        docker("start", name)
        template = f'{{{{(index .NetworkSettings.Networks "{run_id}-{first}").IPAddress}}}}'
        addresses[node.name] = docker("inspect", "-f", template, name)
    for address in addresses.values():
        wait_for_ssh(address, timeout_s=60)
    up = time.monotonic()
    hosts = [
        HostVars(n.name, addresses[n.name], n.role, n.version or "", n.params)
        for n in profile.nodes
    ]
    playbook = playbooks_dir() / "converge.yml"
    path = folder / "inventory.json"
    path.write_text(json.dumps(inventory(hosts, keys.private_path)))
    environment = {**os.environ, **settings(playbook, len(hosts))}
    argv = ["ansible-playbook", "-i", str(path), str(playbook)]
    subprocess.run(argv, env=environment, capture_output=True, timeout=900, check=True)
    converged = time.monotonic()
    book = Addresses(addresses, keys.private_path)
    try:
        failing = wait_for_probes(profile, book, PROBE_TIMEOUT_S, lambda _m: None)
    finally:
        book.ssh.close()
    if failing:
        raise RuntimeError(f"by hand: probes never passed: {failing}")
    names = [f"{run_id}-{node.name}" for node in profile.nodes]
    return ByHand(up - started, converged - up, time.monotonic() - converged, names)


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    profile = load_profile(PROFILE)
    figures = []
    for attempt in range(options.repeats(2, 1)):
        with owned(client, bench_id("webshop-up")) as run_id:
            reset_peak_rss()
            ours, images = _ours(profile, run_id, options.workdir)
            rss = peak_rss_mib()
        with owned(client, bench_id("webshop-hand")) as run_id:
            baseline = by_hand(profile, images, run_id, options.workdir).total_s
        figures.append(
            Figure(
                "webshop_up",
                f"webshop env up warm to probes green, run {attempt + 1}",
                "s",
                ours,
                baseline,
                "docker run + ansible-playbook + same probes",
                target=1.3 * baseline,
                note=f"orchestrator peak RSS {rss:.0f} MiB",
            )
        )
    return figures
