"""A role's structured params are checked against its `params_schema` at validate time, at
the line of the value that is wrong, with the schema's own words on how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import InvalidInput, Problem
from rehearsal.models.loading import load_profile
from rehearsal.models.param_shapes import schema_problem, shape_failure
from tests.conftest import EXAMPLES

HEAD = """\
customer: {name: Shapes}
business: {targets: {rto: 1m}}
networks: [{name: front}]
nodes:
  - name: lb1
    role: nginx
    networks: [front]
    params:
"""


def _problems(tmp_path: Path, params: str) -> list[Problem]:
    path = tmp_path / "profile.yaml"
    path.write_text(HEAD + params)
    with pytest.raises(InvalidInput) as raised:
        load_profile(path)
    return raised.value.problems


def test_a_site_without_a_server_name_is_an_error_at_the_site(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "      sites:\n"
        "        - {name: shop, server_names: [x.example], locations: [{path: /, return: ok}]}\n"
        "        - {name: admin, locations: [{path: /, return: '200 ok'}]}\n",
    )
    assert [(p.line, p.column) for p in problems] == [(11, 11)]
    assert problems[0].message == (
        "sites[1] must contain ['server_names'] properties; give a site: {name, server_names: "
        "[...], listen: [PORT], tls: {port}, locations: [{path, proxy_pass}]}"
    )


def test_an_upstream_group_with_no_servers_is_an_error_at_its_servers(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "      upstreams:\n        - name: pool\n          servers: []\n",
    )
    assert [(p.line, p.column) for p in problems] == [(11, 11)]
    assert problems[0].message.startswith("upstreams[0].servers must contain at least 1 items")
    assert "; give at least one server (a node name, HOST:PORT" in problems[0].message


def test_a_server_of_the_wrong_shape_is_pointed_at(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "      upstreams:\n        - name: pool\n          servers: [app1, {port: 80}]\n",
    )
    assert [(p.line, p.column) for p in problems] == [(11, 27)]
    assert "upstreams[0].servers[1]" in problems[0].message


def test_params_that_fit_their_schema_load(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(
        HEAD
        + "      upstreams: [{name: pool, servers: [app1, {host: app2, port: 81, backup: true}]}]\n"
        "      sites: [{name: shop, server_names: [_], locations: [{path: /, proxy_pass: pool}]}]\n"
    )
    assert load_profile(path).nodes[0].params["sites"][0]["server_names"] == ["_"]


def test_a_broken_schema_is_told_and_a_missing_key_is_found() -> None:
    assert schema_problem({"type": "bogus"}) == "not a JSON Schema: Unknown type"
    assert schema_problem(["not", "a", "mapping"]) is not None
    profile = load_profile(EXAMPLES / "webshop" / "profile.yaml")
    schema = {"type": "object", "required": ["a"]}
    assert shape_failure("p", schema, {"a": 1}, profile, profile.nodes[0]) is None
