"""The shipped roles pass ansible-lint's production profile (a real, offline run), and a
role's `var_prefix` maps a node's short params onto its prefixed variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal.models.catalog import role
from rehearsal.models.loading import playbooks_dir

BIN = Path(sys.executable).parent
SHIPPED = [
    "haproxy",
    "keepalived",
    "mariadb",
    "nginx",
    "postgresql",
    "rabbitmq",
    "redis",
    "service",
    "shop-app",
    "tomcat",
]


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_every_shipped_role_passes_ansible_lint_production(tmp_path: Path) -> None:
    roles = playbooks_dir() / "roles"
    assert sorted(p.name for p in roles.iterdir()) == SHIPPED
    lint = subprocess.run(
        [str(BIN / "ansible-lint"), "--offline", "--profile", "production", "-f", "pep8", "roles"],
        cwd=roles.parent,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ANSIBLE_HOME": str(tmp_path / "ansible-home"), "NO_COLOR": "1"},
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Profile 'production' was required, and it passed" in lint.stderr


def test_a_nodes_short_params_reach_the_role_as_its_prefixed_variables() -> None:
    nginx = role(playbooks_dir() / "roles" / "nginx")
    assert {"worker_connections", "upstream", "sites", "upstreams"} <= nginx.params
    assert not any(name.startswith("nginx_") for name in nginx.params)
    given = {"worker_connections": 1024, "upstream": ["app1"]}
    assert nginx.variables(given) == {"nginx_worker_connections": 1024, "nginx_upstream": ["app1"]}


def test_a_prefix_already_in_a_params_name_is_kept_twice_in_its_variable() -> None:
    service = role(playbooks_dir() / "roles" / "service")
    assert {"service_name", "port", "artifact"} <= service.params
    assert service.variable("service_name") == "service_service_name"
    assert service.variable("port") == "service_port"


def test_a_role_without_a_var_prefix_gets_its_params_as_named() -> None:
    shop_app = role(playbooks_dir() / "roles" / "shop-app")
    assert shop_app.var_prefix == "" and shop_app.variables({"db_host": "db2"}) == {
        "db_host": "db2"
    }


def test_the_contract_check_reads_readbacks_by_short_name_with_a_var_prefix(
    tmp_path: Path,
) -> None:
    from rehearsal.models.role_contract import check_role

    folder = tmp_path / "roles" / "order-api"
    for name, text in {
        "defaults/main.yml": "---\n# port\norder_api_port: 8080\n",
        "tasks/main.yml": (
            '---\n- name: Say\n  ansible.builtin.debug:\n    msg: "{{ order_api_port }}"\n'
        ),
        "tasks/install.yml": "---\n[]\n",
        "meta/rehearsal.yml": "var_prefix: order_api_\nreadback: {port: echo 8080}\n",
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    assert check_role(folder) == []
    assert role(folder).params == frozenset({"port"})
