"""Data volumes in a profile: sizes as people write them, and every bad volume refused by
`rehearsal validate` (exit 2) at its FILE:LINE with what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.models.loading import load_profile
from tests.conftest import EXAMPLES

runner = CliRunner()
DB1 = (
    "    params: {max_connections: 100, shared_buffers: 128MB, db_name: shop, db_user: shop, "
    "db_password: shop-secret}\n"
)


def _profile(tmp_path: Path, volumes: str) -> Path:
    """The webshop profile with ``volumes`` (YAML lines at the key's indent) on db1."""
    path = tmp_path / "profile.yaml"
    shutil.copy(EXAMPLES / "webshop" / "profile.yaml", path)
    text = path.read_text()
    assert DB1 in text
    path.write_text(text.replace(DB1, DB1 + volumes, 1))
    return path


def _validate(path: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", str(path)])
    return result.exit_code, result.stdout.strip().splitlines()


@pytest.mark.parametrize(
    ("size", "wanted"),
    [("512m", 512 * 1024**2), ("2g", 2 * 1024**3), ("1.5g", 3 * 1024**3 // 2), ("16384k", 2**24)],
)
def test_sizes_are_read_in_binary_units(tmp_path: Path, size: str, wanted: int) -> None:
    path = _profile(tmp_path, f"    volumes: [{{path: /var/lib/postgresql, size: {size}}}]\n")
    volume = load_profile(path).node("db1").volumes[0]
    assert (volume.path, volume.size_bytes) == ("/var/lib/postgresql", wanted)


def test_a_trailing_slash_names_the_same_folder(tmp_path: Path) -> None:
    path = _profile(tmp_path, "    volumes: [{path: /srv/data/, size: 64m}]\n")
    assert load_profile(path).node("db1").volumes[0].path == "/srv/data"


@pytest.mark.parametrize(
    ("volumes", "where", "message"),
    [
        (
            "    volumes: [{path: /var/lib/postgresql, size: 512q}]\n",
            ":36:",
            "cannot read '512q' as a size; write a number and k, m or g, like 512m, 2g or 1.5g",
        ),
        (
            "    volumes: [{path: /srv/x, size: 2m}]\n",
            ":36:",
            "size '2m' is too small for a file system; give at least 16m",
        ),
        (
            "    volumes: [{path: var/lib/postgresql, size: 512m}]\n",
            ":36:",
            "path 'var/lib/postgresql' is not absolute; write it from the root, like "
            "/var/lib/postgresql",
        ),
        (
            "    volumes: [{path: /, size: 512m}]\n",
            ":36:",
            "path '/' cannot hold a volume",
        ),
        (
            "    volumes:\n"
            "      - {path: /var/lib/postgresql, size: 512m}\n"
            "      - {path: /var/lib/postgresql/, size: 1g}\n",
            ":38:10:",
            "/var/lib/postgresql already has a volume on node 'db1'; keep one",
        ),
        (
            "    volumes: [{path: /srv/x, size: 64m, fs: xfs}]\n",
            ":36:",
            "unknown key 'fs'",
        ),
    ],
)
def test_a_bad_volume_is_refused_at_its_line(
    tmp_path: Path, volumes: str, where: str, message: str
) -> None:
    path = _profile(tmp_path, volumes)
    code, lines = _validate(path)
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}{where}"), lines
    assert message in lines[0]


def test_a_lab_host_takes_no_volume(tmp_path: Path) -> None:
    path = _profile(
        tmp_path,
        "    lab_host: {address: 10.1.2.30, user: ops}\n"
        "    volumes: [{path: /var/lib/postgresql, size: 512m}]\n",
    )
    code, lines = _validate(path)
    assert code == 2
    assert lines[0].startswith(f"{path}:37:")
    assert "lab host, whose disks are its own; remove 'volumes:'" in lines[0]
