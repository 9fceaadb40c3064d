"""Snapshot keys and lookups, with a fake engine passed in (the real commit is tested in
tests/integration/test_snapshots.py)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs import labels as L
from rehearsal.envs.docker import _free_subnets
from rehearsal.envs.snapshots import (
    KEY_LABEL,
    KIND,
    NodeMaterial,
    SnapshotProblem,
    find_set,
    prune,
    snapshot_keys,
    snapshot_tag,
)


class _Image:
    def __init__(self, image_id: str, labels: dict[str, str] | None = None) -> None:
        self.id = image_id
        self.labels = labels or {}


class _Images:
    def __init__(self, images: dict[str, _Image]) -> None:
        self.images = images

    def get(self, tag: str) -> _Image:
        import docker.errors

        if tag not in self.images:
            raise docker.errors.ImageNotFound(tag)
        return self.images[tag]


class _Client:
    def __init__(self, images: dict[str, _Image]) -> None:
        self.images = _Images(images)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[_Client, dict[str, NodeMaterial], Path]:
    role = tmp_path / "role"
    (role / "tasks").mkdir(parents=True)
    (role / "tasks" / "main.yml").write_text("- debug: {msg: hi}\n")
    playbook = tmp_path / "converge.yml"
    playbook.write_text("- hosts: all\n")
    client = _Client({"role:1": _Image("sha256:role")})
    materials = {
        "app1": NodeMaterial("app1", "role:1", role, {"db_host": "db1"}, {"app": "10.0.0.10"}),
        "db1": NodeMaterial("db1", "role:1", role, {"max": 100}, {"db": "10.0.1.11"}),
        "lb1": NodeMaterial("lb1", "role:1", role, {"port": 80}, {"app": "10.0.0.12"}),
    }
    return client, materials, playbook


def test_keys_repeat_for_the_same_converge(setup: tuple[Any, Any, Path]) -> None:
    client, materials, playbook = setup
    assert snapshot_keys(client, materials, playbook, ["pw"]) == snapshot_keys(
        client, dict(materials), playbook, ["pw"]
    )


def test_a_dependency_changes_the_key_of_the_node_that_names_it(
    setup: tuple[Any, Any, Path],
) -> None:
    client, materials, playbook = setup
    before = snapshot_keys(client, materials, playbook, [])
    moved = materials | {"db1": replace(materials["db1"], addresses={"db": "10.0.1.99"})}
    after = snapshot_keys(client, moved, playbook, [])
    assert after["db1"] != before["db1"]
    assert after["app1"] != before["app1"]  # app1 names db1
    assert after["lb1"] == before["lb1"]  # lb1 does not


@pytest.mark.parametrize(
    "change",
    ["variables", "secret", "role_files", "role_image", "playbook"],
)
def test_everything_converge_saw_is_in_the_key(setup: tuple[Any, Any, Path], change: str) -> None:
    client, materials, playbook = setup
    before = snapshot_keys(client, materials, playbook, ["pw"])
    secrets = ["pw"]
    if change == "variables":
        materials = materials | {"lb1": replace(materials["lb1"], variables={"port": 81})}
    elif change == "secret":
        secrets = ["other"]
    elif change == "role_files":
        (materials["lb1"].role_folder / "tasks" / "main.yml").write_text("- debug: {}\n")
    elif change == "role_image":
        client.images.images["role:1"] = _Image("sha256:rebuilt")
    else:
        playbook.write_text("- hosts: all\n  gather_facts: false\n")
    assert snapshot_keys(client, materials, playbook, secrets)["lb1"] != before["lb1"]


def test_a_missing_snapshot_is_told_by_node() -> None:
    with pytest.raises(SnapshotProblem, match="no snapshot of db1"):
        find_set(_Client({}), {"db1": "a" * 64})


def test_a_snapshot_whose_labels_do_not_name_its_key_is_damaged() -> None:
    key = "b" * 64
    wrong = _Image("sha256:x", {L.IMAGE_KIND: "role", KEY_LABEL: key})
    with pytest.raises(SnapshotProblem, match="is damaged"):
        find_set(_Client({snapshot_tag(key): wrong}), {"db1": key})
    right = _Image("sha256:y", {L.IMAGE_KIND: KIND, KEY_LABEL: key})
    assert find_set(_Client({snapshot_tag(key): right}), {"db1": key}) == {"db1": right}


def test_an_address_plan_tries_the_same_subnets_first_and_then_the_next() -> None:
    first = list(itertools.islice(_free_subnets("Acme\0lb1,app1"), 3))
    assert first == list(itertools.islice(_free_subnets("Acme\0lb1,app1"), 3))
    assert first != list(itertools.islice(_free_subnets("Other\0lb1"), 3))
    assert first[1].network_address == first[0].broadcast_address + 1


class _Listed:
    """An engine's image as ``images.list`` gives it, with what prune reads."""

    def __init__(self, image_id: str, tags: list[str], created: datetime) -> None:
        self.id, self.short_id, self.tags = image_id, image_id[:12], tags
        self.labels = {L.IMAGE_KIND: KIND, KEY_LABEL: "k", "rehearsal.snapshot.role-image": "r"}
        self.attrs = {"Created": f"{created:%Y-%m-%dT%H:%M:%S}.123456789Z", "Size": 10}


class _Engine:
    def __init__(self, listed: list[_Listed]) -> None:
        self.listed, self.removed = listed, list[str]()
        self.images = self
        self.containers = self

    def list(self, filters: dict[str, str] | None = None, **_: Any) -> list[Any]:
        return self.listed if filters else []  # the snapshot images; no containers use them

    def get(self, tag: str) -> Any:
        return _Listed("sha256:role", [tag], datetime.now(UTC))

    def remove(self, name: str, **_: Any) -> None:
        self.removed.append(name)


def test_prune_leaves_an_untagged_set_another_run_is_tagging_and_removes_an_old_one() -> None:
    now = datetime.now(UTC)
    engine = _Engine(
        [
            _Listed("sha256:" + "a" * 64, [], now - timedelta(seconds=5)),  # being tagged
            _Listed("sha256:" + "b" * 64, [], now - timedelta(hours=1)),  # a killed run's
        ]
    )
    removed = prune(engine, everything=True, limit_bytes=0)
    assert engine.removed == ["sha256:" + "b" * 64]
    assert [snapshot.committing for snapshot in removed] == [False]
