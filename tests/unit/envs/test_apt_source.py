"""Where image builds take packages from: the profile's lab.apt over REHEARSAL_APT_MIRROR
over Debian's mirror; a mirror moves every suite, never the image's own sources.list or
key; a source that does not answer fails at once with its URL; a folder of .deb files is
indexed by dpkg-scanpackages."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from rehearsal.envs.apt_source import (
    DEBIAN_SOURCE,
    PackageSource,
    check_from_here,
    folder_index,
    package_source,
)
from rehearsal.envs.images import MIRRORS, base_key, mmdebstrap_argv
from rehearsal.errors import ImageBuildFailure
from rehearsal.models.profile import AptSource

PROXY = "http://10.0.0.5:3142/deb.debian.org/debian"


def make_deb(folder: Path, name: str, version: str) -> Path:
    """A tiny Architecture: all package made with dpkg-deb, holding its version in a file."""
    tree = folder / f"{name}-{version}"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "usr" / "share" / name).mkdir(parents=True)
    (tree / "usr" / "share" / name / "version").write_text(version + "\n")
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: rehearsal tests <tests@example.com>\nDescription: a test package\n"
    )
    deb = folder / f"{name}_{version}_all.deb"
    subprocess.run(["dpkg-deb", "--build", str(tree), str(deb)], check=True, capture_output=True)
    return deb


def test_the_profile_setting_wins_over_the_environment_which_wins_over_debian() -> None:
    env = {"REHEARSAL_APT_MIRROR": "http://mirror.lab/debian/"}
    folder = package_source(AptSource(folder="/srv/debs"), "p.yaml", env)
    assert folder.folder == Path("/srv/debs") and folder.setting == "lab.apt.folder in p.yaml"
    assert package_source(AptSource(mirror=PROXY), "p.yaml", env).mirror == PROXY
    from_env = package_source(None, "p.yaml", env)
    assert from_env.mirror == "http://mirror.lab/debian"
    assert from_env.setting == "REHEARSAL_APT_MIRROR"
    assert package_source(None, "p.yaml", {}) == DEBIAN_SOURCE


def test_a_proxy_serves_every_suite_with_security_beside_the_archive() -> None:
    source = PackageSource(PROXY, setting="REHEARSAL_APT_MIRROR")
    assert source.lines() == (
        f"deb {PROXY} bookworm main",
        f"deb {PROXY} bookworm-updates main",
        "deb http://10.0.0.5:3142/deb.debian.org/debian-security bookworm-security main",
    )
    assert source.release_urls()[0] == f"{PROXY}/dists/bookworm/Release"
    assert PackageSource(folder=Path("/d")).release_urls() == ()


def test_mmdebstrap_fetches_through_the_mirror_but_the_image_says_debian(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = base_key()
    monkeypatch.setenv("REHEARSAL_APT_MIRROR", PROXY)
    assert base_key() == before  # the same bookworm packages: a mirror rebuilds nothing
    argv = mmdebstrap_argv(Path("/tmp/base.tar"), PackageSource(PROXY, setting="X"))
    assert argv[-3:] == list(PackageSource(PROXY).lines())
    hook = next(a for a in argv if "etc/apt/sources.list" in a)
    assert all(line in hook for line in MIRRORS) and PROXY not in hook
    assert MIRRORS == DEBIAN_SOURCE.lines()


def test_a_mirror_that_does_not_answer_fails_at_once_naming_the_url_and_the_setting() -> None:
    source = PackageSource("http://127.0.0.1:9/debian", setting="REHEARSAL_APT_MIRROR")
    started = time.monotonic()
    with pytest.raises(ImageBuildFailure) as caught:
        check_from_here(source)
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert "http://127.0.0.1:9/debian/dists/bookworm/Release" in message
    assert "REHEARSAL_APT_MIRROR" in message and "apt-cacher-ng" in message


def test_a_folder_of_debs_is_indexed_with_each_package_and_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "debs"
    folder.mkdir()
    make_deb(folder, "rehearsal-tiny", "1.0")
    index = folder_index(folder).decode()
    assert "Package: rehearsal-tiny\n" in index and "Version: 1.0\n" in index
    assert "Filename: ./rehearsal-tiny_1.0_all.deb\n" in index and "SHA256: " in index


def test_a_folder_without_packages_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no package here")
    with pytest.raises(ImageBuildFailure, match="could not index"):
        folder_index(tmp_path)
