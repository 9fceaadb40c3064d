"""The rabbitmq role's contract as validate reads it, and a param of the wrong shape refused
at its line by the role's params_schema (meta/rehearsal.yml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.models.catalog import role
from rehearsal.models.loading import playbooks_dir
from rehearsal.models.param_shapes import schema_problem
from rehearsal.models.role_contract import check_role
from tests.conftest import EXAMPLES, ROOT

runner = CliRunner()
EXAMPLE = EXAMPLES / "products" / "rabbitmq"
RABBITMQ = playbooks_dir() / "roles" / "rabbitmq"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _validate(*paths: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", *map(str, paths)])
    return result.exit_code, result.stdout.strip().splitlines()


def test_the_role_offers_bookworms_rabbitmq_with_short_params_and_readbacks() -> None:
    info = role(RABBITMQ)
    assert (info.default_version, info.versions, info.package) == (
        "3.10",
        {"3.10": "3.10.*"},
        "rabbitmq-server",
    )
    assert {"queues", "users", "vhosts", "cluster_with", "vm_memory_high_watermark"} <= info.params
    assert info.variable("queues") == "rabbitmq_queues"
    assert set(info.readback) == {"vm_memory_high_watermark", "cluster_with"}
    assert check_role(RABBITMQ) == []


def test_every_shipped_params_schema_is_a_json_schema_of_a_declared_param() -> None:
    for folder in sorted((playbooks_dir() / "roles").iterdir()):
        info = role(folder)
        assert set(info.params_schema) <= info.params, folder.name
        for name, schema in info.params_schema.items():
            assert schema_problem(schema) is None, (folder.name, name)


def test_the_example_drill_and_the_bench_profile_are_valid() -> None:
    bench = ROOT / "bench" / "product_profiles" / "rabbitmq.yaml"
    code, lines = _validate(
        EXAMPLE / "profile.yaml", EXAMPLE / "drill-broker-node-down.yaml", bench
    )
    assert (code, lines) == (0, ["3 file(s) valid"])


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE / "profile.yaml", tmp_path / "profile.yaml")
    return tmp_path / "profile.yaml"


@pytest.mark.parametrize(
    ("old", "new", "where", "expected"),
    [
        (
            "vm_memory_high_watermark: 0.5\n      vhosts",
            "vm_memory_high_watermark: 40%\n      vhosts",
            "23:7",
            "vm_memory_high_watermark must be number; give a share of the node's memory, e.g. 0.4",
        ),
        (
            "tags: [management]",
            "tags: management",
            "26:47",
            "users[0].tags must be array; give a list of tags",
        ),
        (
            "{name: shop, password: shop-secret",
            "{name: shop, pasword: shop-secret",
            "26:11",
            "users[0] must contain ['password'] properties; give a list of {name, password, tags, "
            "vhosts}",
        ),
        (
            "{name: payments, vhost: shop, type: quorum}",
            "{name: payments, vhost: shop, type: quorum, durable: false}",
            "29:55",
            "queues[1].durable must be true; give a list of {name, vhost, durable, type, "
            "arguments}",
        ),
        (
            "type: quorum}",
            "type: stream}",
            "29:41",
            "queues[1].type must be one of ['classic', 'quorum']",
        ),
        (
            "x-max-length: 10000",
            "max-length: 10000",
            "28:51",
            "queues[0].arguments key 'max-length' does not match ^x-; give a mapping of x- "
            "arguments",
        ),
        (
            "cluster_with: mq1",
            "cluster_with: [mq1]",
            "36:7",
            "cluster_with must be string; give the node name of a cluster member",
        ),
    ],
)
def test_a_param_of_the_wrong_shape_is_refused_at_its_line(
    profile: Path, old: str, new: str, where: str, expected: str
) -> None:
    text = profile.read_text()
    assert old in text
    profile.write_text(text.replace(old, new, 1))
    code, lines = _validate(profile)
    assert code == 2
    assert any(line.startswith(f"{profile}:{where}: {expected}") for line in lines), lines


def test_a_version_bookworm_does_not_have_is_refused(profile: Path) -> None:
    profile.write_text(profile.read_text().replace('version: "3.10"', 'version: "3.13"', 1))
    code, lines = _validate(profile)
    assert code == 2 and "does not offer version '3.13'; it offers '3.10'" in lines[0], lines
