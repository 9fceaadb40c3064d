"""Data volumes for real: ext4 on loop devices bind-mounted into nodes (and the tmpfs
fallback), kept through stop, start and recreate, filled exactly by disk-fill, read back
by the fidelity check, and gone after teardown and gc."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.envs.docker import (
    DockerEnvironment,
    EnvironmentSpec,
    NetworkSpec,
    NodeSpec,
    docker_client,
)
from rehearsal.envs.fidelity import EXT4_SHOWN, volume_facts
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.keys import generate_key_pair
from rehearsal.envs.labels import owner_labels, process_start
from rehearsal.envs.reaper import start_reaper
from rehearsal.envs.volumes import Backing, VolumeHost, VolumeSpec
from rehearsal.models.profile import Node
from rehearsal.scenarios.faults.resource import usage
from tests.integration.conftest import injected
from tests.integration.test_gc import _dead_owner

pytestmark = pytest.mark.docker
DATA = VolumeSpec("/srv/data", "64m", 64 * 1024**2)
DPKG = VolumeSpec("/var/lib/dpkg", "128m", 128 * 1024**2)
"""What the image holds there must be in the volume: dpkg-query reads it."""
LOOP = Backing("loop")


def _environment(run_dir: Path, backing: Backing = LOOP) -> DockerEnvironment:
    run_id = f"volumes-test-{secrets.token_hex(3)}"
    spec = EnvironmentSpec(
        run_id=run_id,
        nodes=(NodeSpec("v1", BASE_IMAGE, ("net",), volumes=(DATA, DPKG)),),
        networks=(NetworkSpec("net", True),),
        labels=owner_labels(run_id, False, run_dir),
        backing=backing,
    )
    return DockerEnvironment(docker_client(), spec, generate_key_pair(run_dir / "ssh", run_id))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerEnvironment]:
    made = _environment(tmp_path_factory.mktemp("volumes"))
    try:
        made.up()
        yield made
    finally:
        made.down()


def _traces(folder: Path) -> list[str]:
    """Loop devices and mounts whose file or mount point is under ``folder``."""
    loops = subprocess.run(["losetup", "-a"], capture_output=True, text=True, check=True).stdout
    mounts = Path("/proc/mounts").read_text()
    return [line for line in (loops + mounts).splitlines() if str(folder) in line]


def _node(*volumes: VolumeSpec) -> Node:
    return Node.model_validate(
        {
            "name": "v1",
            "role": "base",
            "networks": ["net"],
            "volumes": [{"path": v.path, "size": v.size} for v in volumes],
        }
    )


def test_the_image_files_are_in_the_volume_and_data_survives_stop_start_and_recreate(
    env: DockerEnvironment,
) -> None:
    assert env.exec("v1", ["dpkg-query", "-W", "-f=${Version}", "openssh-server"], 10).ok
    assert env.exec("v1", ["sh", "-c", "echo kept > /srv/data/order.txt; sync"], 10).ok
    env.stop_node("v1", 5)
    env.start_node("v1")
    assert env.exec("v1", ["cat", "/srv/data/order.txt"], 10).output.strip() == "kept"
    env.recreate_node("v1")
    assert env.exec("v1", ["cat", "/srv/data/order.txt"], 10).output.strip() == "kept"
    assert env.exec("v1", ["dpkg-query", "-W", "openssh-server"], 10).ok
    found = env.exec("v1", ["df", "-B1", "--output=fstype,size,target", "/srv/data"], 10)
    kind, size, target = found.output.splitlines()[-1].split()
    assert (kind, target) == ("ext4", "/srv/data")
    assert EXT4_SHOWN * DATA.size_bytes <= int(size) <= DATA.size_bytes


def test_disk_fill_brings_the_volume_to_80_percent_and_frees_it(env: DockerEnvironment) -> None:
    before, _ = usage(env, "v1", "/srv/data")
    spec = {"type": "resource.disk-fill", "target": "v1", "path": "/srv/data", "fill": 80}
    with injected(env, spec):
        shown = env.exec("v1", ["df", "--output=pcent", "/srv/data"], 10).output
        percent = int(shown.splitlines()[-1].strip().rstrip("%"))
        assert 79 <= percent <= 81, shown
    assert usage(env, "v1", "/srv/data")[0] == before


def test_disk_fill_to_100_percent_leaves_no_byte_free_and_frees_it(env: DockerEnvironment) -> None:
    before, _ = usage(env, "v1", "/srv/data")
    spec = {"type": "resource.disk-fill", "target": "v1", "path": "/srv/data", "fill": 100}
    with injected(env, spec) as fault:
        shown = env.exec("v1", ["df", "-B1", "--output=pcent,avail", "/srv/data"], 10).output
        percent, free = shown.splitlines()[-1].split()
        assert (percent, int(free)) == ("100%", 0), shown
        more = ["dd", "if=/dev/zero", "of=/srv/data/more", "bs=4096", "count=1"]
        wrote = env.exec("v1", more, 10)
        assert not wrote.ok and "No space left on device" in wrote.output, wrote.output
        assert fault.notes == ["v1: /srv/data 100.0% used"]
    assert usage(env, "v1", "/srv/data")[0] == before


def test_the_fidelity_check_reads_each_volume_size_back(env: DockerEnvironment) -> None:
    facts = volume_facts(env, _node(DATA, DPKG))
    assert [(f.name, f.expected, f.matches) for f in facts] == [
        ("/srv/data", "64m", True),
        ("/var/lib/dpkg", "128m", True),
    ]
    assert all("ext4" in fact.actual for fact in facts)
    missing = volume_facts(env, _node(VolumeSpec("/opt", "64m", 64 * 1024**2)))
    assert not missing[0].matches and "no volume" in missing[0].actual


def test_teardown_leaves_no_loop_device_mount_or_file(tmp_path: Path) -> None:
    made = _environment(tmp_path)
    folder = made.volumes.folder(made.run_id)
    try:
        made.up()
        assert len([t for t in _traces(folder) if "loop" in t]) >= 2
    finally:
        made.down()
    assert _traces(folder) == []
    assert not folder.exists()


def test_the_tmpfs_fallback_is_sized_seeded_and_memory_backed(tmp_path: Path) -> None:
    made = _environment(tmp_path, Backing("tmpfs", "forced by the test"))
    try:
        made.up()
        assert made.exec("v1", ["dpkg-query", "-W", "openssh-server"], 10).ok
        facts = volume_facts(made, _node(DATA, DPKG))
        assert [f.matches for f in facts] == [True, True]
        assert all("tmpfs (memory-backed" in f.actual for f in facts)
        found = made.exec("v1", ["df", "-B1", "--output=size", "/srv/data"], 10).output
        assert int(found.split()[-1]) == DATA.size_bytes
        assert made.exec("v1", ["sh", "-c", "echo gone > /srv/data/x"], 10).ok
        made.stop_node("v1", 5)
        made.start_node("v1")
        assert not made.exec("v1", ["test", "-e", "/srv/data/x"], 10).ok, "memory-backed"
        assert made.exec("v1", ["dpkg-query", "-W", "openssh-server"], 10).ok, "seeded again"
        assert not made.volumes.folder(made.run_id).exists()
    finally:
        made.down()


def test_gc_removes_a_dead_runs_volumes() -> None:
    host = VolumeHost()
    run_id = f"gc-volumes-{secrets.token_hex(3)}"
    owner = {"rehearsal.run": run_id, "rehearsal.keep": "false", **_dead_owner()}
    host.create(run_id, owner, "db1", 0, 32 * 1024**2)
    folder = host.folder(run_id)
    assert _traces(folder)
    try:
        result = CliRunner().invoke(app, ["gc"])
        left = _traces(folder), folder.exists()
    finally:
        host.remove(run_id)  # only if gc did not: the test still fails below
    assert result.exit_code == 0, result.output
    assert run_id in result.output
    assert left == ([], False)


def test_the_reaper_removes_the_volumes_of_a_run_whose_owner_died(tmp_path: Path) -> None:
    owner = subprocess.Popen(["sleep", "600"])
    run_id = f"reaped-volumes-{secrets.token_hex(3)}"
    labels = {
        "rehearsal.run": run_id,
        "rehearsal.owner.pid": str(owner.pid),
        "rehearsal.owner.host": os.uname().nodename,
        "rehearsal.owner.start": process_start(owner.pid),
        "rehearsal.keep": "false",
        "rehearsal.run_dir": str(tmp_path),
    }
    host = VolumeHost()
    host.create(run_id, labels, "db1", 0, 32 * 1024**2)
    reaper = start_reaper(labels)
    assert reaper is not None
    folder = host.folder(run_id)
    try:
        owner.kill()
        owner.wait()
        reaper.wait(timeout=60)
        left = _traces(folder), folder.exists()
    finally:
        host.remove(run_id)  # only if the reaper did not: the test still fails below
    assert left == ([], False)
