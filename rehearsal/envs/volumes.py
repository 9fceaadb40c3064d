"""Data volumes of a given size on nodes: made, listed and removed on the engine's host.

A volume is a sparse file on the host (``truncate``) made ext4 (``-m 0``: no blocks kept
for root, so a percentage fill is exact), loop-mounted on the host and bind-mounted into
the node; Docker's ``local`` driver with ``o=loop`` does not work on every engine, so it is
not used. A run's backing files, their mount points and its owner's labels are kept in one
folder named after the run (``REHEARSAL_VOLUMES_DIR``, default /var/lib/rehearsal/volumes),
where teardown, ``rehearsal gc`` and the reaper find them.

Where loop devices cannot be used (none, no permission, a remote engine) a volume is a
tmpfs of the same size instead: memory-backed, and emptied when the node stops. The caller
says so; nothing here falls back silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

ROOT_VARIABLE = "REHEARSAL_VOLUMES_DIR"
OWNER_FILE = "owner.json"
COMMAND_S = 120
UMOUNT_TRIES = 20
"""A node's container that is going away can hold the file system busy for a moment."""


def volumes_root() -> Path:
    return Path(os.environ.get(ROOT_VARIABLE, "/var/lib/rehearsal/volumes"))


@dataclass(frozen=True)
class VolumeSpec:
    path: str
    size: str
    """As the profile writes it (512m), for people."""
    size_bytes: int


@dataclass(frozen=True)
class Backing:
    kind: Literal["loop", "tmpfs"]
    why: str = ""
    """Why a volume is a tmpfs here (empty for a loop device)."""

    def described(self) -> str:
        if self.kind == "loop":
            return "ext4 on a loop device (a sparse file on the engine's host)"
        return f"tmpfs: memory-backed, emptied when the node stops ({self.why})"


def loop_unavailable() -> str | None:
    """Why this machine cannot loop-mount a file, or None when it can."""
    control = Path("/dev/loop-control")
    if not control.exists():
        return "this machine has no loop devices (/dev/loop-control)"
    if not os.access(control, os.R_OK | os.W_OK):
        return "no permission to use loop devices (run as root)"
    for tool in ("truncate", "mkfs.ext4", "mount", "umount", "losetup"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


@dataclass(frozen=True)
class VolumeHost:
    """Where volumes live on this machine and whether loop devices work here; a test hands
    one whose ``loops`` says no, to have the fallback for real."""

    root: Path = field(default_factory=volumes_root)
    loops: Callable[[], str | None] = loop_unavailable

    def backing(self, engine: str) -> Backing:
        if engine != "local":
            return Backing("tmpfs", f"the Docker engine is remote ({engine}): no loop devices here")
        why = self.loops()
        return Backing("tmpfs", why) if why else Backing("loop")

    def free_bytes(self) -> int:
        """Free space of the file system that will hold the backing files."""
        folder = self.root
        while not folder.exists():
            folder = folder.parent
        found = os.statvfs(folder)
        return found.f_bavail * found.f_frsize

    def folder(self, run_id: str) -> Path:
        return self.root / run_id

    def mount_point(self, run_id: str, node: str, index: int) -> Path:
        return self.folder(run_id) / f"{node}-{index}"

    def made(self, run_id: str, node: str, index: int) -> bool:
        """Whether the volume is mounted already (a recreated node keeps its data)."""
        return _mounted(self.mount_point(run_id, node, index))

    def create(self, run_id: str, owner: dict[str, str], node: str, index: int, size: int) -> Path:
        """A fresh ext4 file system of ``size`` bytes, mounted; its mount point."""
        folder = self.folder(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        labels = folder / OWNER_FILE
        if not labels.exists():
            labels.write_text(json.dumps(owner))
        mount = self.mount_point(run_id, node, index)
        image = mount.with_suffix(".img")
        mount.mkdir(exist_ok=True)
        _run(["truncate", "-s", str(size), str(image)])
        _run(["mkfs.ext4", "-F", "-q", "-m", "0", str(image)])
        _run(["mount", "-o", "loop", str(image), str(mount)])
        return mount

    def remove(self, run_id: str) -> int:
        """Unmount every volume of the run, detach its loop devices, delete its files; how
        many volumes went."""
        folder = self.folder(run_id)
        if not folder.is_dir():
            return 0
        images = sorted(folder.glob("*.img"))
        for image in images:
            mount = image.with_suffix("")
            if _mounted(mount):
                _unmount(mount)
            for device in _loop_devices(image):
                _run(["losetup", "-d", device])
        shutil.rmtree(folder)
        return len(images)

    def runs(self) -> dict[str, dict[str, str]]:
        """Every run with volumes here, with its owner's labels."""
        if not self.root.is_dir():
            return {}
        found = {}
        for labels in self.root.glob(f"*/{OWNER_FILE}"):
            try:
                found[labels.parent.name] = json.loads(labels.read_text())
            except (OSError, ValueError):
                found[labels.parent.name] = {}
        return found


def seed(archive: Iterator[bytes], mount: Path) -> None:
    """Unpack what the image holds at the volume's path (a ``get_archive`` stream, whose
    top folder is that path) into the volume's root, ownership and modes included."""
    with tarfile.open(fileobj=cast(IO[bytes], _Chunks(archive)), mode="r|") as tar:
        for member in tar:
            rest = member.name.partition("/")[2]
            if not rest:
                os.chown(mount, member.uid, member.gid)
                os.chmod(mount, member.mode)
                continue
            member.name = rest
            if member.islnk():
                member.linkname = member.linkname.partition("/")[2]
            # our own image's files, extracted as root into a file system made for them
            tar.extract(member, mount, numeric_owner=True, **TRUSTED)


TRUSTED: dict[str, Any] = {"filter": "fully_trusted"} if hasattr(tarfile, "data_filter") else {}
"""Extraction filters came in Python 3.11.4 (Debian's 3.11.2 has none, and extracts as
``fully_trusted`` does); where they exist, say so, or 3.14 applies ``data`` and drops owners."""


class _Chunks:
    """A read-only file over an iterator of byte chunks (what the docker SDK streams)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken


def _mounted(path: Path) -> bool:
    wanted = str(path)
    with open("/proc/mounts") as mounts:
        return any(line.split()[1] == wanted for line in mounts)


def _unmount(mount: Path) -> None:
    for attempt in range(UMOUNT_TRIES):
        done = subprocess.run(["umount", str(mount)], capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        if attempt == UMOUNT_TRIES - 1:
            raise OSError(f"cannot unmount {mount}: {done.stderr.strip()}")
        time.sleep(0.5)


def _loop_devices(image: Path) -> list[str]:
    listed = _run(["losetup", "-j", str(image)])
    return [line.split(":", 1)[0] for line in listed.splitlines() if line.strip()]


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_S, check=False)
    if done.returncode != 0:
        raise OSError(f"{' '.join(argv)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout
