"""Converged snapshots: each node of a converged mirror committed as an image, so a later
mirror of the same profile starts converged and skips Ansible.

A node's *key* is a hash of everything its converge saw: its role image, the files of its
role and the converge playbook, its inventory variables (params, files, version) and its
addresses, and the same of every node it names (its dependencies, transitively). A
mirror is restored as one set: only when every node's snapshot is there, so a streaming
replica never comes back beside a primary of another converge. The set is committed
while every node is paused, so its nodes' states belong to one moment.

Nothing of a run's own is kept: before the commit each node's ``authorized_keys`` is moved
to ``/dev/shm`` (not committed) and every secret value in a file the run changed is replaced
by a placeholder; both are put back at once. A node made from a snapshot gets the run's key
as any node does, and its secrets written back into those files before it starts. A
secret found in a file that is not text cannot be put back, so that mirror is not
snapshotted.

A set whose nodes' changed files (logs aside) name none of the mirror's addresses is keyed
without them, so a mirror on other addresses (a parallel attempt, a concurrent run of the
profile) restores it too; a mirror looks for the keys with its addresses first.

A snapshot is committed untagged and tagged only once every node of the set is committed,
so a failed commit leaves no half set; two runs committing the same key both succeed, the
tag names the later one's. Using a snapshot tags it again, which is what "last used" is
(the image's ``LastTagTime``); ``REHEARSAL_SNAPSHOT_MAX_GB`` bounds their total size,
least recently used removed first.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from rehearsal.envs import labels as L
from rehearsal.errors import EnvironmentFailure

REPOSITORY = "rehearsal/snapshot"
KIND = "snapshot"
KEY_LABEL = "rehearsal.snapshot.key"
NODE_LABEL = "rehearsal.snapshot.node"
ROLE_IMAGE_LABEL = "rehearsal.snapshot.role-image"
SEALED_LABEL = "rehearsal.snapshot.sealed"
"""The files whose secrets were replaced by placeholders (JSON list of paths)."""
MAX_GB = "REHEARSAL_SNAPSHOT_MAX_GB"
DEFAULT_MAX_GB = 20.0
COMMIT_GRACE_S = 600.0
"""A set's images are committed untagged, then tagged together: a concurrent prune leaves an
untagged one this young alone (one a killed run left is pruned after it)."""
SHELF = "/dev/shm/rehearsal-seal"
# Kernel and engine file systems, and Docker's own files: never part of a commit.
UNCOMMITTED = ("/proc", "/sys", "/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf")
# What a node recorded rather than what configures it: who logged in from where, pid files.
NOT_CONFIGURATION = ("/var/log/", "/run/", "/var/run/")

MENTIONS = r"""
import json, re, sys
found = re.compile(b"|".join(re.escape(s.encode()) + rb"[0-9]" for s in json.loads(sys.argv[1])))
for path in sys.argv[2:]:
    try:
        content = open(path, "rb").read()
    except OSError:
        continue
    if found.search(content):
        print(path)
"""

SEAL = r"""
import json, os, shutil, sys
shelf, secrets = sys.argv[1], json.loads(os.environ["REHEARSAL_SECRETS"])
os.makedirs(shelf, exist_ok=True)
keys = "/root/.ssh/authorized_keys"
if os.path.exists(keys):
    shutil.move(keys, shelf + "/authorized_keys")
sealed, binary = [], []
for path in sys.argv[2:]:
    if os.path.islink(path) or not os.path.isfile(path):
        continue
    try:
        content = open(path, "rb").read()
    except OSError:
        continue
    found = [i for i, value in enumerate(secrets) if value.encode() in content]
    if not found:
        continue
    if b"\0" in content:
        binary.append(path)
        continue
    shutil.copy2(path, "%s/%d" % (shelf, len(sealed)))
    for i in found:
        content = content.replace(secrets[i].encode(), b"@@rehearsal-secret-%d@@" % i)
    with open(path, "r+b") as file:
        file.write(content)
        file.truncate()
    sealed.append(path)
json.dump({"sealed": sealed, "binary": binary}, sys.stdout)
"""

UNSEAL = r"""
import json, os, shutil, sys
shelf, sealed = sys.argv[1], json.loads(sys.argv[2])
for index, path in enumerate(sealed):
    with open(path, "r+b") as file:
        file.write(open("%s/%d" % (shelf, index), "rb").read())
        file.truncate()
