"""`rehearsal images ls` / `images prune` on the real engine: stale role images are listed
as such and removed, images a container uses are kept, current ones stay."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.envs.images import BASE_IMAGE

pytestmark = pytest.mark.docker
runner = CliRunner()


@pytest.fixture
def stale_images() -> Iterator[tuple[str, list[str], Any]]:
    """Two role images of a made-up role (so no playbook makes them current); a stopped
    container is made from the second, so it is in use."""
    import docker.errors

    from rehearsal.envs.docker import docker_client

    client = docker_client()
    role = f"prune-test-{secrets.token_hex(3)}"
    tags = []
    builder = client.containers.create(BASE_IMAGE, command=["true"], labels={"test": role})
    try:
        for version in ("1", "2"):
            changes = [
                f"LABEL rehearsal.image=role rehearsal.role={role} rehearsal.version={version}"
            ]
            builder.commit(f"rehearsal/role-{role}", f"{version}-0123456789ab", changes=changes)
            tags.append(f"rehearsal/role-{role}:{version}-0123456789ab")
    finally:
        builder.remove(force=True)
    user = client.containers.create(tags[1], command=["true"], labels={"test": role})
    try:
        yield role, tags, user
    finally:
        user.remove(force=True)
        for tag in tags:
            with contextlib.suppress(docker.errors.ImageNotFound):  # pruned by the test
                client.images.remove(tag)


def test_prune_removes_stale_unused_images_and_keeps_used_ones(
    stale_images: tuple[str, list[str], Any],
) -> None:
    from rehearsal.envs.docker import docker_client

    role, (unused, used), _container = stale_images
    listed = runner.invoke(app, ["images", "ls"], env={"COLUMNS": "400"})
    assert listed.exit_code == 0, listed.output
    rows = [line for line in listed.output.splitlines() if role in line]
    assert len(rows) == 2 and all("stale" in row for row in rows), listed.output

    pruned = runner.invoke(app, ["images", "prune", "--role", role])
    assert pruned.exit_code == 0, pruned.output
    assert f"removed {unused}" in pruned.output and used not in pruned.output

    client = docker_client()
    remaining = {
        tag for image in client.images.list(f"rehearsal/role-{role}") for tag in image.tags
    }
    assert remaining == {used}
