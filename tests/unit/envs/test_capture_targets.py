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


def test_group_vars_and_host_vars_folders_are_honoured_in_ansibles_order(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "[shop]\napp1 ansible_port=2200\napp2\n[web]\nlb1 ansible_user=inline\n"
        "[shop:vars]\nansible_user=from-inline-group\n"
    )
    (tmp_path / "group_vars" / "shop").mkdir(parents=True)
    (tmp_path / "group_vars" / "all.yml").write_text("ansible_user: everyone\nansible_port: 2022\n")
    (tmp_path / "group_vars" / "shop" / "ssh.yml").write_text(
        "ansible_user: deploy\nansible_ssh_private_key_file: keys/shop\n"
    )
    (tmp_path / "group_vars" / "shop" / "notes.txt").write_text("not: [vars")  # not a vars file
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / "app1.yaml").write_text("---\nansible_host: 10.0.0.2\n")
    (tmp_path / "host_vars" / "lb1").write_text("# nothing here yet\n")
    found = {t.name: t for t in from_inventory(inventory)}
    app1, app2, lb1 = found["app1"], found["app2"], found["lb1"]
    # the file's host var beats group_vars; host_vars beats the file's host vars
    assert (app1.host, app1.port, app1.user) == ("10.0.0.2", 2200, "deploy")
    assert app1.key_file == tmp_path / "keys" / "shop"
    # group_vars/shop/ beats the file's [shop:vars] and group_vars/all
    assert (app2.host, app2.port, app2.user) == ("app2", 2022, "deploy")
    assert (lb1.port, lb1.user) == (2022, "inline")


def test_a_vars_file_that_does_not_parse_is_refused_at_file_line_col(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[shop]\napp1\n")
    (tmp_path / "host_vars").mkdir()
    bad = tmp_path / "host_vars" / "app1.yml"
    bad.write_text("ansible_host: 10.0.0.2\nansible_port: [22\n")
    with pytest.raises(InvalidInput) as refused:
        from_inventory(inventory)
    [problem] = refused.value.problems
    assert (problem.file, problem.line) == (str(bad), 3), problem
    assert problem.message.startswith("YAML syntax error")
    assert "fix this vars file" in problem.message
