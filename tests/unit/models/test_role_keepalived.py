"""A role's `params_schema`: a node's param of the wrong shape is a validate error at its own
line, saying what to give; keepalived's virtual IP must be a free address of a subnet of the
node's networks; an own role's schema for an undeclared param, or one that is no JSON Schema,
breaks the role's contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import InvalidInput
from rehearsal.models.catalog import role
from rehearsal.models.loading import load_profile, playbooks_dir
from rehearsal.models.role_contract import check_role
from tests.conftest import EXAMPLES

KEEPALIVED = EXAMPLES / "products" / "keepalived" / "profile.yaml"
PROFILE = """\
customer: {{name: Pair}}
business: {{targets: {{rto: 1m}}}}
nodes:
  - name: lb1
    role: keepalived
    networks: [front]
    params:
      virtual_ip: {vip}
      state: {state}
      priority: {priority}
      track_script:
        command: pidof nginx
        interval: {interval}
  - {{name: lb2, role: keepalived, networks: [front], params: {{virtual_ip: 10.31.1.100}}}}
networks: [{network}]
"""
GOOD = {
    "vip": "10.31.1.100",
    "state": "MASTER",
    "priority": 150,
    "interval": 1,
    "network": "{name: front, subnet: 10.31.1.0/24}",
}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _problems(tmp_path: Path, **changed: object) -> list[str]:
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE.format(**(GOOD | changed)))
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_keepalived_example_and_a_good_pair_are_valid(tmp_path: Path) -> None:
    assert load_profile(KEEPALIVED).node("lb1").params["state"] == "MASTER"
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE.format(**GOOD))
    assert load_profile(path).node("lb2").params == {"virtual_ip": "10.31.1.100"}


@pytest.mark.parametrize(
    ("changed", "line", "expected"),
    [
        (
            {"state": "master"},
            9,
            "state must be one of ['MASTER', 'BACKUP']; give MASTER or BACKUP, in capitals",
        ),
        ({"priority": 300}, 10, "priority must be smaller than or equal to 254; give a whole"),
        ({"priority": '"high"'}, 10, "priority must be integer; give a whole"),
        (
            {"interval": '"1s"'},
            13,
            "track_script.interval must be integer; give whole seconds",
        ),
        ({"vip": "10.31.1"}, 8, "virtual_ip: '10.31.1' is not an IPv4 address such as"),
        (
            {"vip": "10.99.0.5"},
            8,
            "virtual_ip: 10.99.0.5 is in no subnet of node 'lb1''s networks (front "
            "10.31.1.0/24); pick an address in one of them",
        ),
        (
            {"vip": "10.31.1.11"},
            8,
            "virtual_ip: 10.31.1.11 is node lb2's address on network 'front'; pick another one "
            "in 10.31.1.0/24 (10.31.1.12 and above are free)",
        ),
        ({"vip": "10.31.1.1"}, 8, "virtual_ip: 10.31.1.1 is its gateway's address on network"),
        (
            {"network": "{name: front}"},
            8,
            "virtual_ip: the networks of node 'lb1' (front) have no subnet, so no address on "
            "them is fixed; give the one it is on a `subnet:` (e.g. 10.30.1.0/24)",
        ),
    ],
)
def test_a_param_of_the_wrong_shape_is_an_error_at_its_line(
    tmp_path: Path, changed: dict[str, object], line: int, expected: str
) -> None:
    problems = _problems(tmp_path, **changed)
    assert any(p.startswith(f"{tmp_path / 'profile.yaml'}:{line}:") for p in problems), problems
    assert any(expected in p for p in problems), problems


def test_a_track_script_without_its_command_names_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE.format(**GOOD).replace("command: pidof nginx", "comand: pidof nginx"))
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    messages = sorted(p.message for p in caught.value.problems)
    assert {p.line for p in caught.value.problems} == {11}
    assert messages == [
        "track_script must contain ['command'] properties; give a mapping {command, interval, "
        "fall, rise, weight}, e.g. {command: pidof nginx}"
    ]


def test_keepalived_declares_its_capability_schemas_and_readbacks() -> None:
    keepalived = role(playbooks_dir() / "roles" / "keepalived")
    assert keepalived.capabilities == ("NET_ADMIN",)
    assert set(keepalived.params_schema) <= keepalived.params
    assert set(keepalived.readback) == {
        "state",
        "priority",
        "virtual_router_id",
        "virtual_ip",
        "advert_int",
    }
    assert keepalived.variable("virtual_ip") == "keepalived_virtual_ip"
    assert check_role(keepalived.folder) == []
