"""The customer's own roles: found beside the profile, beside a fragment and under
``roles_path`` (relative to the file naming it); a name in two folders is an error naming
both; an own role that breaks the contract is reported at the role's FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.cli.role_scaffold import write_role
from rehearsal.errors import InvalidInput
from rehearsal.models.loading import catalog_of, load_profile, playbooks_dir
from rehearsal.models.role_contract import check_role

PROFILE = """\
customer: {{name: Own Roles}}
business: {{targets: {{rto: 1m}}}}
{extra}nodes:
  - {{name: api1, role: {role}, networks: [app]}}
networks: [{{name: app}}]
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract check's disk cache goes to the test's folder, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _profile(folder: Path, role: str = "order-api", extra: str = "") -> Path:
    path = folder / "profile.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(PROFILE.format(role=role, extra=extra))
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    return [str(problem) for problem in caught.value.problems]


def test_a_role_in_roles_beside_the_profile_is_found_without_being_named(
    tmp_path: Path,
) -> None:
    write_role("order-api", tmp_path / "roles")
    profile = load_profile(_profile(tmp_path))
    assert profile.roles_path == [str((tmp_path / "roles").resolve())]
    catalog = catalog_of(profile)
    assert catalog["order-api"].folder == (tmp_path / "roles" / "order-api").resolve()
    assert "nginx" in catalog  # the shipped roles stay available
    assert catalog.folders[0] == (playbooks_dir() / "roles").resolve()


def test_a_role_beside_an_included_fragment_is_found(tmp_path: Path) -> None:
    write_role("order-api", tmp_path / "shared" / "roles")
    (tmp_path / "shared" / "base.yaml").write_text("customer: {name: Base}\n")
    profile = load_profile(_profile(tmp_path / "site", extra="include: [../shared/base.yaml]\n"))
    found = catalog_of(profile)["order-api"].folder
    assert found == (tmp_path / "shared" / "roles" / "order-api").resolve()


def test_roles_path_is_relative_to_the_file_that_names_it(tmp_path: Path) -> None:
    write_role("order-api", tmp_path / "shared" / "ansible")
    (tmp_path / "shared" / "base.yaml").write_text("roles_path: [ansible]\n")
    profile = load_profile(_profile(tmp_path / "site", extra="include: [../shared/base.yaml]\n"))
    assert profile.roles_path == [str((tmp_path / "shared" / "ansible").resolve())]
    assert "order-api" in catalog_of(profile)


def test_a_roles_path_that_is_not_a_folder_is_reported_at_its_line(tmp_path: Path) -> None:
    path = _profile(tmp_path, role="nginx", extra="roles_path: [missing]\n")
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:3:")
    assert "'missing' is not a folder" in problem


def test_a_role_name_in_two_folders_is_an_error_naming_both(tmp_path: Path) -> None:
    write_role("order-api", tmp_path / "roles")
    write_role("order-api", tmp_path / "more")
    path = _profile(tmp_path, extra="roles_path: [more]\n")
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:5:")
    assert str((tmp_path / "roles" / "order-api").resolve()) in problem
    assert str((tmp_path / "more" / "order-api").resolve()) in problem


def test_an_own_role_with_a_shipped_roles_name_is_an_error_naming_both(tmp_path: Path) -> None:
    write_role("nginx", tmp_path / "roles")
    [problem] = _problems(_profile(tmp_path, role="nginx"))
    assert str((playbooks_dir() / "roles" / "nginx").resolve()) in problem
    assert str((tmp_path / "roles" / "nginx").resolve()) in problem


def test_an_unknown_role_says_where_roles_are_looked_for(tmp_path: Path) -> None:
    [problem] = _problems(_profile(tmp_path, role="order-api"))
    assert "unknown role 'order-api'" in problem and "rehearsal role new" in problem


def test_an_own_role_missing_a_required_file_is_reported_naming_the_file(
    tmp_path: Path,
) -> None:
    role = write_role("order-api", tmp_path / "roles")
    (role / "tasks" / "install.yml").unlink()
    [problem] = _problems(_profile(tmp_path))
    assert problem.startswith(f"{(role / 'tasks' / 'install.yml').resolve()}:1:1:")
    assert "has no tasks/install.yml" in problem


def test_a_param_declared_twice_is_reported_at_the_second(tmp_path: Path) -> None:
    role = write_role("order-api", tmp_path / "roles")
    defaults = role / "defaults" / "main.yml"
    defaults.write_text(defaults.read_text() + "order_api_port: 9090\n")
    [problem] = _problems(_profile(tmp_path))
    assert problem.startswith(f"{defaults.resolve()}:7:1:")
    assert "'order_api_port' is declared twice (first at line 4)" in problem


