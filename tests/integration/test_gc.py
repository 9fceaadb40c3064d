"""`rehearsal gc` removes what dead runs left, and never touches a live or kept run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.envs import labels as L
from rehearsal.envs.docker import docker_client, remove_run
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.reaper import release, start_reaper

pytestmark = pytest.mark.docker


@pytest.fixture
def client() -> Iterator[object]:
    client = docker_client()
    yield client
    for run_id in ("gc-dead", "gc-alive", "gc-kept"):
        remove_run(client, run_id)


def _dead_owner() -> dict[str, str]:
    child = subprocess.Popen(
        [sys.executable, "-c", "import os; print(os.getpid())"], stdout=subprocess.PIPE, text=True
    )
    pid = int(child.communicate()[0])
    return {L.OWNER_PID: str(pid), L.OWNER_START: "1", L.OWNER_HOST: os.uname().nodename}


def _leave(client: object, run_id: str, owner: dict[str, str], keep: bool = False) -> None:
    labels = {L.RUN: run_id, L.KEEP: "true" if keep else "false", **owner}
    client.networks.create(f"rh-{run_id}", labels=labels)  # type: ignore[attr-defined]
    client.containers.create(
        BASE_IMAGE,
        name=f"rh-{run_id}-n1",  # type: ignore[attr-defined]
        labels=labels,
        network=f"rh-{run_id}",
    )


def _count(client: object, run_id: str) -> int:
    selector = {"label": f"{L.RUN}={run_id}"}
    return len(client.containers.list(all=True, filters=selector)) + len(  # type: ignore[attr-defined]
        client.networks.list(filters=selector)
    )  # type: ignore[attr-defined]


def test_gc_removes_dead_runs_only(client: object) -> None:
    _leave(client, "gc-dead", _dead_owner())
    _leave(client, "gc-alive", L.owner_labels("gc-alive", False, Path(".")))
    _leave(client, "gc-kept", _dead_owner(), keep=True)

    result = CliRunner().invoke(app, ["gc"])
    assert result.exit_code == 0, result.stdout
    assert _count(client, "gc-dead") == 0
    assert _count(client, "gc-alive") == 2
    assert _count(client, "gc-kept") == 2

    result = CliRunner().invoke(app, ["gc", "--include-kept"])
    assert _count(client, "gc-kept") == 0
    assert _count(client, "gc-alive") == 2


def test_the_reaper_removes_a_run_whose_owner_died(client: object, tmp_path: Path) -> None:
    owner = subprocess.Popen(["sleep", "600"])
    labels = {
        L.RUN: "gc-dead",
        L.OWNER_PID: str(owner.pid),
        L.OWNER_HOST: os.uname().nodename,
        L.OWNER_START: L.process_start(owner.pid),
        L.KEEP: "false",
        L.RUN_DIR: str(tmp_path),
    }
    (tmp_path / "ssh").mkdir()
    ansible = tmp_path / "ansible"
    for name in (
        "inventory/hosts.json",
        "env/envvars",
        "artifacts/a1/command",
        "artifacts/a1/stdout",
    ):
        (ansible / name).parent.mkdir(parents=True, exist_ok=True)
        (ansible / name).write_text("killed mid-converge: nothing masked these")
    _leave(client, "gc-dead", {k: v for k, v in labels.items() if k not in (L.RUN, L.KEEP)})
    reaper = start_reaper(labels)
    assert reaper is not None
    time.sleep(2)
    assert _count(client, "gc-dead") == 2, "the reaper acted while its owner lived"
    owner.kill()
    owner.wait()
    reaper.wait(timeout=60)
    assert _count(client, "gc-dead") == 0
    assert not (tmp_path / "ssh").exists()
    left = sorted(str(p.relative_to(ansible)) for p in ansible.rglob("*") if p.is_file())
    assert left == ["artifacts/a1/stdout"], "Ansible's inputs may hold secrets; its output stays"


def test_a_released_reaper_leaves_at_once(tmp_path: Path) -> None:
    labels = L.owner_labels("gc-alive", False, tmp_path)
    reaper = start_reaper(labels)
    assert reaper is not None
    time.sleep(1)  # its handler is installed
    started = time.monotonic()
    release(reaper)
    assert reaper.returncode == 0 and time.monotonic() - started < 10
    assert start_reaper(L.owner_labels("gc-kept", True, tmp_path)) is None, "kept: no reaper"
