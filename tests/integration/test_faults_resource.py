"""Resource faults, measured inside the node: CPU time burnt, memory held, space and
inodes used; revert gives every bit back."""

from __future__ import annotations

import time

import pytest

from rehearsal.envs.docker import DockerEnvironment
from rehearsal.scenarios.faults.resource import usage
from tests.integration.conftest import injected

pytestmark = pytest.mark.docker

STRESS = "[r]ehearsal-stress-"  # the brackets keep pgrep from matching its own wrapper


def _cpu_seconds(nodes: DockerEnvironment) -> float:
    script = 'for p in $(pgrep -f "$1"); do cut -d" " -f14 /proc/$p/stat; done'
    ticks = nodes.exec("n3", ["sh", "-c", script, "sh", STRESS], 5).output.split()
    return sum(int(tick) for tick in ticks) / 100


def test_cpu_workers_keep_cores_busy(nodes: DockerEnvironment) -> None:
    with injected(nodes, {"type": "resource.cpu", "target": "n3", "workers": 2}):
        first = _cpu_seconds(nodes)
        time.sleep(1.0)
        assert _cpu_seconds(nodes) - first > 0.1  # the machine may be busy with other work
    assert not nodes.exec("n3", ["pgrep", "-f", STRESS], 5).ok


def test_memory_is_held_then_freed(nodes: DockerEnvironment) -> None:
    with injected(nodes, {"type": "resource.memory", "target": "n3", "megabytes": 200}):
        rss = nodes.exec(
            "n3", ["sh", "-c", 'ps -o rss= -p $(pgrep -f "$1")', "sh", STRESS], 5
        ).output
        assert int(rss) > 180 * 1024
    assert not nodes.exec("n3", ["pgrep", "-f", STRESS], 5).ok


def test_disk_fill_reaches_the_percentage(nodes: DockerEnvironment) -> None:
    used_before, total = usage(nodes, "n3", "/dev/shm")
    with injected(
        nodes, {"type": "resource.disk-fill", "target": "n3", "path": "/dev/shm", "fill": 80}
    ):
        used, _ = usage(nodes, "n3", "/dev/shm")
        assert used >= 0.79 * total
        assert not nodes.exec("n3", ["fallocate", "-l", f"{total // 4}", "/dev/shm/x"], 5).ok
    assert usage(nodes, "n3", "/dev/shm")[0] == used_before


def test_disk_fill_refuses_to_fill_a_large_disk() -> None:
    from rehearsal.scenarios.faults.resource import ResourceDiskFillSpec

    spec = ResourceDiskFillSpec.model_validate(
        {"type": "resource.disk-fill", "target": "n3", "fill": 99}
    )
    assert spec.max_megabytes == 1024, "the root of a node is the host's disk: guarded"


def test_inodes_are_used_up_and_given_back(nodes: DockerEnvironment) -> None:
    before, _ = usage(nodes, "n3", "/dev/shm", inodes=True)
    spec = {"type": "resource.inodes", "target": "n3", "path": "/dev/shm", "files": 5000}
    with injected(nodes, spec):
        assert usage(nodes, "n3", "/dev/shm", inodes=True)[0] >= before + 5000
    assert usage(nodes, "n3", "/dev/shm", inodes=True)[0] == before
