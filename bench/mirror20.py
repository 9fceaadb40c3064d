"""A 20-node customer mirror through the real ``rehearsal env up`` path, to probes green.

The profile is a webshop at scale, made from the shipped roles: 2 HAProxy in front of
4 nginx, 8 shop-app nodes, a PostgreSQL primary with its streaming replica, 2 Redis
primaries with a replica each, on front/back/data networks, and a probe for every
service. It is measured against the same nodes made by hand (``webshop_up.by_hand``:
docker run of the same cached images, ansible-playbook of converge.yml, the same probes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.resources import ChildrenMemory, containers_memory_mib, peak_rss_mib, reset_peak_rss
from bench.table import Figure
from bench.webshop_up import by_hand
from rehearsal.envs import labels as L
from rehearsal.envs.docker import docker_client, remove_run
from rehearsal.journal.writer import read_journal
from rehearsal.models.loading import load_profile
from rehearsal.models.profile import Profile
from rehearsal.runs.standalone import bring_up

PHASES = (
    ("images", "images.ready"),
    ("containers", "environment.up"),
    ("converge", "converge.finished"),
    ("fidelity", "fidelity.checked"),
    ("probes", "environment.probes"),
)


@dataclass(frozen=True)
class Tiers:
    """How many nodes of each kind; databases are always a primary and its replica."""

    balancers: int
    webs: int
    apps: int
    caches: int

    @property
    def size(self) -> int:
        return self.balancers + self.webs + self.apps + 2 + 2 * self.caches


FULL = Tiers(balancers=2, webs=4, apps=8, caches=2)
QUICK = Tiers(balancers=1, webs=1, apps=2, caches=1)


def _http(name: str, url: str) -> dict[str, Any]:
    return {"name": name, "http": {"url": url, "expect_status": 200, "timeout": "2s"}}


def profile_document(tiers: Tiers) -> dict[str, Any]:
    """The customer profile, as its YAML file says it."""
    lbs = [f"lb{i}" for i in range(1, tiers.balancers + 1)]
    webs = [f"web{i}" for i in range(1, tiers.webs + 1)]
    apps = [f"app{i}" for i in range(1, tiers.apps + 1)]
    caches = [f"cache{i}" for i in range(1, tiers.caches + 1)]
    share = max(1, len(apps) // len(webs))
    database = {"max_connections": 200, "shared_buffers": "64MB"}
    nodes: list[dict[str, Any]] = [
        {
            "name": lb,
            "role": "haproxy",
            "networks": ["front"],
            "params": {"backends": webs, "backend_port": 80, "health_path": "/lb-health"},
        }
        for lb in lbs
    ]
    nodes += [
        {
            "name": web,
            "role": "nginx",
            "networks": ["front", "back"],
            "params": {"upstream": apps[i * share : (i + 1) * share] or apps[-1:]},
        }
        for i, web in enumerate(webs)
    ]
    nodes += [
        {
            "name": app,
            "role": "shop-app",
            "networks": ["back", "data"],
            "params": {"db_host": "db1", "pool_size": 10},
        }
        for app in apps
    ]
    nodes += [
        {
            "name": "db1",
            "role": "postgresql",
            "version": "15",
            "networks": ["data"],
            "params": {**database, "replication_role": "primary"},
        },
        {
            "name": "db2",
            "role": "postgresql",
            "version": "15",
            "networks": ["data"],
            "params": {**database, "replication_role": "replica", "primary_host": "db1"},
        },
    ]
    for cache in caches:
        nodes += [
            {"name": cache, "role": "redis", "networks": ["data"], "params": {"maxmemory": "64mb"}},
            {
                "name": f"{cache}r",
                "role": "redis",
                "networks": ["data"],
                "params": {"maxmemory": "64mb", "replica_of": cache},
            },
        ]
    probes = [_http(f"{lb}-http", f"http://{lb}/health") for lb in lbs]
    probes += [_http(f"{web}-http", f"http://{web}/health") for web in webs]
    probes += [_http(f"{app}-http", f"http://{app}:8080/health") for app in apps]
    probes += [
        {"name": "db1-sql", "sql": {"on": "db1", "query": "SELECT 1", "expect_output": "^1"}},
        {
            "name": "db2-replica",
            "sql": {"on": "db2", "query": "SELECT pg_is_in_recovery()", "expect_output": "^t"},
        },
    ]
    for cache in caches:
        probes += [
            {"name": f"{cache}-tcp", "tcp": {"host": cache, "port": 6379}},
            {
                "name": f"{cache}r-replica",
                "command": {
                    "on": f"{cache}r",
                    "run": "redis-local INFO replication",
                    "expect_output": "master_link_status:up",
                },
            },
        ]
    return {
        "customer": {"name": "Bench Retail"},
        "business": {
            "targets": {"rto": "5m"},
            "services": [{"name": "checkout", "impact": "No orders.", "probe": "lb1-http"}],
        },
        "nodes": nodes,
        "networks": [
            {"name": "front"},
            {"name": "back", "internal": True},
            {"name": "data", "internal": True},
        ],
        "probes": probes,
    }


def write_profile(tiers: Tiers, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"mirror{tiers.size}.yaml"
    path.write_text(yaml.safe_dump(profile_document(tiers), sort_keys=False))
    return path


@dataclass(frozen=True)
class EnvUp:
    total_s: float
    phases: dict[str, float]
    images: dict[str, str]
    orchestrator_mib: float
    ansible: ChildrenMemory
    nodes_mib: float
    down_s: float
    down_error: str


def _phases(run_dir: Path) -> tuple[dict[str, float], dict[str, str]]:
    """Each phase's seconds, from the journal's timestamps; and the images it used."""
    from datetime import datetime

    events = {e["event"]: e for e in read_journal(run_dir)}
    if events["environment.probes"]["failing"]:
        raise RuntimeError(f"probes never passed: {events['environment.probes']['failing']}")
    at = datetime.fromisoformat(events["environment.requested"]["at"])
    phases = {}
    for phase, event in PHASES:
        now = datetime.fromisoformat(events[event]["at"])
        phases[phase], at = (now - at).total_seconds(), now
    return phases, events["images.ready"]["nodes"]


def env_up(client: Any, profile: Profile, path: Path, out_dir: Path) -> EnvUp:
    """``rehearsal env up`` (its ``bring_up``), measured; then ``env down``'s removal, timed.

    A teardown the engine refuses is reported with the figures rather than losing them.
    """
    from rehearsal.errors import EnvironmentFailure

    reset_peak_rss()
    run_id = ""
    try:
        with ChildrenMemory("ansible") as ansible:
            started = time.monotonic()
            run_id, _addresses = bring_up(profile, path, out_dir, lambda _m: None)
            took = time.monotonic() - started
        orchestrator = peak_rss_mib()
        found = client.containers.list(filters={"label": f"{L.RUN}={run_id}"})
        nodes = containers_memory_mib([container.name for container in found])
        phases, images = _phases(out_dir / run_id)
    except BaseException:
        for run_dir in out_dir.iterdir():  # bring_up removes a failed mirror; make sure
            remove_run(client, run_dir.name)
        raise
    started, error = time.monotonic(), ""
    try:
        remove_run(client, run_id)
    except EnvironmentFailure as failure:
        error = str(failure)
    down = time.monotonic() - started
    return EnvUp(took, phases, images, orchestrator, ansible, nodes, down, error)


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    tiers = QUICK if options.quick else FULL
    folder = options.workdir / "mirror20"
    path = write_profile(tiers, folder)
    profile = load_profile(path)
    ours = env_up(client, profile, path, folder / "runs")
    with owned(client, bench_id("mirror20-hand")) as run_id:
        with ChildrenMemory("ansible") as ansible:
            hand = by_hand(profile, ours.images, run_id, options.workdir)
        hand_nodes = containers_memory_mib(hand.containers)
    n = tiers.size
    split = ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in ours.phases.items())
    label = "docker run + ansible-playbook + same probes"
    return [
        Figure(
            "mirror20",
            f"env up {n} converging nodes to probes green",
            "s",
            ours.total_s,
            hand.total_s,
            label,
            target=1.3 * hand.total_s,
            note=split,
        ),
        Figure(
            "mirror20",
            f"{n} nodes: containers up (sshd answers)",
            "s",
            ours.phases["containers"],
            hand.containers_s,
            "docker create/cp/start loop",
        ),
        Figure(
            "mirror20",
            f"{n} nodes: Ansible converge",
            "s",
            ours.phases["converge"],
            hand.converge_s,
            "ansible-playbook",
        ),
        Figure(
            "mirror20",
            f"{n} nodes: fidelity check + probes green",
            "s",
            ours.phases["fidelity"] + ours.phases["probes"],
            hand.probes_s,
            "probes only",
            note=f"fidelity {ours.phases['fidelity']:.1f} s",
        ),
        Figure(
            "mirror20",
            f"{n} nodes: env down",
            "s",
            ours.down_s,
            note=ours.down_error or "every container, network and volume removed",
        ),
        Figure(
            "mirror20",
            f"{n} nodes: orchestrator peak RSS",
            "MiB",
            ours.orchestrator_mib,
            note="bench process incl. Docker SDK, paramiko, ansible-runner",
        ),
        Figure(
            "mirror20",
            f"{n} nodes: Ansible peak memory (PSS)",
            "MiB",
            ours.ansible.peak_pss_mib,
            ansible.peak_pss_mib,
            "ansible-playbook",
            note=f"RSS {ours.ansible.peak_rss_mib:.0f} MiB (by hand {ansible.peak_rss_mib:.0f}), "
            f"{ours.ansible.peak_processes} processes at most",
        ),
        Figure(
            "mirror20",
            f"{n} nodes: nodes' memory, converged",
            "MiB",
            ours.nodes_mib,
            hand_nodes,
            "same nodes by hand",
            note="sum of docker stats",
        ),
    ]
