"""Converge the webshop's four nodes: rehearsal's ``run_playbook`` vs plain ansible-playbook.

Each side gets its own fresh mirror (the first run changes the nodes), the same inventory
and the same Ansible settings; the second run on each is the idempotent one.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.table import Figure
from rehearsal.envs.ansible import HostVars, inventory, run_playbook, settings
from rehearsal.envs.docker import docker_client
from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import Journal
from rehearsal.models.loading import load_profile, playbooks_dir

PROFILE = Path(__file__).resolve().parents[1] / "examples" / "webshop" / "profile.yaml"


def _mirror(run_id: str, workdir: Path, stack: ExitStack) -> tuple[Mirror, list[HostVars]]:
    """The webshop mirror up from its role images, not yet configured."""
    profile = load_profile(PROFILE)
    run_dir = workdir / run_id
    journal = stack.enter_context(Journal(run_dir))
    mirror = Mirror(profile, run_id, run_dir, journal, False, stack, lambda _m: None)
    mirror.prepare_images()
    mirror.environment_up()
    assert mirror.env is not None
    hosts = [
        HostVars(n.name, mirror.env.address(n.name), n.role, n.version or "", n.params)
        for n in profile.nodes
    ]
    return mirror, hosts


def _plain(playbook: Path, hosts: list[HostVars], key: Path, folder: Path) -> float:
    path = folder / "inventory.json"
    path.write_text(json.dumps(inventory(hosts, key)))
    argv = ["ansible-playbook", "-i", str(path), str(playbook)]
    environment = {**os.environ, **settings(playbook, len(hosts))}
    started = time.monotonic()
    subprocess.run(argv, env=environment, capture_output=True, timeout=900, check=True)
    return time.monotonic() - started


def measure(options: Options) -> list[Figure]:
    """Both mirrors first, then the runs alternate, so load from elsewhere hits both alike."""
    client, playbook = docker_client(), playbooks_dir() / "converge.yml"
    figures = []
    with (
        ExitStack() as stack,
        owned(client, bench_id("converge")) as ours_id,
        owned(client, bench_id("ansible")) as plain_id,
    ):
        ours, ours_hosts = _mirror(ours_id, options.workdir, stack)
        plain, plain_hosts = _mirror(plain_id, options.workdir, stack)
        assert ours.keys is not None and plain.keys is not None
        for attempt in ("first", "second"):
            folder = options.workdir / ours_id / f"ansible-{attempt}"
            report = run_playbook(playbook, ours_hosts, ours.keys.private_path, folder)
            baseline = _plain(
                playbook, plain_hosts, plain.keys.private_path, options.workdir / plain_id
            )
            figures.append(
                Figure(
                    "converge",
                    f"webshop converge, {attempt} run",
                    "s",
                    report.duration_s,
                    baseline,
                    "ansible-playbook",
                    # The goal: a second (no-change) converge within 1.2x plain Ansible.
                    target=1.2 * baseline if attempt == "second" else None,
                    note=f"{sum(report.changed.values())} changes",
                )
            )
    return figures
