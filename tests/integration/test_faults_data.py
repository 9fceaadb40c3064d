"""Data and configuration faults, and the custom ones: each leaves the bytes, modes and
rows exactly as they were once reverted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.docker import DockerEnvironment
from tests.integration.conftest import eventually, injected

pytestmark = pytest.mark.docker

FILE = "/etc/demo-app.conf"


def _fingerprint(nodes: DockerEnvironment, path: str = FILE) -> str:
    argv = ["sh", "-c", 'stat -c "%a %U %s" "$1"; sha256sum "$1"', "sh", path]
    return nodes.exec("n1", argv, 5).output


@pytest.fixture
def config_file(nodes: DockerEnvironment) -> Iterator[str]:
    script = 'printf "listen = 80\\nworkers = 4\\n" > "$1"; chmod 640 "$1"'
    assert nodes.exec("n1", ["sh", "-c", script, "sh", FILE], 5).ok
    yield _fingerprint(nodes)
    nodes.exec("n1", ["rm", "-f", FILE], 5)


def test_config_change_sets_a_parameter_and_mode(
    nodes: DockerEnvironment, config_file: str
) -> None:
    spec = {"type": "config.change", "target": "n1", "file": FILE}
    with injected(nodes, {**spec, "line": "workers = 0", "replace": "^workers", "mode": "0600"}):
        text = nodes.exec("n1", ["cat", FILE], 5).output
        assert text == "listen = 80\nworkers = 0\n"
        assert nodes.exec("n1", ["stat", "-c", "%a", FILE], 5).output.strip() == "600"
    assert _fingerprint(nodes) == config_file


@pytest.mark.parametrize("how", ["garbage", "truncate", "empty"])
def test_config_corrupt_damages_then_restores(
    nodes: DockerEnvironment, config_file: str, how: str
) -> None:
    with injected(nodes, {"type": "config.corrupt", "target": "n1", "file": FILE, "how": how}):
        assert _fingerprint(nodes) != config_file
    assert _fingerprint(nodes) == config_file


def test_custom_command_uses_the_users_commands(nodes: DockerEnvironment) -> None:
    spec = {
        "type": "custom.command",
        "target": ["n1", "n2"],
        "inject": "echo broken > /run/custom-mark",
        "revert": ["rm", "-f", "/run/custom-mark"],
        "check": ["test", "-e", "/run/custom-mark"],
    }
    with injected(nodes, spec):
        assert nodes.exec("n2", ["cat", "/run/custom-mark"], 5).output == "broken\n"
    assert not nodes.exec("n1", ["test", "-e", "/run/custom-mark"], 5).ok


def test_custom_playbook_runs_through_ansible(nodes: DockerEnvironment) -> None:
    spec = {
        "type": "custom.playbook",
        "target": "n2",
        "inject": "faults/example-inject.yml",
        "revert": "faults/example-revert.yml",
    }
    with injected(nodes, spec):
        assert nodes.exec("n2", ["test", "-e", "/run/rehearsal-playbook-fault"], 5).ok
    assert not nodes.exec("n2", ["test", "-e", "/run/rehearsal-playbook-fault"], 5).ok


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerEnvironment]:
    """One node of the PostgreSQL role image (built here when no earlier run has), with a table."""
    from rehearsal.envs.docker import (
        EnvironmentSpec,
        NetworkSpec,
        NodeSpec,
        docker_client,
    )
    from rehearsal.envs.images import ensure_base_image
    from rehearsal.envs.keys import generate_key_pair
    from rehearsal.envs.labels import owner_labels
    from rehearsal.envs.roles import RoleImage, ensure_role_images
    from rehearsal.envs.routes import engine_route
    from rehearsal.models.loading import playbooks_dir

    client = docker_client()
    run_dir: Path = tmp_path_factory.mktemp("db-env")
    run_id = f"faults-db-{run_dir.name[-6:]}"
    labels = owner_labels(run_id, False, run_dir)
    keys = generate_key_pair(run_dir / "ssh", run_id)
    ensure_base_image(client)
    wanted = RoleImage("postgresql", "15", playbooks_dir() / "roles" / "postgresql")
    route = engine_route()
    try:
        built = ensure_role_images(
            client, {wanted}, playbooks_dir(), keys, labels, run_dir / "images", route
        )
    finally:
        route.close()
    spec = EnvironmentSpec(
        run_id, (NodeSpec("db1", built[wanted], ("db",)),), (NetworkSpec("db", True),), labels
    )
    env = DockerEnvironment(client, spec, keys)
    try:
        env.up()
        sql = "CREATE TABLE orders (id int PRIMARY KEY, item text);"
        sql += "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 100) g;"
        psql = ["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-c", sql]
        assert eventually(lambda: env.exec("db1", psql, 10).ok, 30)
        yield env
    finally:
        env.down()


def _count(env: DockerEnvironment, where: str = "true") -> str:
    sql = f"SELECT count(*) FROM orders WHERE {where}"
    argv = ["runuser", "-u", "postgres", "--", "psql", "-XqAt", "-c", sql]
    return env.exec("db1", argv, 10).output.strip()


def test_db_drop_table_is_restored_from_the_dump(database: DockerEnvironment) -> None:
    spec = {"type": "db.drop", "target": "db1", "database": "postgres", "table": "orders"}
    with injected(database, spec):
        assert "does not exist" in _count(database)
    assert _count(database) == "100"


def test_db_delete_rows_are_restored(database: DockerEnvironment) -> None:
    spec = {"type": "db.drop", "target": "db1", "database": "postgres", "table": "orders"}
    with injected(database, {**spec, "where": "id > 90"}):
        assert _count(database) == "90"
    assert _count(database, "id > 90") == "10"
