"""``rehearsal profile capture`` of a converged mirror's nodes, against reading the same
hosts by hand with ``ansible all -m setup`` (Ansible's fact gathering: what a support
engineer runs today before typing a profile), in the same run.

The webshop's four nodes always; the 20-node bench profile (bench/mirror20.py) too unless
--quick. Both sides log in fresh (no kept connection) with the run's key, one process a host
at most; capture also reads every product's params with the roles' read-backs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import yaml

from bench.converge import PROFILE
from bench.mirror20 import FULL, profile_document
from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.table import Figure
from rehearsal.envs.capture import CaptureAccess, capture
from rehearsal.envs.capture_targets import Target
from rehearsal.envs.docker import docker_client
from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import Journal
from rehearsal.models.loading import catalog_of, load_profile


@contextmanager
def _mirror(profile_path: Path, run_id: str, workdir: Path) -> Iterator[tuple[Mirror, Path]]:
    """The profile's mirror, converged (cached images), and its SSH key."""
    run_dir = workdir / run_id
    profile = load_profile(profile_path)
    with ExitStack() as stack, Journal(run_dir) as journal:
        mirror = Mirror(profile, run_id, run_dir, journal, False, stack, lambda _m: None)
        mirror.prepare_images()
        mirror.environment_up()
        mirror.converge()
        assert mirror.keys is not None
        yield mirror, mirror.keys.private_path


def _ours(mirror: Mirror, key: Path, folder: Path) -> float:
    assert mirror.env is not None
    targets = [
        Target(node.name, mirror.env.address(node.name), named=True)
        for node in mirror.profile.nodes
    ]
    known = folder / "known_hosts-capture"
    known.unlink(missing_ok=True)
    started = time.monotonic()
    found = capture(targets, CaptureAccess(key, known, "accept-new"), catalog_of(mirror.profile))
    took = time.monotonic() - started
    if found.partial or len(found.hosts) != len(targets):
        raise RuntimeError(f"capture missed hosts: {found.unreached}")
    return took


def _setup(mirror: Mirror, key: Path, folder: Path) -> float:
    """``ansible all -m setup`` on the same hosts, every host at once."""
    assert mirror.env is not None
    inventory = folder / "setup.ini"
    inventory.write_text(
        "".join(
            f"{n.name} ansible_host={mirror.env.address(n.name)}\n" for n in mirror.profile.nodes
        )
    )
    environment = {
        **os.environ,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_FORKS": str(len(mirror.profile.nodes)),
        "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
    }
    # The venv's ansible: bench/run starts the venv's python without the venv on PATH.
    program = str(Path(sys.executable).with_name("ansible"))
    argv = [program, "all", "-i", str(inventory), "-u", "root", "--private-key", str(key)]
    started = time.monotonic()
    subprocess.run(
        [*argv, "-m", "ansible.builtin.setup"],
        env=environment,
        capture_output=True,
        timeout=600,
        check=True,
    )
    return time.monotonic() - started


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    profiles = [("webshop, 4 nodes", PROFILE)]
    if not options.quick:
        big = options.workdir / "capture-20" / "profile.yaml"
        big.parent.mkdir(parents=True, exist_ok=True)
        big.write_text(yaml.safe_dump(profile_document(FULL), sort_keys=False))
        profiles.append((f"bench profile, {FULL.size} nodes", big))
    figures = []
    for label, path in profiles:
        with owned(client, bench_id("capture")) as run_id:
            folder = options.workdir / run_id
            with _mirror(path, run_id, options.workdir) as (mirror, key):
                for attempt in range(options.repeats(3, 1)):
                    ours = _ours(mirror, key, folder)
                    baseline = _setup(mirror, key, folder)
                    figures.append(
                        Figure(
                            "capture",
                            f"profile capture of {label}, run {attempt + 1}",
                            "s",
                            ours,
                            baseline,
                            "ansible all -m setup, same hosts",
                            target=1.5 * baseline,
                        )
                    )
    return figures
