"""Profile nodes on lab hosts: paths resolved from the profile's folder, Ansible told the
host's own login and host-key policy, and bad placements refused with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.envs.ansible import HostVars, SshLogin, inventory
from rehearsal.errors import InvalidInput
from rehearsal.models.loading import load_profile

PROFILE = """\
customer: {name: Lab}
business: {targets: {rto: 1m}}
nodes:
  - {name: web1, role: nginx, networks: [front]}
  - name: db1
    role: postgresql
    networks: [front]
    lab_host: {address: 10.1.2.30, user: ops, key_file: keys/db1, host_keys: accept-new}
networks: [{name: front}]
"""


def test_key_and_known_hosts_files_are_found_from_the_profiles_folder(tmp_path: Path) -> None:
    (tmp_path / "profile.yaml").write_text(PROFILE)
    host = load_profile(tmp_path / "profile.yaml").node("db1").lab_host
    assert host is not None
    assert host.key_file == str(tmp_path / "keys" / "db1")
    assert host.known_hosts == str(Path.home() / ".ssh" / "known_hosts")
    assert load_profile(tmp_path / "profile.yaml").node("web1").lab_host is None


def test_ansible_logs_in_to_a_lab_host_as_the_profile_says_and_checks_its_key() -> None:
    login = SshLogin("ops", 2222, Path("/k/db1"), Path("/kh"), "strict")
    hosts = [
        HostVars("web1", "172.20.0.10", "nginx", "", {}),
        HostVars("db1", "10.1.2.30", "postgresql", "15", {}, login),
    ]
    found = inventory(hosts, Path("/run/key"))["all"]["hosts"]
    assert found["web1"]["ansible_ssh_private_key_file"] == "/run/key"
    assert found["web1"]["ansible_user"] == "root"
    assert "ansible_host_key_checking" not in found["web1"]
    db = found["db1"]
    assert (db["ansible_user"], db["ansible_port"], db["ansible_become"]) == ("ops", 2222, True)
    assert db["ansible_ssh_private_key_file"] == "/k/db1"
    assert db["ansible_host_key_checking"] is True
    assert "StrictHostKeyChecking=yes -o UserKnownHostsFile=/kh" in db["ansible_ssh_common_args"]
    assert "StrictHostKeyChecking=no" not in db["ansible_ssh_args"]


def test_an_agent_login_names_no_key_file_and_off_checks_no_host_key() -> None:
    variables = SshLogin("root", 22, None, Path("/kh"), "off").variables()
    assert "ansible_ssh_private_key_file" not in variables
    assert "ansible_become" not in variables and "ansible_host_key_checking" not in variables
    accept = SshLogin("root", 22, None, Path("/kh"), "accept-new").variables()
    assert "StrictHostKeyChecking=accept-new" in accept["ansible_ssh_common_args"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("host_keys: accept-new", "host_keys: maybe"),
        ("address: 10.1.2.30", "address: 'a b'"),
        ("user: ops", "user: 'Ops Team'"),
    ],
)
def test_bad_lab_host_fields_are_refused_with_their_line(
    tmp_path: Path, change: str, message: str
) -> None:
    (tmp_path / "profile.yaml").write_text(PROFILE.replace(change, message))
    with pytest.raises(InvalidInput) as raised:
        load_profile(tmp_path / "profile.yaml")
    assert "profile.yaml:8:" in str(raised.value) and "lab_host" in str(raised.value)