if os.path.exists(shelf + "/authorized_keys"):
    shutil.move(shelf + "/authorized_keys", "/root/.ssh/authorized_keys")
shutil.rmtree(shelf)
"""


@dataclass(frozen=True)
class NodeMaterial:
    """What one node's converge saw."""

    node: str
    role_image: str
    """The role image's tag; its id goes into the key."""
    role_folder: Path
    variables: Mapping[str, Any]
    """Its inventory variables but for how Ansible reaches it (forwards differ by run)."""
    addresses: Mapping[str, str]
    """Network → address."""


@dataclass(frozen=True)
class Snapshot:
    tag: str
    image_id: str
    node: str
    key: str
    role_image: str
    size_bytes: int
    """Its own layer: what it adds to its role image."""
    created: str
    last_used: str
    in_use: int
    current: bool
    """Its role image is still there (else no run can have its key again)."""
    committing: bool = False
    """Untagged and younger than ``COMMIT_GRACE_S``: a run is tagging its set; not to prune."""


def snapshot_tag(key: str) -> str:
    return f"{REPOSITORY}:{key[:32]}"


def snapshot_keys(
    client: Any, materials: Mapping[str, NodeMaterial], playbook: Path, secrets: Iterable[str]
) -> dict[str, str]:
    """Each node's key: its own material and that of every node it depends on."""
    common = hashlib.sha256(playbook.read_bytes())
    # A changed secret makes a new key: a database keeps a password's hash, not the value.
    for value in sorted(secrets):
        common.update(b"\0secret\0" + value.encode())
    own = {name: _own_digest(client, material) for name, material in materials.items()}
    depends = {name: _named(material, materials) for name, material in materials.items()}
    keys = {}
    for name in materials:
        digest = common.copy()
        for member in sorted(_closure(name, depends)):
            digest.update(f"\0{member}\0{own[member]}".encode())
        keys[name] = digest.hexdigest()
    return keys


