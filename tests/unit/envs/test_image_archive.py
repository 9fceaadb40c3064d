"""An image archive is checked whole before anything is loaded: each way a file can be
damaged or foreign is refused with one line saying what is missing or wrong."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rehearsal.envs.image_archive import (
    DOCKER_PART,
    MANIFEST,
    ArchivedImage,
    ArchiveManifest,
    DockerPart,
    verify,
)
from rehearsal.envs.images import base_key
from rehearsal.errors import ArchiveRefused

IMAGE_ID = "sha256:" + "ab" * 32
TAG = "rehearsal/base:bookworm"


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _docker_part(tag: str = TAG) -> bytes:
    """What the engine's ``docker save`` writes, in small: its manifest, a config, a layer."""
    listing = [{"Config": f"{'ab' * 32}.json", "RepoTags": [tag], "Layers": ["l/layer.tar"]}]
    return _tar(
        {
            f"{'ab' * 32}.json": b"{}",
            "l/layer.tar": bytes(range(256)) * 64,
            "manifest.json": json.dumps(listing).encode(),
        }
    )


def _manifest(part: bytes, key: str | None = None) -> bytes:
    manifest = ArchiveManifest(
        rehearsal="0.1.0",
        created_at=datetime.now(UTC),
        base_key=key or base_key(),
        images=[ArchivedImage(tag=TAG, id=IMAGE_ID, labels={"rehearsal.image": "base"})],
        docker_part=DockerPart(size=len(part), sha256=hashlib.sha256(part).hexdigest()),
    )
    return manifest.model_dump_json().encode()


def _archive(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "images.rehearsal.tar"
    path.write_bytes(_tar(members))
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(ArchiveRefused) as refused:
        verify(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def test_a_whole_archive_verifies_to_its_manifest(tmp_path: Path) -> None:
    part = _docker_part()
    manifest = verify(_archive(tmp_path, {MANIFEST: _manifest(part), DOCKER_PART: part}))
    assert [(image.tag, image.id) for image in manifest.images] == [(TAG, IMAGE_ID)]


def test_a_flipped_byte_in_the_images_is_refused_as_damaged(tmp_path: Path) -> None:
    part = bytearray(_docker_part())
    manifest = _manifest(bytes(part))
    part[2000] ^= 0x01  # inside the layer's data
    path = _archive(tmp_path, {MANIFEST: manifest, DOCKER_PART: bytes(part)})
    message = _refusal(path)
    assert "damaged" in message and "copy the archive again" in message


def test_a_truncated_archive_is_refused(tmp_path: Path) -> None:
    part = _docker_part()
    path = _archive(tmp_path, {MANIFEST: _manifest(part), DOCKER_PART: part})
    path.write_bytes(path.read_bytes()[:6000])
    assert "not a whole tar archive" in _refusal(path)


def test_a_plain_docker_save_is_refused_for_lacking_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "plain.tar"
    path.write_bytes(_docker_part())
    assert "a plain `docker save` archive, without rehearsal-images.json" in _refusal(path)


def test_a_foreign_tar_and_a_file_that_is_no_tar_are_refused(tmp_path: Path) -> None:
    assert "no rehearsal-images.json" in _refusal(_archive(tmp_path, {"notes.txt": b"hello"}))
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\x89PNG not an archive at all" * 40)
    assert "not a whole tar archive" in _refusal(junk)


def test_a_manifest_of_another_shape_is_refused(tmp_path: Path) -> None:
    part = _docker_part()
    other = json.dumps({"format": 2, "images": []}).encode()
    message = _refusal(_archive(tmp_path, {MANIFEST: other, DOCKER_PART: part}))
    assert "rehearsal-images.json is damaged or of another format (format:" in message


def test_an_archive_without_its_images_is_refused(tmp_path: Path) -> None:
    message = _refusal(_archive(tmp_path, {MANIFEST: _manifest(_docker_part())}))
    assert "images.tar is missing" in message


def test_images_the_manifest_lists_but_the_docker_part_lacks_are_named(tmp_path: Path) -> None:
    part = _docker_part(tag="rehearsal/role-other:default-0123456789ab")
    message = _refusal(_archive(tmp_path, {MANIFEST: _manifest(part), DOCKER_PART: part}))
    assert f"images.tar does not hold {TAG} (sha256:abababab" in message


def test_an_archive_for_another_base_key_is_refused_before_loading(tmp_path: Path) -> None:
    part = _docker_part()
    path = _archive(tmp_path, {MANIFEST: _manifest(part, key="000000000000"), DOCKER_PART: part})
    message = _refusal(path)
    assert "for base image key 000000000000" in message and "save it with this version" in message
