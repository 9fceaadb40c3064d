"""`rehearsal validate` on the customer's own software: a node's extra packages, `copy:` files
and the `service` role's artifact are checked before anything is built, each problem at its
FILE:LINE with the fix, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from tests.conftest import ROOT

runner = CliRunner()

PROFILE = """\
customer: {name: Own software}
business: {targets: {rto: 1m}}
nodes:
  - name: app1
    role: service
    networks: [front]
    packages: [postgresql-client]
    params:
      artifact: dist/app.tgz
      command: python3 server.py
      packages: [python3-venv]
      port: 8080
      health: /healthz
    files:
      - {dest: /opt/blob.bin, copy: dist/blob.bin}
networks: [{name: front}]
"""


def _validate(tmp_path: Path, old: str = "", new: str = "") -> tuple[int, list[str]]:
    folder = tmp_path / "customer"
    (folder / "dist").mkdir(parents=True)
    (folder / "dist" / "app.tgz").write_bytes(b"\x1f\x8b")
    (folder / "dist" / "blob.bin").write_bytes(bytes(range(256)))
    (tmp_path / "secret.key").write_text("not the profile's\n")
    (folder / "profile.yaml").write_text(PROFILE.replace(old, new))
    result = runner.invoke(app, ["validate", str(folder / "profile.yaml")])
    return result.exit_code, result.stdout.strip().splitlines()


def test_a_service_node_with_its_files_beside_the_profile_is_valid(tmp_path: Path) -> None:
    assert _validate(tmp_path) == (0, ["1 file(s) valid"])


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "artifact: dist/app.tgz",
            "artifact: dist/app-2.tgz",
            9,
            "artifact: 'dist/app-2.tgz' does not exist",
        ),
        (
            "artifact: dist/app.tgz",
            "artifact: ../secret.key",
            9,
            "artifact: '../secret.key' is outside the profile's folder",
        ),
        ("artifact: dist/app.tgz", "artifact: dist", 9, "artifact: 'dist' is a folder"),
        (
            "copy: dist/blob.bin}",
            "copy: ../secret.key}",
            15,
            "copy: '../secret.key' is outside the profile's folder",
        ),
        ("copy: dist/blob.bin}", "copy: /etc/hostname}", 15, "keep the file in the profile's"),
        (
            "copy: dist/blob.bin}",
            "copy: dist/blob.bin, template: t.j2}",
            15,
            "exactly one of 'template:', 'content:' or 'copy:' (2 given)",
        ),
        (
            "packages: [postgresql-client]",
            "packages: [PostgreSQL_Client]",
            7,
            "'PostgreSQL_Client' is not a Debian package name",
        ),
        (
            "packages: [python3-venv]",
            "packages: [python3-venv, 'x y']",
            11,
            "'x y' is not a Debian package name",
        ),
        ("packages: [python3-venv]", "packages: python3-venv", 11, "a list of Debian package"),
    ],
)
def test_bad_files_and_packages_are_refused_at_their_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    code, lines = _validate(tmp_path, old, new)
    assert code == 2, lines
    [problem] = lines
    assert f"profile.yaml:{line}:" in problem and message in problem, problem


def test_a_path_is_relative_to_the_fragment_that_names_it(tmp_path: Path) -> None:
    _validate(tmp_path)
    folder = tmp_path / "customer"
    (tmp_path / "overlay.yaml").write_text(
        "include: [customer/profile.yaml]\n"
        "nodes:\n"
        "  - {name: app1, params: {artifact: customer/dist/blob.bin}}\n"
    )
    from rehearsal.models.loading import load_profile

    node = load_profile(tmp_path / "overlay.yaml").node("app1")
    assert node.params["artifact"] == str(folder / "dist" / "blob.bin")
    assert node.files[0].copy_ == str(folder / "dist" / "blob.bin")


def test_a_customers_own_role_names_its_files_with_path_params(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = tmp_path / "playbooks" / "roles" / "licensed"
    (role / "meta").mkdir(parents=True)
    (role / "defaults").mkdir()
    (role / "defaults" / "main.yml").write_text(
        "# The licence file, beside the profile.\nlicence: ''\n"
    )
    (role / "meta" / "rehearsal.yml").write_text("path_params: [licence]\n")
    monkeypatch.setenv("REHEARSAL_PLAYBOOKS", str(tmp_path / "playbooks"))
    profile = PROFILE.split("nodes:")[0] + (
        "nodes:\n"
        "  - {name: box1, role: licensed, networks: [front], params: {licence: acme.lic}}\n"
        "networks: [{name: front}]\n"
    )
    (tmp_path / "profile.yaml").write_text(profile)
    result = runner.invoke(app, ["validate", str(tmp_path / "profile.yaml")])
    assert result.exit_code == 2
    assert (
        "profile.yaml:4:" in result.stdout and "licence: 'acme.lic' does not exist" in result.stdout
    )
    (tmp_path / "acme.lic").write_bytes(b"\x00licence")
    assert runner.invoke(app, ["validate", str(tmp_path / "profile.yaml")]).exit_code == 0


def test_the_docs_example_of_role_service_is_valid(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "profiles.md").read_text()
    section = text.split("## Your own application without a role", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "app.tgz").write_bytes(b"\x1f\x8b")
    (tmp_path / "profile.yaml").write_text(example)
    result = runner.invoke(app, ["validate", str(tmp_path / "profile.yaml")])
    assert (result.exit_code, result.stdout.strip()) == (0, "1 file(s) valid")
