"""Where volumes come from: loop devices where they work, else a tmpfs said so at validate,
in the journal and the facts; a run whose volumes the host cannot hold is refused (exit 2)
before anything starts; the image's files are unpacked into a volume as they were."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.envs.volumes import Backing, VolumeHost, seed
from rehearsal.errors import InvalidInput
from rehearsal.runs.admission import check_volume_room
from rehearsal.scenarios.planning import file_warnings, load_plan
from tests.conftest import EXAMPLES

NO_LOOPS = "this machine has no loop devices (/dev/loop-control)"
DB1 = (
    "    params: {max_connections: 100, shared_buffers: 128MB, db_name: shop, db_user: shop, "
    "db_password: shop-secret}\n"
)


def _webshop(tmp_path: Path, volumes: str) -> Path:
    for name in ("profile.yaml", "drill-app-node-loss.yaml"):
        shutil.copy(EXAMPLES / "webshop" / name, tmp_path / name)
    profile = tmp_path / "profile.yaml"
    profile.write_text(profile.read_text().replace(DB1, DB1 + volumes, 1))
    return profile


def test_loop_devices_are_used_where_they_work_and_a_tmpfs_where_not(tmp_path: Path) -> None:
    assert VolumeHost(tmp_path, lambda: None).backing("local") == Backing("loop")
    forced = VolumeHost(tmp_path, lambda: NO_LOOPS).backing("local")
    assert forced == Backing("tmpfs", NO_LOOPS)
    assert "memory-backed, emptied when the node stops" in forced.described()
    remote = VolumeHost(tmp_path, lambda: None).backing("ssh://ops@engine1")
    assert remote.kind == "tmpfs" and "remote (ssh://ops@engine1)" in remote.why


def test_validate_says_when_a_volume_will_be_a_tmpfs(tmp_path: Path) -> None:
    profile = _webshop(tmp_path, "    volumes: [{path: /var/lib/postgresql, size: 512m}]\n")
    found = file_warnings(profile, None, VolumeHost(tmp_path, lambda: NO_LOOPS))
    assert [str(w) for w in found] == [
        f"{profile}:36:15: warning: this volume will be a tmpfs: memory-backed, emptied when "
        f"the node stops ({NO_LOOPS}); run where loop devices work (a local engine, as "
        "root) to give it a disk"
    ]
    assert file_warnings(profile, None, VolumeHost(tmp_path, lambda: None)) == []
    scenario = tmp_path / "drill-app-node-loss.yaml"
    told = file_warnings(scenario, None, VolumeHost(tmp_path, lambda: NO_LOOPS))
    assert told[-1] == found[0], "a scenario warns about its profile's volumes too"


def test_volumes_bigger_than_the_host_can_give_are_refused_at_their_line(
    tmp_path: Path,
) -> None:
    profile = _webshop(
        tmp_path,
        "    volumes:\n"
        "      - {path: /var/lib/postgresql, size: 512m}\n"
        "      - {path: /srv/dumps, size: 1g}\n",
    )
    plan = load_plan(tmp_path / "drill-app-node-loss.yaml")

    class Small(VolumeHost):
        def free_bytes(self) -> int:
            return 768 * 1024**2

    with pytest.raises(InvalidInput) as refused:
        check_volume_room(plan.profile, profile, Small(tmp_path, lambda: None))
    assert [str(p).split(": ", 1)[0] for p in refused.value.problems] == [f"{profile}:38:28"]
    assert "this volume is bigger than this host can give (0.8 GiB free" in str(refused.value)

    class Medium(Small):
        def free_bytes(self) -> int:
            return 1200 * 1024**2

    with pytest.raises(InvalidInput) as together:
        check_volume_room(plan.profile, profile, Medium(tmp_path, lambda: None))
    assert "the run's volumes together (1.5 GiB) are more than" in str(together.value)
    check_volume_room(plan.profile, profile, Medium(tmp_path, lambda: NO_LOOPS))


def test_run_refuses_a_volume_the_host_cannot_hold_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_VOLUMES_DIR", str(tmp_path / "volumes"))
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path / "state"))
    profile = _webshop(tmp_path, "    volumes: [{path: /var/lib/postgresql, size: 100000000g}]\n")
    if VolumeHost().backing("local").kind != "loop":
        pytest.fail("the unit tests run as root on a machine with loop devices (scripts/test)")
    result = CliRunner().invoke(app, ["run", str(tmp_path / "drill-app-node-loss.yaml")])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"{profile}:36:"), result.output
    assert "bigger than this host can give" in result.output
    assert not (tmp_path / "volumes").exists()


def test_the_images_files_are_unpacked_with_their_owner_and_mode(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        top = tarfile.TarInfo("postgresql")
        top.type, top.mode, top.uid, top.gid = tarfile.DIRTYPE, 0o750, 105, 106
        tar.addfile(top)
        data = b"PG_VERSION 15\n"
        file = tarfile.TarInfo("postgresql/15/main/PG_VERSION")
        file.size, file.mode, file.uid, file.gid = len(data), 0o600, 105, 106
        tar.addfile(file, io.BytesIO(data))
    mount = tmp_path / "mount"
    mount.mkdir()
    chunks = archive.getvalue()
    seed(iter([chunks[:700], chunks[700:]]), mount)
    unpacked = mount / "15" / "main" / "PG_VERSION"
    assert unpacked.read_bytes() == data
    assert (os.stat(unpacked).st_uid, os.stat(unpacked).st_mode & 0o777) == (105, 0o600)
    assert (os.stat(mount).st_uid, os.stat(mount).st_gid, os.stat(mount).st_mode & 0o777) == (
        105,
        106,
        0o750,
    )
