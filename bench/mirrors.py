"""Benchmark environments: base-image nodes on one network, labelled as the bench's own.

Every resource a benchmark makes carries ``rehearsal.run=bench-…``; ``owned`` removes
everything with that label when the block ends, however it ends, and nothing else.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rehearsal.envs import labels as L
from rehearsal.envs.docker import (
    DockerEnvironment,
    EnvironmentSpec,
    NetworkSpec,
    NodeSpec,
    remove_run,
)
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.keys import generate_key_pair


def bench_id(name: str) -> str:
    return f"bench-{name}-{secrets.token_hex(3)}"


@contextmanager
def owned(client: Any, run_id: str) -> Iterator[str]:
    """Yield ``run_id``; afterwards remove every Docker resource labelled with it."""
    try:
        yield run_id
    finally:
        remove_run(client, run_id)


def leftovers(client: Any, run_id: str) -> int:
    """How many containers, networks and volumes still carry ``run_id``'s label."""
    selector = {"label": f"{L.RUN}={run_id}"}
    return (
        len(client.containers.list(all=True, filters=selector))
        + len(client.networks.list(filters=selector))
        + len(client.volumes.list(filters=selector))
    )


def base_environment(client: Any, run_id: str, nodes: int, workdir: Path) -> DockerEnvironment:
    """A rehearsal environment of ``nodes`` base-image nodes ``n1``… on network ``net``."""
    keys = generate_key_pair(workdir / run_id / "ssh", run_id)
    spec = EnvironmentSpec(
        run_id=run_id,
        nodes=tuple(
            NodeSpec(f"n{i}", BASE_IMAGE, ("net",), capabilities=("NET_ADMIN",))
            for i in range(1, nodes + 1)
        ),
        networks=(NetworkSpec("net", internal=False),),
        labels=L.owner_labels(run_id, keep=False, run_dir=workdir / run_id),
    )
    return DockerEnvironment(client, spec, keys)
