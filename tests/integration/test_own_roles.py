"""A customer's own role, as `rehearsal role new` writes it beside a profile, for real: baked
into a cached image, converged without network, serving, back after a container restart,
and read back by the fidelity check."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.mirror import Mirror
from rehearsal.envs.roles import RoleImage
from rehearsal.scenarios.faults import FAULTS
from tests.integration.conftest import converged, eventually

pytestmark = pytest.mark.docker

PROFILE = """\
customer: {name: Own Role Test}
business:
  targets: {rto: 1m}
nodes:
  - name: api1
    role: order-api
    networks: [app]
    params: {order_api_port: 8181, order_api_greeting: orders are open}
networks:
  - {name: app, internal: true}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    """A profile in a temporary folder whose only node runs a role made by `role new`."""
    folder = tmp_path_factory.mktemp("own-roles")
    subprocess.run(
        [sys.executable, "-m", "rehearsal", "role", "new", "order-api"],
        cwd=folder,
        check=True,
        timeout=60,
    )
    profile = folder / "profile.yaml"
    profile.write_text(PROFILE)
    run_id = f"own-roles-test-{secrets.token_hex(3)}"
    run_dir = folder / "runs" / run_id
    with converged(profile, run_dir) as mirror:
        yield mirror


def _sh(mirror: Mirror, script: str) -> str:
    assert mirror.env is not None
    result = mirror.env.exec("api1", ["sh", "-c", script], 10)
    assert result.ok, result.output
    return result.output.strip()


def _answer(mirror: Mirror) -> str:
    assert mirror.env is not None
    result = mirror.env.exec("api1", ["curl", "-fsS", "http://127.0.0.1:8181/"], 10)
    return result.output.strip() if result.ok else f"no answer: {result.output}"


def test_the_own_role_is_baked_into_an_image_of_its_own(built: Mirror) -> None:
    assert built.env is not None
    folder = built.catalog["order-api"].folder
    assert folder == built.run_dir.parents[1].resolve() / "roles" / "order-api"
    images = built.client.images.list(filters={"label": "rehearsal.role=order-api"})
    tags = [tag for image in images for tag in image.tags]
    base = str(built.client.images.get(BASE_IMAGE).id)
    assert RoleImage("order-api", "", folder).tag(base) in tags
    assert _sh(built, "test -x /usr/local/bin/order-api-server && command -v curl")


def test_the_own_roles_service_answers_with_the_profiles_greeting(built: Mirror) -> None:
    assert _answer(built) == "orders are open"


def test_the_fidelity_check_reads_the_greeting_back_from_the_service(built: Mirror) -> None:
    facts = [fact for fact in built.check_fidelity() if fact.aspect == "param"]
    assert [(f.name, f.actual, f.matches) for f in facts] == [
        ("order_api_greeting", "orders are open", True)
    ]


def test_the_service_is_back_after_the_container_restarts(built: Mirror) -> None:
    assert built.env is not None
    restart = FAULTS["container.restart"]
    fault = restart(
        restart.Spec.model_validate({"type": "container.restart", "target": "api1", "grace": 1}),
        built.env,
    )
    fault.inject()
    assert eventually(fault.is_injected, 30)
    assert eventually(lambda: _answer(built) == "orders are open", 30), _answer(built)


def test_images_ls_with_the_profile_counts_the_own_roles_image_as_current(
    built: Mirror,
) -> None:
    """The image may have been baked from an earlier copy of the role (same files, another
    folder): with ``--profile`` it is judged by this profile's role."""
    from typer.testing import CliRunner

    from rehearsal.cli.app import app

    folder = built.catalog["order-api"].folder
    tag = RoleImage("order-api", "", folder).tag(str(built.client.images.get(BASE_IMAGE).id))
    profile = str(built.run_dir.parents[1] / "profile.yaml")
    listed = CliRunner().invoke(app, ["images", "ls", "--profile", profile], env={"COLUMNS": "400"})
    assert listed.exit_code == 0, listed.output
    [row] = [line for line in listed.output.splitlines() if tag in line]
    assert "current" in row
    assert "order-api" in built.client.images.get(tag).labels["rehearsal.role-folder"]


def test_a_custom_playbook_fault_can_use_the_profiles_own_role(
    built: Mirror, tmp_path: Path
) -> None:
    """The fault stops the service; its revert includes the own role (found through the
    profile's role folders), which starts it again."""
    from rehearsal.scenarios.faults.targeting import place

    assert built.env is not None
    role = "{name: order-api, tasks_from: main, handlers_from: main}"
    (tmp_path / "stop.yml").write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - name: Stop the service\n      ansible.builtin.command: /etc/init.d/order-api stop\n"
        "      changed_when: true\n"
    )
    (tmp_path / "start.yml").write_text(
        "- hosts: all\n  gather_facts: false\n"
        "  vars: {order_api_port: 8181, order_api_greeting: orders are open}\n  tasks:\n"
        f"    - name: Converge the own role\n      ansible.builtin.include_role: {role}\n"
    )
    custom = FAULTS["custom.playbook"]
    spec = custom.Spec.model_validate(
        {
            "type": "custom.playbook",
            "target": "api1",
            "inject": str(tmp_path / "stop.yml"),
            "revert": str(tmp_path / "start.yml"),
        }
    )
    fault = custom(spec, built.env, place(spec, built.profile))
    fault.inject()
    assert _answer(built).startswith("no answer")
    fault.revert()
    assert _answer(built) == "orders are open"
