"""Bad profiles are refused at validate time with FILE:LINE:COL and a fix, nothing built:
unknown role, a version the role does not offer, a parameter it does not declare, a node on
a network that does not exist, duplicate names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile.yaml"
    shutil.copy(EXAMPLES / "webshop" / "profile.yaml", path)
    return path


def _validate(path: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", str(path)])
    return result.exit_code, result.stdout.strip().splitlines()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        ("role: nginx", "role: ngnix", 16, "unknown role 'ngnix'; did you mean 'nginx'"),
        ('version: "15"', 'version: "16"', 33, "role 'postgresql' does not offer version '16'"),
        ('version: "15"', 'version: "16"', 33, "it offers '15'"),
        ("role: nginx", "role: nginx\n    version: '1.18'", 17, "it offers '1.22'"),
        ("worker_connections: 1024", "worker_conections: 1024", 19, "did you mean"),
        ("pool_size: 20}", "pool_sise: 20}", 26, "has no parameter 'pool_sise'"),
        ("pool_size: 20}", "rehearsal_role: nginx}", 26, "has no parameter 'rehearsal_role'"),
        ("networks: [app, db]", "networks: [app, dbb]", 25, "unknown network 'dbb'"),
        ("name: app2", "name: app1", 27, "'app1' is defined more than once"),
        ("{name: app, internal: true}", "{name: front}", 38, "'front' is defined more than once"),
    ],
)
def test_bad_profile_is_refused_with_its_line(
    profile: Path, old: str, new: str, line: int, expected: str
) -> None:
    _edit(profile, old, new)
    code, lines = _validate(profile)
    assert code == 2
    assert any(f"profile.yaml:{line}:" in item and expected in item for item in lines), lines


def test_param_errors_say_where_the_role_documents_its_params(profile: Path) -> None:
    _edit(profile, "pool_size: 20}", "pool_sise: 20}")
    _code, lines = _validate(profile)
    assert any("shop-app/defaults/main.yml" in item for item in lines), lines


def test_every_shipped_role_declares_versions_and_documents_each_param() -> None:
    """Each default in a role's defaults/main.yml has a comment line above it."""
    from rehearsal.models.catalog import roles
    from rehearsal.models.loading import playbooks_dir

    catalog = roles(playbooks_dir() / "roles")
    assert {"nginx", "postgresql", "redis", "haproxy", "shop-app", "service"} <= set(catalog)
    for name, info in catalog.items():
        lines = (playbooks_dir() / "roles" / name / "defaults" / "main.yml").read_text()
        rows = lines.splitlines()
        for index, row in enumerate(rows):
            if row and not row.startswith((" ", "#", "-")) and ":" in row:
                assert rows[index - 1].startswith("#"), f"{name}: {row} is not documented"
        # the demo shop and the customer's own service are not Debian products: any version
        assert info.versions or name in ("shop-app", "service"), name
        assert info.default_version in info.versions or not info.versions, name


@pytest.mark.parametrize(
    ("subnet", "expected"),
    [
        ("10.99.0.0/29", "subnet 10.99.0.0/29 is too small"),
        ("10.99.0.300/24", "not a valid IPv4 network"),
        ("10.99.0.1/24", "not a valid IPv4 network"),
    ],
)
def test_a_network_subnet_must_be_a_network_with_room(
    profile: Path, subnet: str, expected: str
) -> None:
    _edit(profile, "{name: front}", f"{{name: front, subnet: {subnet}}}")
    code, lines = _validate(profile)
    assert code == 2
    assert any("profile.yaml:37:" in item and expected in item for item in lines), lines
