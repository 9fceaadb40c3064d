"""``rehearsal gc``: what runs whose process is gone left on the Docker engine, removed."""

from __future__ import annotations

from collections.abc import Callable

from rehearsal.envs import labels as L
from rehearsal.envs.docker import docker_client, labelled_runs, remove_run


def collect(include_kept: bool, removed_run: Callable[[str], None]) -> int:
    """Remove the resources of every dead run (and of kept ones, if asked); how many went."""
    client = docker_client()
    removed = 0
    for run_id, found in labelled_runs(client).items():
        if L.owner_alive(found) or (found.get(L.KEEP) == "true" and not include_kept):
            continue
        removed += remove_run(client, run_id)
        removed_run(run_id)
    return removed
