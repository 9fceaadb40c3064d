"""A PostgreSQL cluster on a data volume, through the mirror as `env up` and `run` build it:
the role's files are on the volume with their owner, the database keeps its rows through a
recreate, and the journal and fidelity facts say what the volume is made of — a disk, or
the memory-backed tmpfs when loop devices are not to be had (forced here, for real)."""

from __future__ import annotations

import secrets
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.mirror import Mirror
from rehearsal.envs.volumes import VolumeHost
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.loading import load_profile

pytestmark = pytest.mark.docker
PROFILE = Path(__file__).parent / "data" / "volumes" / "profile.yaml"


def _psql(mirror: Mirror, sql: str) -> str:
    assert mirror.env is not None
    argv = ["runuser", "-u", "postgres", "--", "psql", "-tAc", sql]
    result = mirror.env.exec("db1", argv, 30)
    assert result.ok, result.output
    return result.output.strip()


def _event(run_dir: Path, name: str) -> dict[str, Any]:
    return next(e for e in read_journal(run_dir) if e["event"] == name)


def _up(run_dir: Path, stack: ExitStack, said: list[str], volumes: VolumeHost) -> Mirror:
    run_id = run_dir.name
    journal = stack.enter_context(Journal(run_dir))
    journal.record("environment.requested", run_id=run_id, profile=str(PROFILE))
    mirror = Mirror(
        load_profile(PROFILE), run_id, run_dir, journal, False, stack, said.append, volumes=volumes
    )
    mirror.prepare_images()
    mirror.environment_up()
    mirror.converge()
    return mirror


def test_a_database_on_a_volume_keeps_its_rows_through_a_recreate(tmp_path: Path) -> None:
    run_dir = tmp_path / f"volume-mirror-{secrets.token_hex(3)}"
    said: list[str] = []
    with ExitStack() as stack:
        mirror = _up(run_dir, stack, said, VolumeHost())
        assert mirror.env is not None
        owner = mirror.env.exec("db1", ["stat", "-c", "%U", "/var/lib/postgresql/15/main"], 10)
        assert owner.output.strip() == "postgres"
        _psql(mirror, "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2)")
        mirror.env.recreate_node("db1")
        assert mirror.env.exec("db1", ["/etc/init.d/postgresql", "start"], 60).ok
        assert _psql(mirror, "SELECT count(*) FROM orders") == "2"
    up = _event(run_dir, "environment.up")
    assert up["volumes"][0]["backing"].startswith("ext4 on a loop device")
    facts = _event(run_dir, "fidelity.checked")["facts"]
    volume = next(f for f in facts if f["aspect"] == "volume")
    assert (volume["name"], volume["expected"], volume["matches"]) == (
        "/var/lib/postgresql",
        "256m",
        True,
    ), volume
    assert not any("tmpfs" in line for line in said)
    assert not VolumeHost().folder(run_dir.name).exists()


def test_without_loop_devices_the_volume_is_a_tmpfs_and_every_record_says_so(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / f"volume-tmpfs-{secrets.token_hex(3)}"
    said: list[str] = []
    forced = VolumeHost(loops=lambda: "no loop devices (forced by the test)")
    with ExitStack() as stack:
        mirror = _up(run_dir, stack, said, forced)
        assert _psql(mirror, "SELECT 1") == "1", "the cluster was copied into the tmpfs"
    memory = "tmpfs: memory-backed, emptied when the node stops (no loop devices (forced"
    assert any(line.startswith(f"volumes: {memory}") for line in said), said
    assert _event(run_dir, "environment.up")["volumes"][0]["backing"].startswith(memory)
    assert _event(run_dir, "environment.ready")["facts"]["volumes"].startswith(memory)
    facts = _event(run_dir, "fidelity.checked")["facts"]
    volume = next(f for f in facts if f["aspect"] == "volume")
    assert volume["matches"] and "tmpfs (memory-backed" in volume["actual"]