def test_a_params_schema_for_an_undeclared_param_or_not_a_schema_is_reported(
    tmp_path: Path,
) -> None:
    role = write_role("order-api", tmp_path / "roles")
    meta = role / "meta" / "rehearsal.yml"
    lines = len(meta.read_text().splitlines())
    meta.write_text(
        meta.read_text()
        + "params_schema:\n  routes: {type: array}\n  order_api_port: {type: bogus}\n"
    )
    problems = _problems(_profile(tmp_path))
    assert problems == [
        f"{meta.resolve()}:{lines + 2}:3: params_schema 'routes' is for a param the role does "
        "not declare; declare it in defaults/main.yml or drop the schema",
        f"{meta.resolve()}:{lines + 3}:3: params_schema 'order_api_port': "
        "not a JSON Schema: Unknown type",
    ]


def test_an_undeclared_variable_in_a_template_is_reported_at_its_line(tmp_path: Path) -> None:
    role = write_role("order-api", tmp_path / "roles")
    template = role / "templates" / "order-api.conf.j2"
    template.write_text(template.read_text() + "workers={{ order_api_workers }}\n")
    [problem] = _problems(_profile(tmp_path))
    assert problem.startswith(f"{template.resolve()}:4:")
    assert "variable 'order_api_workers' is used but role 'order-api' does not declare" in problem


def test_an_undeclared_variable_in_a_task_is_reported_at_its_line(tmp_path: Path) -> None:
    role = write_role("order-api", tmp_path / "roles")
    tasks = role / "tasks" / "main.yml"
    tasks.write_text(
        tasks.read_text()
        + '\n- name: Say\n  ansible.builtin.debug:\n    msg: "{{ shout | upper }}"\n'
        + "  when: loud_mode\n"
    )
    problems = _problems(_profile(tmp_path))
    lines = tasks.read_text().splitlines()
    at = {p.split(":")[1] for p in problems}
    assert at == {str(lines.index('    msg: "{{ shout | upper }}"') + 1), str(len(lines))}
    assert all("does not declare" in p for p in problems)


def test_variables_tasks_make_and_ansibles_own_are_declared(tmp_path: Path) -> None:
    role = write_role("order-api", tmp_path / "roles")
    tasks = role / "tasks" / "main.yml"
    tasks.write_text(
        tasks.read_text()
        + "\n- name: Facts\n  ansible.builtin.set_fact:\n    order_api_made: 1\n"
        + "- name: Loop\n  ansible.builtin.debug:\n"
        + '    msg: "{{ order_api_made }} {{ entry }} {{ inventory_hostname }}"\n'
        + "  failed_when: ansible_facts is undefined\n"
        + "  loop: [1]\n  loop_control: {loop_var: entry}\n"
        + "  vars: {order_api_local: 2}\n"
    )
    assert load_profile(_profile(tmp_path)).nodes[0].role == "order-api"


def test_the_shipped_roles_keep_the_contract() -> None:
    from rehearsal.models.role_contract import check_role

    for folder in sorted((playbooks_dir() / "roles").iterdir()):
        assert check_role(folder.resolve()) == [], folder.name


def test_the_contract_check_is_cached_by_the_roles_content(tmp_path: Path) -> None:
    from rehearsal.models.role_contract import check_role

    role = write_role("order-api", tmp_path / "roles")
    assert check_role(role) == []
    assert len(list((tmp_path / "cache" / "rehearsal" / "role-checks").iterdir())) == 1
    template = role / "templates" / "order-api.conf.j2"
    template.write_text(template.read_text() + "{{ order_api_workers }}\n")
    [problem] = check_role(role)
    assert "'order_api_workers'" in problem.message
    assert len(list((tmp_path / "cache" / "rehearsal" / "role-checks").iterdir())) == 2


def test_a_misspelt_recognise_key_is_a_problem_at_its_line(tmp_path: Path) -> None:
    role = tmp_path / "acme"
    for part in ("defaults", "meta", "tasks"):
        (role / part).mkdir(parents=True)
    (role / "defaults" / "main.yml").write_text("---\n# Port.\nacme_port: 80\n")
    (role / "tasks" / "main.yml").write_text("---\n[]\n")
    (role / "tasks" / "install.yml").write_text("---\n[]\n")
    meta = role / "meta" / "rehearsal.yml"
    meta.write_text("---\nrecognise:\n  binary: /opt/acme\n  pakages: [acme]\n")
    assert [str(p) for p in check_role(role)] == [
        f"{meta}:4:3: recognise: 'pakages' is not evidence capture looks for; give packages, "
        "binary, service"
    ]
