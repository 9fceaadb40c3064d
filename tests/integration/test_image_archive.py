"""`rehearsal images save` / `images load` for real: a profile's images saved in one archive,
its role image removed from the engine, loaded back, and a drill run from them with every
bake made to fail; damaged and foreign archives refused with the engine unchanged.

The engine is shared, so "clean" stops short of the base image (other tests use it): the
role is a fresh copy of `role new`'s with a token in its defaults, so its image key is this
test's own, and that image is the one removed and loaded back.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import rehearsal
from rehearsal.cli.app import app
from rehearsal.envs.image_archive import DOCKER_PART
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.snapshots import ROLE_IMAGE_LABEL as SNAPSHOT_OF
from rehearsal.journal.writer import read_journal
from rehearsal.models.loading import playbooks_dir

pytestmark = pytest.mark.docker
runner = CliRunner()
ROLE = "archive-api"
ROLE_REPO = f"rehearsal/role-{ROLE}:"
PROFILE = f"""\
customer: {{name: Closed Lab Test}}
business: {{targets: {{rto: 1m}}}}
nodes:
  - name: api1
    role: {ROLE}
    networks: [app]
    params: {{archive_api_greeting: from the archive}}
networks: [{{name: app, internal: true}}]
probes:
  - name: api-http
    http: {{url: "http://api1:8080/", expect_status: 200, timeout: 1s}}
    interval: 500ms
"""
SCENARIO = """\
kind: rehearsal
title: Lose the API node of a closed lab
profile: profile.yaml
team: {operators: [{name: Op}], analysts: [{name: An}]}
steady_state: [api-http]
phases:
  - name: lose the node
    operator: Op
    analyst: An
    steps:
      - fault: {type: container.stop, target: api1}
      - wait: {until: {probe: api-http, status: failing}, timeout: 30s}
"""
NO_BAKE = """\
- name: No image may be baked in a closed lab
  hosts: all
  gather_facts: false
  tasks:
    - name: Fail
      ansible.builtin.fail:
        msg: this run baked an image although every image was loaded from the archive
