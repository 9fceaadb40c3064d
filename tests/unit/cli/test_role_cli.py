"""`rehearsal role new` writes a role that passes ansible-lint's production profile (a real,
offline run) and `rehearsal role check`; `role check` reports each contract break at
FILE:LINE and exits 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _rehearsal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rehearsal", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_role_new_writes_a_role_that_role_check_and_ansible_lint_pass(tmp_path: Path) -> None:
    made = _rehearsal("role", "new", "order-api", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    role = tmp_path / "roles" / "order-api"
    checked = _rehearsal("role", "check", str(role), cwd=tmp_path)
    assert (checked.returncode, checked.stdout.strip()) == (
        0,
        "ok: role 'order-api' keeps the contract",
    )
    lint = subprocess.run(
        [str(BIN / "ansible-lint"), "--offline", "--profile", "production", "roles/order-api"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ANSIBLE_HOME": str(tmp_path / "ansible-home")},
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Profile 'production' was required, and it passed" in lint.stderr


def test_role_new_refuses_a_role_already_there(tmp_path: Path) -> None:
    assert _rehearsal("role", "new", "order-api", cwd=tmp_path).returncode == 0
    again = _rehearsal("role", "new", "order-api", cwd=tmp_path)
    assert again.returncode == 2 and "a role is already there" in again.stderr


def test_role_check_reports_each_break_at_its_line_and_exits_1(tmp_path: Path) -> None:
    assert _rehearsal("role", "new", "order-api", "--dir", "own", cwd=tmp_path).returncode == 0
    role = tmp_path / "own" / "order-api"
    meta = role / "meta" / "rehearsal.yml"
    meta.write_text(meta.read_text() + '  order_api_port: ""\n  order_api_colour: "echo red"\n')
    tasks = role / "tasks" / "main.yml"
    tasks.write_text(
        tasks.read_text()
        + "\n- name: Fetch the client\n  ansible.builtin.get_url:\n"
        + "    url: https://example.com/client\n    dest: /tmp/client\n    mode: '0644'\n"
    )
    checked = _rehearsal("role", "check", str(role), cwd=tmp_path)
    assert checked.returncode == 1
    lines = checked.stderr.splitlines()
    meta_lines = meta.read_text().splitlines()
    task_lines = tasks.read_text().splitlines()
    port = meta_lines.index('  order_api_port: ""') + 1
    colour = port + 1
    fetch = task_lines.index("  ansible.builtin.get_url:") + 1
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{meta.resolve()}:{port}:3",
        f"{meta.resolve()}:{colour}:3",
        f"{tasks.resolve()}:{fetch}:3",
    ]
    assert "readback 'order_api_port' has no command, so it reads nothing" in lines[0]
    assert (
        "readback 'order_api_colour' is for a param role 'order-api' does not declare" in (lines[1])
    )
    assert "'ansible.builtin.get_url' needs the network" in lines[2]