def _own_digest(client: Any, material: NodeMaterial) -> str:
    digest = hashlib.sha256(str(client.images.get(material.role_image).id).encode())
    digest.update(_folder_digest(material.role_folder).encode())
    digest.update(json.dumps(material.variables, sort_keys=True, default=str).encode())
    digest.update(json.dumps(dict(material.addresses), sort_keys=True).encode())
    for path in sorted(_files_named(material.variables)):
        digest.update(f"\0{path}\0".encode() + Path(path).read_bytes())
    return digest.hexdigest()


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"\0{path.relative_to(folder)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def _files_named(value: Any) -> set[str]:
    """The files beside the profile a node's variables name (path params, node files)."""
    if isinstance(value, Mapping):
        return set().union(*(_files_named(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(_files_named(v) for v in value))
    if isinstance(value, str) and value.startswith("/") and Path(value).is_file():
        return {value}
    return set()


def _named(material: NodeMaterial, materials: Mapping[str, NodeMaterial]) -> set[str]:
    text = json.dumps(material.variables, sort_keys=True, default=str)
    return {
        other
        for other in materials
        if other != material.node and re.search(rf"(?<![\w.-]){re.escape(other)}(?![\w-])", text)
    }


def _closure(node: str, depends: Mapping[str, set[str]]) -> set[str]:
    found, todo = {node}, [node]
    while todo:
        for other in depends[todo.pop()] - found:
            found.add(other)
            todo.append(other)
    return found


class SnapshotProblem(Exception):
    """Why a set of snapshots cannot be used or made (told, then the run converges)."""


def find_set(client: Any, keys: Mapping[str, str]) -> dict[str, Any]:
    """Every node's snapshot image for its key, or SnapshotProblem saying what is wrong."""
    import docker.errors

    found = {}
    for node, key in keys.items():
        try:
            image = client.images.get(snapshot_tag(key))
        except docker.errors.ImageNotFound:
            raise SnapshotProblem(f"no snapshot of {node} for key {key[:12]}") from None
        labels = image.labels or {}
        if labels.get(KEY_LABEL) != key or labels.get(L.IMAGE_KIND) != KIND:
            raise SnapshotProblem(
                f"the snapshot of {node} ({snapshot_tag(key)}) is damaged: its labels do "
                "not name its key"
            )
        found[node] = image
    return found


def touch(client: Any, images: Iterable[Any]) -> None:
    """Tag again: the engine keeps when an image was last tagged, the LRU order."""
    for image in images:
        repository, tag = snapshot_tag(image.labels[KEY_LABEL]).split(":")
        client.api.tag(image.id, repository, tag)


def restorer(secrets: list[str]) -> Callable[[Any, Any], None]:
    """Writes a run's secret values back into a snapshot's sealed files, before it starts."""
    ordered = sorted(secrets)

    def restore(image: Any, container: Any) -> None:
        for path in json.loads((image.labels or {}).get(SEALED_LABEL, "[]")):
            chunks, _stat = container.get_archive(path)
            source = tarfile.open(fileobj=io.BytesIO(b"".join(chunks)))
            member = source.getmembers()[0]
            extracted = source.extractfile(member)
            assert extracted is not None
            content = extracted.read()
            for index, value in enumerate(ordered):
                content = content.replace(b"@@rehearsal-secret-%d@@" % index, value.encode())
            member.size = len(content)
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w") as archive:
                archive.addfile(member, io.BytesIO(content))
            container.put_archive(str(PurePosixPath(path).parent), buffer.getvalue())

    return restore


def commit_set(
    client: Any,
    containers: Mapping[str, Any],
    keys: Mapping[str, str],
    role_images: Mapping[str, str],
    secrets: list[str],
) -> dict[str, str]:
    """Commit every node, paused together, and tag the set; return node → tag."""
    import docker.errors

    ordered = sorted(secrets)
    sealed: dict[str, list[str]] = {}
    committed: dict[str, str] = {}
    try:
        for node, container in containers.items():
            sealed[node] = _seal(container, ordered)
        for container in containers.values():
            container.pause()
        try:
            for node, container in containers.items():
                committed[node] = _commit(container, node, keys[node], role_images[node], sealed)
        finally:
            for container in containers.values():
                container.unpause()
        for node, image_id in committed.items():
            repository, tag = snapshot_tag(keys[node]).split(":")
            client.api.tag(image_id, repository, tag)
    except (docker.errors.APIError, SnapshotProblem):
        for image_id in committed.values():
            _remove_untagged(client, image_id)
        raise
    finally:
        for node in sealed:
            _unseal(containers[node], sealed[node])
    return {node: snapshot_tag(keys[node]) for node in committed}


def _changed(container: Any) -> list[str]:
    """The files a commit of ``container`` would hold that its image does not."""
    return [
        change["Path"]
        for change in container.diff() or []
        if change["Kind"] in (0, 1) and not change["Path"].startswith(UNCOMMITTED)
    ]


def mentions(containers: Iterable[Any], stems: Iterable[str]) -> list[str]:
    """The changed files (logs and pid files aside) that name an address of the mirror's
    networks (``stems``: "172.20.5."); none, and the set does not depend on its addresses."""
    wanted = json.dumps(sorted(stems))
    found = []
    for container in containers:
        changed = [p for p in _changed(container) if not p.startswith(NOT_CONFIGURATION)]
        code, output = container.exec_run(["python3", "-c", MENTIONS, wanted, *changed])
        if code != 0:
            raise SnapshotProblem(f"reading its files failed: {output.decode(errors='replace')}")
        found += [f"{container.name}:{path}" for path in output.decode().split()]
    return found


def _seal(container: Any, secrets: list[str]) -> list[str]:
    changed = _changed(container)
    code, output = container.exec_run(
        ["python3", "-c", SEAL, SHELF, *changed],
        environment={"REHEARSAL_SECRETS": json.dumps(secrets)},
    )
    if code != 0:
        raise SnapshotProblem(f"sealing failed: {output.decode(errors='replace')[-300:]}")
    result = json.loads(output)
    sealed: list[str] = result["sealed"]
    if result["binary"]:
        _unseal(container, sealed)
        raise SnapshotProblem(f"a secret is in a file that is not text: {result['binary'][0]}")
    return sealed


def _unseal(container: Any, sealed: list[str]) -> None:
    code, output = container.exec_run(["python3", "-c", UNSEAL, SHELF, json.dumps(sealed)])
    if code != 0:
        raise EnvironmentFailure(
            f"could not put a node's key and secrets back after its snapshot: {output!r}"
        )


def _commit(
    container: Any, node: str, key: str, role_image: str, sealed: Mapping[str, list[str]]
) -> str:
    # The container's labels would be kept in the image (a run's owner among them).
    inherited = dict.fromkeys(container.labels, "")
    labels = inherited | {
        L.IMAGE_KIND: KIND,
        KEY_LABEL: key,
        NODE_LABEL: node,
        ROLE_IMAGE_LABEL: role_image,
        SEALED_LABEL: json.dumps(sealed[node]),
    }
    image = container.commit(pause=False, conf={"Labels": labels})
    return str(image.id)


def _remove_untagged(client: Any, image_id: str) -> None:
    import docker.errors

    try:
        client.images.remove(image_id, noprune=False)
    except docker.errors.APIError:
        pass  # tagged by another run meanwhile, or used: not ours to remove


def snapshots(client: Any) -> list[Snapshot]:
    """Every snapshot on the engine, least recently used first."""
    users: dict[str, int] = {}
    for container in client.containers.list(all=True, sparse=True):
        image_id = container.attrs.get("ImageID", "")
        users[image_id] = users.get(image_id, 0) + 1
    roles = {}
    found = []
    now = datetime.now(UTC)
    for image in client.images.list(filters={"label": f"{L.IMAGE_KIND}={KIND}"}):
        labels = image.labels or {}
        role_tag = labels.get(ROLE_IMAGE_LABEL, "")
        if role_tag not in roles:
            roles[role_tag] = _image_size(client, role_tag)
        parent = roles[role_tag]
        size = int(image.attrs.get("Size", 0))
        created = str(image.attrs.get("Created", ""))[:19]  # Docker's nanoseconds cut, UTC
        for tag in image.tags or [f"<untagged>@{image.short_id}"]:
            found.append(
                Snapshot(
                    tag=tag,
                    image_id=str(image.id),
                    node=labels.get(NODE_LABEL, "?"),
                    key=labels.get(KEY_LABEL, ""),
                    role_image=role_tag,
                    size_bytes=size - parent if parent is not None else size,
                    created=created,
                    last_used=str(image.attrs.get("Metadata", {}).get("LastTagTime", ""))[:19],
                    in_use=users.get(str(image.id), 0),
                    current=parent is not None and bool(image.tags),
                    committing=not image.tags and _younger_than(created, COMMIT_GRACE_S, now),
                )
            )
    return sorted(found, key=lambda item: item.last_used or item.created)


def _younger_than(created: str, seconds: float, now: datetime) -> bool:
    try:
        made = datetime.fromisoformat(created).replace(tzinfo=UTC)
    except ValueError:
        return False
    return (now - made).total_seconds() < seconds


def _image_size(client: Any, tag: str) -> int | None:
    import docker.errors

    try:
        return int(client.images.get(tag).attrs.get("Size", 0))
    except docker.errors.ImageNotFound:
        return None


def prune(
    client: Any, everything: bool = False, limit_bytes: float | None = None
) -> list[Snapshot]:
    """Remove stale snapshots (every unused one with ``everything``), then the least recently
    used ones until the rest fit in ``limit_bytes``; return what was removed."""
    kept = [snapshot for snapshot in snapshots(client) if not snapshot.committing]
    removed = []
    for snapshot in list(kept):
        if snapshot.in_use or (snapshot.current and not everything):
            continue
        if _remove(client, snapshot):
            removed.append(snapshot)
            kept.remove(snapshot)
    if limit_bytes is not None:
        total = sum(s.size_bytes for s in kept)
        for snapshot in kept:
            if total <= limit_bytes:
                break
            if not snapshot.in_use and _remove(client, snapshot):
                removed.append(snapshot)
                total -= snapshot.size_bytes
    return removed


def _remove(client: Any, snapshot: Snapshot) -> bool:
    import docker.errors

    try:
        client.images.remove(
            snapshot.tag if not snapshot.tag.startswith("<") else snapshot.image_id
        )
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as error:
        if error.status_code == 409:  # a container was made from it meanwhile
            return False
        raise
    return True


def bound_bytes() -> float:
    """``REHEARSAL_SNAPSHOT_MAX_GB`` (default 20) in bytes; a bad value is told, with the fix."""
    raw = os.environ.get(MAX_GB, "")
    try:
        return float(raw or DEFAULT_MAX_GB) * 1e9
    except ValueError:
        raise EnvironmentFailure(
            f"{MAX_GB}={raw!r} is not a number of gigabytes; set it to e.g. 20 or unset it"
        ) from None
