"""``rehearsal images save`` / ``images load`` of the demo's images (the base and the role
images of ``examples/webshop``) against plain ``docker save -o`` / ``docker load -i`` of the
same images, in the same run: time, archive size and peak memory.

Each operation runs in a child process of its own (``python -m bench.image_archive OP``), so
its peak resident memory is its own; for the plain side that is the docker CLI's. The demo's
images stay in the engine (other sessions use them), so both loads find their layers there
and skip unpacking them: the figures compare reading, checking and handing the archive to
the engine, not extracting layers. ``gzip -1`` of our archive (Python's zlib) is timed once
too: the reason the archive is not compressed.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import docker_client
from rehearsal.envs.image_archive import CHUNK, load, needed_images, save
from rehearsal.models.loading import load_profile

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "examples" / "webshop" / "profile.yaml"


def _operate(operation: str, file: Path, tags: list[str]) -> float:
    client = docker_client()
    started = time.monotonic()
    if operation == "save":
        save(client, tags, file)
    elif operation == "load":
        load(client, file)
    elif operation == "docker-save":
        subprocess.run(["docker", "save", "-o", str(file), *tags], check=True, timeout=900)
    else:
        subprocess.run(
            ["docker", "load", "-i", str(file)], check=True, timeout=900, stdout=subprocess.DEVNULL
        )
    return time.monotonic() - started


def _child(operation: str, file: Path, tags: list[str]) -> tuple[float, float]:
    """Seconds the operation took and the peak resident MB of the process that did it."""
    argv = [sys.executable, "-P", "-m", "bench.image_archive", operation, str(file), *tags]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}  # as bench/run has it
    done = subprocess.run(
        argv, env=environment, check=True, timeout=1200, capture_output=True, text=True
    )
    figures = json.loads(done.stdout.splitlines()[-1])
    return figures["seconds"], figures["peak_mb"]


def _gzip_seconds(file: Path) -> tuple[float, int]:
    packed = file.with_suffix(".tar.gz")
    started = time.monotonic()
    with file.open("rb") as source, gzip.open(packed, "wb", compresslevel=1) as target:
        shutil.copyfileobj(source, target, CHUNK)
    took = time.monotonic() - started
    size = packed.stat().st_size
    packed.unlink()
    return took, size


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    folder = options.workdir / "image-archive"
    folder.mkdir(parents=True, exist_ok=True)
    tags = needed_images(client, [load_profile(DEMO)], folder, lambda _line: None)
    ours, plain = folder / "ours.tar", folder / "plain.tar"
    save_s, save_mb = _child("save", ours, tags)
    plain_save_s, plain_save_mb = _child("docker-save", plain, tags)
    load_s, load_mb = _child("load", ours, tags)
    plain_load_s, plain_load_mb = _child("docker-load", plain, tags)
    mb = 1e6
    size, plain_size = ours.stat().st_size / mb, plain.stat().st_size / mb
    label = f"{len(tags)} images"
    figures = [
        Figure(
            "image_archive",
            "images save",
            "s",
            save_s,
            plain_save_s,
            "docker save -o",
            target=2.0 * plain_save_s,
            note=label,
        ),
        Figure(
            "image_archive",
            "images save: archive size",
            "MB",
            size,
            plain_size,
            "docker save -o",
            target=1.01 * plain_size,
        ),
        Figure(
            "image_archive",
            "images load (check whole, load, check ids)",
            "s",
            load_s,
            plain_load_s,
            "docker load -i",
            target=2.5 * plain_load_s,
            note="layers already in the engine",
        ),
        Figure(
            "image_archive",
            "images save: peak memory",
            "MB",
            save_mb,
            plain_save_mb,
            "docker CLI",
            target=200.0,
        ),
        Figure(
            "image_archive",
            "images load: peak memory",
            "MB",
            load_mb,
            plain_load_mb,
            "docker CLI",
            target=200.0,
        ),
    ]
    if not options.quick:
        gzip_s, gzip_size = _gzip_seconds(ours)
        figures.append(
            Figure(
                "image_archive",
                "gzip -1 of the archive (not done)",
                "s",
                gzip_s,
                save_s,
                "images save",
                note=f"{gzip_size / mb:.0f} MB of {size:.0f} MB",
            )
        )
    ours.unlink()
    plain.unlink()
    return figures


def main(argv: list[str]) -> None:
    operation, file, *tags = argv
    seconds = _operate(operation, Path(file), tags)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak = children if operation.startswith("docker-") else own
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024}))


if __name__ == "__main__":
    main(sys.argv[1:])
