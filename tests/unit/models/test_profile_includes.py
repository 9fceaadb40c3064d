"""Profiles built from shared fragments and a customer overlay: merge rules, problems
reported in the file that has to change, include cycles, and the model's cross-checks
(service dependencies, jobs, probes on nodes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rehearsal.errors import InvalidInput
from rehearsal.models.loading import load_profile
from tests.conftest import EXAMPLES

OVERLAY = EXAMPLES / "webshop" / "profile-overlay.yaml"


def _problems(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    return [str(problem) for problem in caught.value.problems]


def test_overlay_merges_maps_by_key_and_named_items_by_name() -> None:
    profile = load_profile(OVERLAY)
    assert profile.customer.name == "Acme Retail"  # from the base
    assert profile.customer.account_manager.startswith("A. Mori")  # type: ignore[union-attr]
    lb1 = profile.node("lb1")
    assert lb1.role == "nginx" and lb1.params["upstream"] == ["app1"]
    assert lb1.resources.cpus == 0.5 and lb1.resources.memory == "256m"
    db1 = profile.node("db1")
    assert db1.params == {
        "max_connections": 120,
        "shared_buffers": "128MB",
        "db_name": "shop",
        "db_user": "shop",
        "db_password": "shop-secret",
    }
    assert [node.name for node in profile.nodes] == ["lb1", "app1", "app2", "db1", "cache1"]
    checkout = profile.business.services[0]
    assert checkout.probe == "shop-http" and checkout.depends_on == ["catalogue"]
    assert "app-failover-to-standby" in profile.runbooks
    assert {p.kind for p in profile.probes} == {"http", "sql", "command", "log"}


def test_a_problem_in_an_included_file_names_that_file(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "webshop" / "profile.yaml", tmp_path / "base.yaml")
    base = tmp_path / "base.yaml"
    base.write_text(base.read_text().replace("role: nginx", "role: ngnix", 1))
    overlay = tmp_path / "acme.yaml"
    overlay.write_text("include: [base.yaml]\nnodes:\n  - {name: app1, params: {pool_sise: 3}}\n")
    problems = _problems(overlay)
    assert any(p.startswith(f"{base}:16:") and "'ngnix'" in p for p in problems), problems
    assert any(p.startswith(f"{overlay}:3:") and "pool_sise" in p for p in problems), problems


def test_an_include_cycle_names_every_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("customer: {name: A}\ninclude: [b.yaml]\n")
    (tmp_path / "b.yaml").write_text("# b\ninclude:\n  - c.yaml\n")
    (tmp_path / "c.yaml").write_text("include: [a.yaml]\n")
    [problem] = _problems(tmp_path / "a.yaml")
    assert "include cycle" in problem
    assert f"{tmp_path / 'a.yaml'}:2 includes b.yaml" in problem
    assert f"{tmp_path / 'b.yaml'}:3 includes c.yaml" in problem
    assert f"{tmp_path / 'c.yaml'}:1 includes a.yaml" in problem


def test_a_file_including_itself_is_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("include: [a.yaml]\n")
    [problem] = _problems(tmp_path / "a.yaml")
    assert problem.startswith(f"{tmp_path / 'a.yaml'}:1:") and "include cycle" in problem


def test_a_missing_include_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("customer: {name: A}\ninclude:\n  - nowhere.yaml\n")
    [problem] = _problems(tmp_path / "a.yaml")
    assert problem.startswith(f"{tmp_path / 'a.yaml'}:3:") and "not found" in problem


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        (
            "jobs:\n  - {name: j, say: x, schedule: daily, on: db9}\n",
            "unknown node 'db9'",
        ),
        (
            "  - {name: p, command: {on: app9, run: 'true'}}\n",
            "unknown node 'app9'",
        ),
    ],
)
def test_jobs_and_probes_name_existing_nodes(tmp_path: Path, addition: str, expected: str) -> None:
    text = (EXAMPLES / "webshop" / "profile.yaml").read_text()
    if addition.startswith("  -"):  # one more probe: the probes list ends before runbooks
        text = text.replace("runbooks:", addition + "runbooks:", 1)
    else:
        text += addition
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    assert any(expected in problem for problem in _problems(path))


def _with_services(tmp_path: Path, services: str) -> Path:
    path = tmp_path / "profile.yaml"
    base = (EXAMPLES / "webshop" / "profile.yaml").read_text()
    start = base.index("  services:")
    end = base.index("nodes:")
    path.write_text(base[:start] + "  services:\n" + services + base[end:])
    return path


def test_service_dependencies_must_exist_and_not_go_round(tmp_path: Path) -> None:
    services = (
        "    - {name: a, impact: x, probe: shop-http, depends_on: [b]}\n"
        "    - {name: b, impact: x, probe: shop-http, depends_on: [c]}\n"
        "    - {name: c, impact: x, probe: shop-http, depends_on: [a, z]}\n"
    )
    problems = _problems(_with_services(tmp_path, services))
    assert any("unknown service 'z'" in p for p in problems), problems
    cycles = [p for p in problems if "in a circle: a -> b -> c -> a" in p]
    assert len(cycles) == 1 and ":11:" in cycles[0], problems


def test_duplicate_services_are_refused(tmp_path: Path) -> None:
    one = "    - {name: a, impact: x, probe: shop-http}\n"
    services = one + one
    problems = _problems(_with_services(tmp_path, services))
    assert any(":12:" in p and "'a' is defined more than once" in p for p in problems), problems


def test_resources_must_be_sizes() -> None:
    from pydantic import ValidationError

    from rehearsal.models.profile import Resources

    with pytest.raises(ValidationError):
        Resources(memory="lots")
    with pytest.raises(ValidationError):
        Resources(cpus=0)
