"""Which servers capture reads: USER@HOST[:PORT] words, and Ansible inventories read by
Ansible's own parsers (groups and host vars as Ansible combines them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.envs.capture_targets import Target, from_inventory, from_words
from rehearsal.errors import InvalidInput, RunRefused


def test_words_give_user_host_and_port_with_root_and_22_left_out() -> None:
    assert from_words(["10.0.0.5", "admin@db1:2222"]) == [
        Target("10.0.0.5", "10.0.0.5", "root", 22),
        Target("db1:2222", "db1", "admin", 2222),
    ]
    with pytest.raises(RunRefused, match="'admin@' is not a host; write USER@HOST"):
        from_words(["admin@"])


def test_an_ini_inventory_gives_groups_and_group_vars_under_host_vars(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts"
    inventory.write_text(
        "[web]\nlb1 ansible_host=10.0.0.1 ansible_user=admin\n"
        "[shop]\napp1 ansible_host=10.0.0.2 ansible_port=2222\nlb1\n"
        "[shop:vars]\nansible_user=deploy\nansible_ssh_private_key_file=keys/shop\n"
    )
    found = {t.name: t for t in from_inventory(inventory)}
    assert found["lb1"].groups == ("shop", "web")
    assert found["lb1"].user == "admin"  # the host's own var wins over its group's
    assert (found["app1"].host, found["app1"].port, found["app1"].user) == (
        "10.0.0.2",
        2222,
        "deploy",
    )
    assert found["app1"].key_file == tmp_path / "keys" / "shop"
    assert found["app1"].named


def test_a_yaml_inventory_gives_the_same(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    web:\n      hosts:\n        lb1: {ansible_host: 10.0.0.1}\n"
        "    shop:\n      vars: {ansible_user: deploy}\n      hosts:\n        app1:\n"
        "          ansible_port: 2222\n"
    )
    found = {t.name: t for t in from_inventory(inventory)}
    assert (found["lb1"].host, found["lb1"].groups) == ("10.0.0.1", ("web",))
    assert (found["app1"].host, found["app1"].user, found["app1"].port) == ("app1", "deploy", 2222)


def test_an_inventory_that_does_not_parse_is_refused_at_file_line_col(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    lb1: {ansible_host: 10.0.0.1\n")
    with pytest.raises(InvalidInput) as refused:
        from_inventory(inventory)
    problem = refused.value.problems[0]
    assert (problem.file, problem.line) == (str(inventory), 4)
    assert "YAML parsing failed" in problem.message and "ansible-inventory -i" in problem.message
