"""Cold start: the base image and the webshop's role images built from nothing.

Only with ``bench/run --cold``: it deletes the rehearsal/* images, which other users of
this Docker engine share; an image a container still uses is not forced away, and the
benchmark then stops with that container's name instead of measuring a half-cold cache.
"""

from __future__ import annotations

import time
from typing import Any

from bench.converge import PROFILE
from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.table import Figure
from rehearsal.envs import labels as L
from rehearsal.envs.docker import docker_client
from rehearsal.envs.images import ensure_base_image
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.roles import ensure_role_images, role_image
from rehearsal.envs.routes import engine_route
from rehearsal.models.loading import catalog_of, load_profile, playbooks_dir


def _delete_rehearsal_images(client: Any) -> int:
    import docker.errors

    images = client.images.list(filters={"reference": "rehearsal/*"})
    for image in images:
        for tag in image.tags:
            try:
                client.images.remove(tag)
            except docker.errors.APIError as error:
                raise RuntimeError(f"cannot delete {tag} for a cold build: {error}") from None
    return len(images)


def measure(options: Options) -> list[Figure]:
    if not options.cold:
        raise RuntimeError("the cold benchmark deletes shared images; run it with --cold")
    client = docker_client()
    deleted = _delete_rehearsal_images(client)
    started = time.monotonic()
    ensure_base_image(client)
    base = time.monotonic() - started
    profile = load_profile(PROFILE)
    catalog = catalog_of(profile)
    wanted = {role_image(n, catalog[n.role]) for n in profile.nodes}
    with owned(client, bench_id("cold")) as run_id:
        folder = options.workdir / run_id
        keys = generate_key_pair(folder / "ssh", run_id)
        labels = L.owner_labels(run_id, keep=False, run_dir=folder)
        started = time.monotonic()
        ensure_role_images(
            client, wanted, playbooks_dir(), keys, labels, folder / "ansible", engine_route()
        )
        roles = time.monotonic() - started
    return [
        Figure("cold", "base image build", "s", base, note=f"{deleted} images deleted first"),
        Figure("cold", f"{len(wanted)} role images build", "s", roles, note="one Ansible run"),
    ]
