"""A profile's lab.apt (one of mirror: or folder:, the folder beside the profile and
holding .deb files) and a role version written with its own apt repository: validate keeps
listing the offered versions, role check locates a broken source, and the repository is part
of the role image's key."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.cli.role_scaffold import write_role
from rehearsal.envs.roles import RoleImage
from rehearsal.errors import InvalidInput
from rehearsal.models.catalog import VersionSource, role
from rehearsal.models.loading import load_profile
from rehearsal.models.role_contract import check_role
from tests.unit.envs.test_apt_source import make_deb

PROFILE = """\
customer: {{name: Closed Lab}}
business: {{targets: {{rto: 1m}}}}
{lab}nodes:
  - {{name: api1, role: tiny, {version}networks: [app]}}
networks: [{{name: app}}]
"""
META = """\
default_version: "1"
versions:
  "1": "1.*"
  "2":
    apt: "2.*"
    source: {url: "http://repo.lab:8000/", suite: local, components: [main]}
packages: []
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _profile(folder: Path, lab: str = "", version: str = "") -> Path:
    write_role("tiny", folder / "roles")
    (folder / "roles" / "tiny" / "meta" / "rehearsal.yml").write_text(META)
    path = folder / "profile.yaml"
    path.write_text(PROFILE.format(lab=lab, version=version))
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    return [str(problem) for problem in caught.value.problems]


def test_a_folder_of_debs_beside_the_profile_is_made_absolute(tmp_path: Path) -> None:
    (tmp_path / "debs").mkdir()
    make_deb(tmp_path / "debs", "rehearsal-tiny", "1.0")
    profile = load_profile(_profile(tmp_path, lab="lab: {apt: {folder: debs}}\n"))
    assert profile.lab.apt is not None
    assert profile.lab.apt.folder == str((tmp_path / "debs").resolve())


def test_a_folder_without_debs_is_a_problem_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "debs").mkdir()
    path = _profile(tmp_path, lab="lab:\n  apt: {folder: debs}\n")
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:4:")
    assert "not a folder of .deb files" in problem and "apt-get download" in problem


@pytest.mark.parametrize(
    ("lab", "expected"),
    [
        ("lab: {apt: {mirror: http://m/debian, folder: debs}}\n", "exactly one of"),
        ("lab: {apt: {mirror: ftp.example.com/debian}}\n", "should match pattern"),
        ("lab: {apt: {proxy: http://m:3142}}\n", "proxy"),
    ],
)
def test_a_wrong_lab_apt_is_refused_at_its_line(tmp_path: Path, lab: str, expected: str) -> None:
    path = _profile(tmp_path, lab=lab)
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:3:") and expected in problem


def test_a_version_with_its_own_repository_is_offered_and_others_stay_refused(
    tmp_path: Path,
) -> None:
    load_profile(_profile(tmp_path, version='version: "2", '))
    info = role((tmp_path / "roles" / "tiny").resolve())
    assert info.versions == {"1": "1.*", "2": "2.*"}
    assert info.sources == {"2": VersionSource("http://repo.lab:8000", "local", ("main",))}
    [problem] = _problems(_profile(tmp_path / "other", version='version: "3", '))
    assert "does not offer version '3'; it offers '1', '2'" in problem


def test_the_version_repository_is_part_of_the_image_key(tmp_path: Path) -> None:
    _profile(tmp_path)
    folder = tmp_path / "roles" / "tiny"
    before = RoleImage("tiny", "2", folder).tag("sha256:base")
    meta = folder / "meta" / "rehearsal.yml"
    meta.write_text(META.replace("suite: local", "suite: other"))
    assert RoleImage("tiny", "2", folder).tag("sha256:base") != before


def test_role_check_locates_a_broken_version_source(tmp_path: Path) -> None:
    _profile(tmp_path)
    folder = tmp_path / "roles" / "tiny"
    meta = folder / "meta" / "rehearsal.yml"
    meta.write_text(
        META.replace(
            'url: "http://repo.lab:8000/", suite: local', "url: repo.lab, key: k.asc"
        ).replace('apt: "2.*"', "pin: 2")
    )
    problems = [str(p) for p in check_role(folder)]
    at = f"{meta}:4:3: version '2': "
    assert f"{at}unknown key 'pin' (a version takes apt: and source:)" in problems
    assert f"{at}no apt: version pattern (such as '16.*')" in problems
    assert f"{at}source url 'repo.lab' is not an http:// or https:// repository" in problems
    assert any(p.startswith(at) and "no suite:" in p for p in problems)
    assert f"{at}source key 'k.asc' is not a file in the role's folder" in problems
