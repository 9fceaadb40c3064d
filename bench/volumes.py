"""Data volumes: made (sparse file, ext4, loop mount, the image's files copied in) and
removed (unmount, loop device, file) per node, against the bare commands a user types for
one empty volume by hand, measured in the same run; and what is left behind (nothing)."""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from statistics import mean

from bench.mirrors import base_environment, bench_id, owned
from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import docker_client
from rehearsal.envs.volumes import VolumeSpec

VOLUME = VolumeSpec("/var/lib/dpkg", "256m", 256 * 1024**2)
"""Where the base image holds files (dpkg's database), so making it copies them in."""
EMPTY = VolumeSpec("/srv/data", "256m", 256 * 1024**2)
"""Where the image holds nothing: the volume alone, no copy."""


def _by_hand(volumes: int) -> tuple[float, float]:
    """Seconds a volume to make and to remove with truncate, mkfs.ext4, mount and umount."""
    with tempfile.TemporaryDirectory(prefix="bench-volumes-") as folder:
        images = [Path(folder) / f"v{i}.img" for i in range(volumes)]
        started = time.monotonic()
        for image in images:
            mount = image.with_suffix("")
            mount.mkdir()
            for argv in (
                ["truncate", "-s", str(VOLUME.size_bytes), str(image)],
                ["mkfs.ext4", "-F", "-q", "-m", "0", str(image)],
                ["mount", "-o", "loop", str(image), str(mount)],
            ):
                subprocess.run(argv, check=True)
        made = (time.monotonic() - started) / volumes
        started = time.monotonic()
        for image in images:
            subprocess.run(["umount", str(image.with_suffix(""))], check=True)
            image.unlink()
        return made, (time.monotonic() - started) / volumes


def _traces(folder: Path) -> int:
    loops = subprocess.run(["losetup", "-a"], capture_output=True, text=True, check=True).stdout
    mounts = Path("/proc/mounts").read_text()
    return sum(str(folder) in line for line in (loops + mounts).splitlines())


def _ours(options: Options, volume: VolumeSpec, size: int) -> tuple[float, float, int]:
    """Seconds a node to make its volume and to remove it, and what was left behind."""
    client = docker_client()
    with owned(client, bench_id("volumes")) as run_id:
        env = base_environment(client, run_id, size, options.workdir)
        nodes = tuple(replace(node, volumes=(volume,)) for node in env.spec.nodes)
        env.spec = replace(env.spec, nodes=nodes)
        env.up()
        made = mean(env.volume_seconds.values())
        for node in env.nodes():
            env.container(node).remove(force=True)
        folder = env.volumes.folder(run_id)
        started = time.monotonic()
        env.volumes.remove(run_id)
        removed = (time.monotonic() - started) / size
        env.down()
        return made, removed, _traces(folder) + folder.exists()


def measure(options: Options) -> list[Figure]:
    size = 2 if options.quick else 4
    made, removed, left = _ours(options, VOLUME, size)
    empty_made, empty_removed, empty_left = _ours(options, EMPTY, size)
    hand_made, hand_removed = _by_hand(size)
    made_by_hand = "truncate+mkfs+mount by hand, empty"
    removed_by_hand = "umount+rm by hand"
    return [
        Figure(
            "volumes",
            "volume made a node, image files copied in",
            "s",
            made,
            hand_made,
            made_by_hand,
            5,
        ),
        Figure(
            "volumes", "volume made a node, empty path", "s", empty_made, hand_made, made_by_hand, 2
        ),
        Figure("volumes", "volume removed a node", "s", removed, hand_removed, removed_by_hand, 2),
        Figure(
            "volumes",
            "volume removed a node, empty path",
            "s",
            empty_removed,
            hand_removed,
            removed_by_hand,
            2,
        ),
        Figure(
            "volumes",
            f"loop devices, mounts, files left, {2 * size} nodes",
            "",
            left + empty_left,
            target=0,
            note=f"{size} nodes side by side, one {VOLUME.size} volume each",
        ),
    ]
