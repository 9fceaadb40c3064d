"""Image archives for closed labs: the images profiles need, in one file that loads on an
engine with no network at all, so ``run`` there finds every image by its key and bakes
nothing.

The archive is a plain (uncompressed) tar of two members: ``rehearsal-images.json`` (the
:class:`ArchiveManifest`: rehearsal's version, the base image's key, each image's tag, id
and labels, the size and sha256 of the docker part) and ``images.tar``, the engine's own
``docker save`` stream of every image at once, so the layers role images share with the
base are stored once. Uncompressed because the layers are tar already and ``docker load``
wants them so: ``gzip -1`` took twice the save's time to get the demo's images to 43 %
(``bench/run --only image_archive``); compress it yourself for a slow link. Image ids,
labels and tags survive save and load, and role image tags are hashes of the base image's
id and the role's files, so the loading engine's keys are the saving engine's.

``load`` reads the whole file before it touches the engine: a damaged or foreign archive is
refused (:class:`ArchiveRefused`) with the engine as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from io import BytesIO
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from rehearsal.envs import labels as L
from rehearsal.envs.images import BASE_IMAGE, Progress, base_key, ensure_base_image
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.roles import RoleImage, ensure_role_images, role_image
from rehearsal.envs.routes import engine_route
from rehearsal.errors import ArchiveRefused, EnvironmentFailure
from rehearsal.models.loading import catalog_of, playbooks_dir
from rehearsal.models.profile import Profile

MANIFEST = "rehearsal-images.json"
DOCKER_PART = "images.tar"
CHUNK = 1 << 20
"""Bytes read or written at a time: memory stays flat however large the images are."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArchivedImage(_Model):
    tag: str
    id: str
    labels: dict[str, str]


class DockerPart(_Model):
    size: int
    sha256: str


class ArchiveManifest(_Model):
    format: Literal[1] = 1
    rehearsal: str
    created_at: datetime
    base_key: str
    """The base key of the rehearsal that saved it: another one here would build anew."""
    images: list[ArchivedImage]
    docker_part: DockerPart


@dataclass(frozen=True)
class Written:
    path: Path
    manifest: ArchiveManifest
    sha256: str
    """Of the whole file, to compare with ``sha256sum`` after carrying it over."""


def needed_images(
    client: Any, profiles: Iterable[Profile], workdir: Path, progress: Progress
) -> list[str]:
    """The base image and every role image the profiles' container nodes start from, keyed
    as ``run`` keys them; what is missing is made first, as ``run`` would make it."""
    ensure_base_image(client, progress)
    wanted: set[RoleImage] = set()
    for profile in profiles:
        catalog = catalog_of(profile)
        wanted |= {
            role_image(node, catalog[node.role]) for node in profile.nodes if node.lab_host is None
        }
    if not wanted:
        return [BASE_IMAGE]
    progress(f"role images for {', '.join(sorted({image.role for image in wanted}))}")
    run_id = f"images-save-{secrets.token_hex(3)}"  # builders carry it: `gc` reaps a killed save
    keys = generate_key_pair(workdir / "ssh", run_id)
    route = engine_route()
    try:
        tags = ensure_role_images(
            client,
            wanted,
            playbooks_dir(),
            keys,
            L.owner_labels(run_id, False, workdir),
            workdir / "ansible",
            route,
        )
    finally:
        route.close()
    return [BASE_IMAGE, *sorted(set(tags.values()))]


def save(client: Any, tags: list[str], path: Path) -> Written:
    """Write ``tags`` to ``path`` (replaced only once the whole archive is written)."""
    images = [client.images.get(tag) for tag in tags]
    archived = [
        ArchivedImage(tag=t, id=str(i.id), labels=i.labels or {})
        for t, i in zip(tags, images, strict=True)
    ]
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=path.parent)))
        docker_part = scratch / DOCKER_PART
        digest = hashlib.sha256()
        with docker_part.open("wb") as out:
            for chunk in _docker_save(client, tags):
                digest.update(chunk)
                out.write(chunk)
        manifest = ArchiveManifest(
            rehearsal=metadata.version("rehearsal"),
            created_at=datetime.now(UTC),
            base_key=base_key(),
            images=archived,
            docker_part=DockerPart(size=docker_part.stat().st_size, sha256=digest.hexdigest()),
        )
        partial = scratch / "archive.tar"
        with partial.open("wb") as raw:
            hashed = _HashingWriter(raw)
            # _Stream only writes; typeshed asks stream modes for a whole file object.
            stream = tarfile.open(fileobj=hashed, mode="w|", format=tarfile.PAX_FORMAT)  # type: ignore[call-overload]
            with stream as tar:
                text = manifest.model_dump_json(indent=2).encode()
                tar.addfile(_member(MANIFEST, len(text)), BytesIO(text))
                with docker_part.open("rb") as part:
                    tar.addfile(_member(DOCKER_PART, manifest.docker_part.size), part)
        os.replace(partial, path)
    return Written(path, manifest, hashed.digest.hexdigest())


def _docker_save(client: Any, tags: list[str]) -> Iterator[bytes]:
    """The engine's ``docker save`` of several images in one stream. docker-py's
    ``get_image`` takes one name; the engine's endpoint takes many, and stores each layer
    once however many of the images share it."""
    response = client.api._get(client.api._url("/images/get"), params={"names": tags}, stream=True)
    client.api._raise_for_status(response)
    yield from response.iter_content(CHUNK)


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    return info


class _HashingWriter:
    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.raw.write(data)


class _HashingReader:
    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass


def verify(path: Path) -> ArchiveManifest:
    """The archive's manifest, once every byte of it was checked against it; ArchiveRefused
    (one line: what is missing or wrong, and what to do) otherwise."""
    again = "copy the archive again from where `rehearsal images save` wrote it"
    try:
        with tarfile.open(path, "r:") as tar:
            names = tar.getnames()
            if MANIFEST not in names:
                raise ArchiveRefused(_foreign(path, names))
            manifest = _manifest(path, tar)
            if DOCKER_PART not in names:
                raise ArchiveRefused(f"{path}: {DOCKER_PART} is missing (truncated?); {again}")
            member = tar.extractfile(DOCKER_PART)
            assert member is not None
            listed = _docker_listing(path, member, manifest, again)
    except (tarfile.TarError, EOFError) as error:
        raise ArchiveRefused(f"{path}: not a whole tar archive ({error}); {again}") from None
    except OSError as error:
        raise ArchiveRefused(f"{path}: cannot be read ({error.strerror or error})") from None
    for image in manifest.images:
        if listed.get(image.tag) != _hex(image.id):
            raise ArchiveRefused(
                f"{path}: {DOCKER_PART} does not hold {image.tag} ({image.id[:19]}) that "
                f"{MANIFEST} lists; save it again with `rehearsal images save`"
            )
    if manifest.base_key != base_key():
        raise ArchiveRefused(
            f"{path}: saved by rehearsal {manifest.rehearsal} for base image key "
            f"{manifest.base_key}; this rehearsal ({metadata.version('rehearsal')}) wants "
            f"{base_key()} and would build the base anew: save it with this version"
        )
    return manifest


def _foreign(path: Path, names: list[str]) -> str:
    if "manifest.json" in names:
        return (
            f"{path}: a plain `docker save` archive, without {MANIFEST} saying which images "
            "it holds and their checksum; make it with `rehearsal images save`"
        )
    return f"{path}: no {MANIFEST}: not an archive of `rehearsal images save`"


def _manifest(path: Path, tar: tarfile.TarFile) -> ArchiveManifest:
    member = tar.extractfile(MANIFEST)
    assert member is not None
    try:
        return ArchiveManifest.model_validate_json(member.read())
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise ArchiveRefused(
            f"{path}: {MANIFEST} is damaged or of another format ({where}: {first['msg']}); "
            "save it again with `rehearsal images save`"
        ) from None


def _docker_listing(
    path: Path, member: IO[bytes], manifest: ArchiveManifest, again: str
) -> dict[str, str]:
    """Each tag the docker part holds → its image id (hex), read while hashing every byte."""
    reader = _HashingReader(member)
    listing: list[dict[str, Any]] = []
    inner_tar = tarfile.open(fileobj=reader, mode="r|")  # type: ignore[call-overload]
    with inner_tar as inner:
        for entry in inner:
            if entry.name == "manifest.json" and entry.isfile():
                found = inner.extractfile(entry)
                assert found is not None
                listing = json.loads(found.read())
    reader.drain()
    expected = manifest.docker_part
    if reader.size != expected.size or reader.digest.hexdigest() != expected.sha256:
        raise ArchiveRefused(
            f"{path}: {DOCKER_PART} is {reader.size} bytes with sha256 "
            f"{reader.digest.hexdigest()[:12]}…, {MANIFEST} says {expected.size} bytes, "
            f"{expected.sha256[:12]}…: the archive was damaged; {again}"
        )
    return {
        tag: _hex(entry.get("Config", ""))
        for entry in listing
        for tag in entry.get("RepoTags") or ()
    }


def _hex(reference: str) -> str:
    """The 64 hex digits of an image id as ``sha256:…``, ``….json`` or ``blobs/sha256/…``."""
    found = re.search(r"[0-9a-f]{64}", reference)
    return found.group(0) if found else ""


def load(client: Any, path: Path) -> ArchiveManifest:
    """Check the archive whole, then load it; then check each image is there as saved."""
    manifest = verify(path)
    with tarfile.open(path, "r:") as tar:
        member = tar.extractfile(DOCKER_PART)
        assert member is not None
        for line in client.api.load_image(iter(lambda: member.read(CHUNK), b"")):
            if "error" in line:
                raise EnvironmentFailure(f"{path}: the engine refused it: {line['error']}")
    for image in manifest.images:
        loaded = client.images.get(image.tag)
        if str(loaded.id) != image.id or (loaded.labels or {}) != image.labels:
            raise EnvironmentFailure(
                f"{path}: {image.tag} loaded as {str(loaded.id)[:19]} with labels "
                f"{loaded.labels}, not as saved; report this with the archive's manifest"
            )
    return manifest
