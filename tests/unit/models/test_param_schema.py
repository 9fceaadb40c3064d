"""A role's `params_schema`: a param of the wrong shape is a validate error at the wrong value's
own line (inside a list too), saying what to give; a schema that is no JSON Schema, or is for
a param the role does not declare, breaks the role's contract at its line in meta."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rehearsal.cli.role_scaffold import write_role
from rehearsal.errors import InvalidInput
from rehearsal.models.catalog import role
from rehearsal.models.loading import load_profile, playbooks_dir
from rehearsal.models.role_contract import check_role

SCHEMA = """\
params_schema:
  order_api_port: {type: integer, minimum: 1, maximum: 65535, description: "a TCP port, 1 to 65535"}
  order_api_greeting: {type: string, maxLength: 20}
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _role(tmp_path: Path, schema: str = SCHEMA) -> Path:
    folder = write_role("order-api", tmp_path / "roles")
    meta = folder / "meta" / "rehearsal.yml"
    meta.write_text(meta.read_text().replace("readback:", schema + "readback:"))
    return folder


def _problems(tmp_path: Path, params: str) -> list[str]:
    path = tmp_path / "profile.yaml"
    path.write_text(
        "customer: {name: Shapes}\n"
        "business: {targets: {rto: 1m}}\n"
        "nodes:\n"
        "  - name: api1\n"
        "    role: order-api\n"
        "    networks: [app]\n"
        f"    params:\n{params}"
        "networks: [{name: app}]\n"
    )
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    return [str(problem) for problem in caught.value.problems]


def test_a_param_of_the_wrong_type_is_an_error_at_its_line_saying_what_to_give(
    tmp_path: Path,
) -> None:
    _role(tmp_path)
    [problem] = _problems(tmp_path, "      order_api_greeting: hi\n      order_api_port: lots\n")
    assert problem.startswith(f"{tmp_path / 'profile.yaml'}:9:7: role 'order-api': param ")
    assert "order_api_port: 'lots' is not of type 'integer'; give a TCP port, 1 to 65535" in problem


def test_a_param_out_of_range_is_an_error_too(tmp_path: Path) -> None:
    _role(tmp_path)
    [problem] = _problems(tmp_path, "      order_api_port: 70000\n")
    assert ":8:7: " in problem and "70000 is greater than the maximum of 65535" in problem


def test_a_wrong_item_of_a_list_param_is_an_error_at_the_items_line(tmp_path: Path) -> None:
    schema = "params_schema:\n  order_api_greeting: {type: array, items: {type: string}}\n"
    _role(tmp_path, schema)
    [problem] = _problems(tmp_path, "      order_api_greeting:\n        - hello\n        - 3\n")
    assert ":10:11: " in problem and "param order_api_greeting[1]: 3 is not of type" in problem


def test_a_param_the_schema_accepts_validates(tmp_path: Path) -> None:
    _role(tmp_path)
    path = tmp_path / "profile.yaml"
    _problems(tmp_path, "      order_api_port: lots\n")
    path.write_text(path.read_text().replace("lots", "8181"))
    assert load_profile(path).nodes[0].params == {"order_api_port": 8181}


def test_a_schema_for_an_undeclared_param_or_no_json_schema_breaks_the_contract(
    tmp_path: Path,
) -> None:
    schema = "params_schema:\n  order_api_port: {type: integr}\n  workers: {type: integer}\n"
    folder = _role(tmp_path, schema)
    meta = folder / "meta" / "rehearsal.yml"
    wrong, undeclared = sorted(check_role(folder), key=lambda p: p.line)
    assert (wrong.file, wrong.line, wrong.column) == (str(meta), 8, 3)
    assert (
        "params_schema 'order_api_port': not a JSON Schema: 'integr' is not valid" in wrong.message
    )
    assert undeclared.line == 9
    assert "params_schema 'workers' is for a param role 'order-api' does not declare" in (
        undeclared.message
    )


def test_every_shipped_roles_defaults_have_the_shape_its_schema_asks_for() -> None:
    from rehearsal.models.param_schema import Validator

    checked = 0
    for folder in sorted((playbooks_dir() / "roles").iterdir()):
        info = role(folder)
        defaults = yaml.safe_load((folder / "defaults" / "main.yml").read_text())
        for name, schema in info.params_schema.items():
            value = defaults[info.variable(name)]
            if isinstance(value, str) and "{{" in value:
                continue  # worked out by Ansible from another param
            assert Validator(schema).is_valid(value), (folder.name, name, value)
            checked += 1
    assert checked > 0
