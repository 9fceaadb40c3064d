"""The shipped mariadb role: its ``params_schema`` makes a param of the wrong shape a validate
error at its own FILE:LINE:COL saying what to give (lists of accounts and databases, sizes, the
node it replicates from), and its meta says what the fidelity check reads back."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import InvalidInput
from rehearsal.models.catalog import role
from rehearsal.models.loading import load_profile, playbooks_dir
from rehearsal.models.role_contract import check_role
from tests.conftest import EXAMPLES

PROFILE = """\
customer: {{name: Billing}}
business: {{targets: {{rto: 1m}}}}
nodes:
  - name: db1
    role: mariadb
    networks: [db]
    params:
{params}
  - {{name: db2, role: mariadb, networks: [db], params: {{replicate_from: db1}}}}
networks: [{{name: db}}]
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _problems(tmp_path: Path, params: str) -> list[str]:
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE.format(params=params))
    with pytest.raises(InvalidInput) as caught:
        load_profile(path)
    return [str(problem).removeprefix(f"{path}:") for problem in caught.value.problems]


def test_the_mariadb_example_and_its_shapes_are_valid() -> None:
    profile = load_profile(EXAMPLES / "products" / "mariadb" / "profile.yaml")
    assert [node.params.get("replicate_from") for node in profile.nodes] == [None, "db1"]


def test_an_account_without_a_name_is_an_error_at_its_entry(tmp_path: Path) -> None:
    params = "      users:\n        - {name: billing, password: s3cret}\n        - {password: x}"
    assert _problems(tmp_path, params) == [
        "10:11: users[1] must contain ['name'] properties; give a list of {name, password, host}"
        " mappings, e.g. [{name: billing, password: s3cret}]"
    ]


def test_a_misspelt_key_of_a_database_is_an_error_at_the_key_with_a_suggestion(
    tmp_path: Path,
) -> None:
    params = "      databases:\n        - {name: billing, ownr: billing}"
    assert _problems(tmp_path, params) == [
        "9:27: unknown key 'ownr' in databases[0]; did you mean 'owner'?"
    ]


def test_a_size_and_a_number_of_the_wrong_shape_say_what_to_give(tmp_path: Path) -> None:
    params = "      innodb_buffer_pool_size: lots\n      max_connections: '80'"
    assert _problems(tmp_path, params) == [
        "8:7: innodb_buffer_pool_size must match pattern ^[0-9]+[KMGkmg]?$; give a size in bytes,"
        " or with K, M or G (128M)",
        "9:7: max_connections must be integer; give a number of connections",
    ]


def test_a_replica_of_an_unknown_node_is_an_error_with_the_node_meant(tmp_path: Path) -> None:
    assert _problems(tmp_path, "      replicate_from: db3") == [
        "8:7: replicate_from: unknown node 'db3'; did you mean 'db2'? (give a node of this profile)"
    ]


def test_the_mariadb_role_maps_short_params_and_reads_back_what_the_fidelity_check_compares() -> (
    None
):
    mariadb = role(playbooks_dir() / "roles" / "mariadb")
    assert mariadb.versions == {"10.11": "1:10.11.*"} and mariadb.default_version == "10.11"
    assert mariadb.package == "mariadb-server" and mariadb.path_params == ("init_sql",)
    assert {"max_connections", "innodb_buffer_pool_size", "replicate_from"} <= set(mariadb.readback)
    assert mariadb.variable("replicate_from") == "mariadb_replicate_from"
    assert set(mariadb.params_schema) <= mariadb.params
    assert check_role(mariadb.folder) == []