"""


@dataclass(frozen=True)
class Saved:
    folder: Path
    archive: Path
    role_tag: str
    role_id: str
    base_id: str


def _archived_on_engine(client: Any, saved: Saved) -> set[tuple[str, tuple[str, ...]]]:
    """The engine's images the archive could have loaded, by id or by tag: the other test
    worker makes images of its own meanwhile."""
    ids = {saved.role_id, saved.base_id}
    tags = {saved.role_tag, BASE_IMAGE}
    return {
        (str(image.id), tuple(sorted(image.tags)))
        for image in client.images.list(all=True)
        if image.id in ids or tags & set(image.tags)
    }


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Saved]:
    """A one-node profile of a role of its own, its images saved by the command; the role
    image (baked by the save) is removed at the end."""
    from rehearsal.envs.docker import docker_client

    folder = tmp_path_factory.mktemp("closed-lab")
    argv = [sys.executable, "-m", "rehearsal", "role", "new", ROLE]
    subprocess.run(argv, cwd=folder, check=True, timeout=60)
    defaults = folder / "roles" / ROLE / "defaults" / "main.yml"
    defaults.write_text(defaults.read_text() + f"# closed lab test {secrets.token_hex(4)}\n")
    (folder / "profile.yaml").write_text(PROFILE)
    (folder / "drill.yaml").write_text(SCENARIO)
    archive = folder / "lab-images.tar"
    client = docker_client()
    try:
        result = runner.invoke(
            app, ["images", "save", str(archive), "--scenario", str(folder / "drill.yaml")]
        )
        assert result.exit_code == 0, result.output
        [role_tag] = [
            line.split()[0] for line in result.output.splitlines() if line.startswith(ROLE_REPO)
        ]
        yield Saved(
            folder,
            archive,
            role_tag,
            str(client.images.get(role_tag).id),
            str(client.images.get(BASE_IMAGE).id),
        )
    finally:
        roles = client.images.list(filters={"label": f"rehearsal.role={ROLE}"})
        tags = {tag for image in roles for tag in image.tags}
        # Children first: the drill's converged snapshot is made from the role image.
        children = [
            image
            for image in client.images.list(filters={"label": SNAPSHOT_OF})
            if image.labels[SNAPSHOT_OF] in tags
        ]
        for image in children + roles:
            client.images.remove(image.id, force=True)


def test_the_archive_holds_the_base_and_the_role_image_with_their_keys(saved: Saved) -> None:
    with tarfile.open(saved.archive) as tar:
        assert tar.getnames() == ["rehearsal-images.json", DOCKER_PART]
        manifest = json.loads(tar.extractfile("rehearsal-images.json").read())  # type: ignore[union-attr]
    images = {image["tag"]: image for image in manifest["images"]}
    assert set(images) == {BASE_IMAGE, saved.role_tag}
    assert images[BASE_IMAGE]["id"] == saved.base_id
    assert images[saved.role_tag]["id"] == saved.role_id
    assert images[saved.role_tag]["labels"]["rehearsal.role"] == ROLE


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "plain docker save", "not a tar"])
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_is_loaded(
    saved: Saved, tmp_path: Path, damage: str
) -> None:
    from rehearsal.envs.docker import docker_client

    client = docker_client()
    data = bytearray(saved.archive.read_bytes())
    bad = tmp_path / "bad.tar"
    if damage == "flipped byte":
        data[len(data) // 2] ^= 0x40
        bad.write_bytes(data)
    elif damage == "truncated":
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "plain docker save":
        with tarfile.open(saved.archive) as tar:
            tar.extract(DOCKER_PART, tmp_path)  # our own archive, just written
        (tmp_path / DOCKER_PART).rename(bad)
    else:
        bad.write_bytes(b"GIF89a" + bytes(4096))
    client.images.remove(saved.role_tag)  # so a load would show: the image would be back
    try:
        before = _archived_on_engine(client, saved)
        result = runner.invoke(app, ["images", "load", str(bad)])
        assert result.exit_code == 2, result.output
        [line] = result.output.splitlines()
        assert line.startswith(f"{bad}: "), line
        assert _archived_on_engine(client, saved) == before
    finally:
        assert runner.invoke(app, ["images", "load", str(saved.archive)]).exit_code == 0


def test_a_drill_runs_from_the_loaded_images_without_baking_anything(
    saved: Saved, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every bake would fail (the install playbook fails), and the role image the run starts
    from is the one loaded, by id."""
    from rehearsal.envs.docker import docker_client

    client = docker_client()
    client.images.remove(saved.role_tag)
    loaded = runner.invoke(app, ["images", "load", str(saved.archive)])
    assert loaded.exit_code == 0, loaded.output
    assert f"loaded {saved.role_tag}" in loaded.output
    assert str(client.images.get(saved.role_tag).id) == saved.role_id

    playbooks = tmp_path / "playbooks"
    shutil.copytree(playbooks_dir(), playbooks)
    (playbooks / "install.yml").write_text(NO_BAKE)
    monkeypatch.setenv("REHEARSAL_PLAYBOOKS", str(playbooks))
    said: list[str] = []
    plan = rehearsal.load_plan(saved.folder / "drill.yaml")
    results = rehearsal.run(plan, rehearsal.RunOptions(tmp_path / "reports"), said.append)
    assert results.status == "passed", (results.error, said)
    events = read_journal(tmp_path / "reports" / results.run_id)
    [ready] = [event for event in events if event["event"] == "images.ready"]
    assert ready["base"] == saved.base_id
    assert ready["nodes"] == {"api1": saved.role_tag}
    assert str(client.images.get(saved.role_tag).id) == saved.role_id
    assert not [line for line in said if "registry" in line or "mmdebstrap" in line], said
