"""The baselines a role's benchmarks compare with: the same work by hand, with plain
``ansible-playbook`` on the same kind of containers (shared by ``own_role`` and
``product_roles``)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from rehearsal.envs import labels as L
from rehearsal.envs.ansible import HostVars, inventory, settings
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.ssh import wait_for_ssh
from rehearsal.models.loading import playbooks_dir


def plain_playbook(
    playbook: Path, hosts: list[HostVars], key: Path, roles: tuple[Path, ...]
) -> float:
    """Seconds ``ansible-playbook`` takes to run ``playbook`` on ``hosts`` (our settings)."""
    path = key.parent / f"inventory-{playbook.stem}.json"
    path.write_text(json.dumps(inventory(hosts, key)))
    argv = ["ansible-playbook", "-i", str(path), str(playbook)]
    environment = {**os.environ, **settings(playbook, len(hosts), roles)}
    started = time.monotonic()
    subprocess.run(argv, env=environment, capture_output=True, timeout=900, check=True)
    return time.monotonic() - started


def plain_bake(
    client: Any,
    run_id: str,
    folder: Path,
    roles: tuple[Path, ...],
    role: str,
    version: str = "",
    params: dict[str, Any] | None = None,
) -> float:
    """A container made, the role's install run on it by ``ansible-playbook``, committed
    (and the image removed again); ``params`` are more host vars (``rehearsal_packages``)."""
    keys = generate_key_pair(folder / run_id / "ssh", run_id)
    started = time.monotonic()
    container = client.containers.create(
        BASE_IMAGE, labels=L.owner_labels(run_id, False, folder / run_id), init=True
    )
    container.put_archive("/root", keys.authorized_keys_tar())
    container.start()
    container.reload()
    address = str(container.attrs["NetworkSettings"]["IPAddress"])
    wait_for_ssh(address, timeout_s=30)
    host = HostVars("bake", address, role, version, params or {})
    plain_playbook(playbooks_dir() / "install.yml", [host], keys.private_path, roles)
    container.stop(timeout=5)
    image = container.commit(f"{run_id}-bake", "plain")
    took = time.monotonic() - started
    client.images.remove(image.id, force=True)
    return took
