"""The node runs short of something: CPU, memory, disk space, inodes.

Stressors are processes started in the node with a marker in their command line
(``rehearsal-stress-<tag>``), so revert and ``rehearsal recover`` find and end exactly them.
Disk and inode fillers are one file or folder with a marked name, removed on revert.
Slow disk I/O is not offered: a container cannot throttle its own block device here
(cgroup I/O limits are set from outside, and the root file system is fuse-overlayfs).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.envs.base import Environment
from rehearsal.errors import FaultFailure
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.node import attempt, run, sh, spawn, tag
from rehearsal.scenarios.faults.processes import NOT_OURS, ProcessMatch, alive, signal

_BUSY = "while :; do :; done"
_HOLD = """
import sys, time
block = bytearray(int(sys.argv[1]) * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
while True:
    time.sleep(3600)
"""
_FILL_INODES = """
import os, sys
folder, wanted = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
made = 0
try:
    while made < wanted:
        open(os.path.join(folder, str(made)), "w").close()
        made += 1
except OSError:
    pass
print(made)
"""


def _marker(fault: Fault[FaultSpec]) -> str:
    return f"rehearsal-stress-{tag(fault.kind, fault.spec.model_dump_json())}"


def _stressors(fault: Fault[FaultSpec], node: str) -> list[str]:
    pids = ProcessMatch(pattern=_marker(fault)).pids(fault.env, node)
    return pids if alive(fault.env, node, pids) else []


_KILL_MARKED = f'for p in $(pgrep -f -- "$1"); do {NOT_OURS} kill -9 "$p"; done; true'


def stop_stressors_argv(fault: Fault[FaultSpec]) -> list[str]:
    """Ends the fault's stressors (the watchdog that runs this is ``$PPID``, so spared)."""
    return sh(_KILL_MARKED, _marker(fault))


def _stop_stressors(fault: Fault[FaultSpec]) -> None:
    for node in fault.targets:
        if fault.env.node_running(node):
            signal(fault.env, node, _stressors(fault, node), "SIGKILL")


class ResourceCpuSpec(FaultSpec):
    type: Literal["resource.cpu"]
    workers: int = Field(default=1, ge=1, le=64, description="busy loops, one core each")


class ResourceCpu(Fault[ResourceCpuSpec]):
    """Busy loops that each keep one core busy for as long as the fault lasts."""

    requires: ClassVar[frozenset[str]] = frozenset({"procps", "setsid"})

    kind: ClassVar[str] = "resource.cpu"
    example: ClassVar[dict[str, Any]] = {"type": "resource.cpu", "target": "n1", "workers": 1}

    def revert_argv(self, node: str) -> list[str] | None:
        return stop_stressors_argv(self)

    def inject(self) -> None:
        for node in self.targets:
            for _ in range(self.spec.workers - len(_stressors(self, node))):
                run(self.env, node, spawn(["sh", "-c", _BUSY, _marker(self)]))

    def is_injected(self) -> bool:
        wanted = self.spec.workers
        return all(len(_stressors(self, node)) >= wanted for node in self.targets)

    def revert(self) -> None:
        _stop_stressors(self)

    def is_reverted(self) -> bool:
        return not any(_stressors(self, node) for node in self.targets)


class ResourceMemorySpec(FaultSpec):
    type: Literal["resource.memory"]
    megabytes: int = Field(ge=1, le=65536, description="memory to allocate and touch")


class ResourceMemory(Fault[ResourceMemorySpec]):
    """One process that allocates and touches ``megabytes`` of memory, then holds it."""

    requires: ClassVar[frozenset[str]] = frozenset({"procps", "setsid", "python3"})

    kind: ClassVar[str] = "resource.memory"
    example: ClassVar[dict[str, Any]] = {"type": "resource.memory", "target": "n1", "megabytes": 64}

    def revert_argv(self, node: str) -> list[str] | None:
        return stop_stressors_argv(self)

    def inject(self) -> None:
        for node in self.targets:
            if not _stressors(self, node):
                argv = ["python3", "-c", _HOLD, str(self.spec.megabytes), _marker(self)]
                run(self.env, node, spawn(argv))

    def _resident_mb(self, node: str) -> float:
        pids = _stressors(self, node)
        if not pids:
            return 0.0
        kilobytes = attempt(self.env, node, ["ps", "-o", "rss=", "-p", ",".join(pids)]).output
        return sum(int(value) for value in kilobytes.split()) / 1024

    def is_injected(self) -> bool:
        wanted = self.spec.megabytes * 0.9
        return all(self._resident_mb(node) >= wanted for node in self.targets)

    def revert(self) -> None:
        _stop_stressors(self)

    def is_reverted(self) -> bool:
        return not any(_stressors(self, node) for node in self.targets)


def usage(env: Environment, node: str, path: str, inodes: bool = False) -> tuple[int, int]:
    """(used, used + available) of the file system holding ``path``, bytes or inodes: the
    share df shows as Use%. ext4 keeps some blocks back even with no reserve for root, so
    the size it shows is more than what can be used."""
    argv = ["df", "-P", "-i", path] if inodes else ["df", "-P", "-B1", path]
    fields = run(env, node, argv).splitlines()[-1].split()
    return int(fields[2]), int(fields[2]) + int(fields[3])


class ResourceDiskFillSpec(FaultSpec):
    type: Literal["resource.disk-fill"]
    path: str = Field(
        default="/", pattern=r"^/[^\x00]*$", description="a folder on the file system"
    )
    fill: float = Field(default=95, gt=0, le=100, description="percent used when the fault is on")
    max_megabytes: int = Field(
        default=1024, ge=1, description="refuse to write more than this (a guard for shared disks)"
    )


class ResourceDiskFill(Fault[ResourceDiskFillSpec]):
    """One preallocated file that brings the file system to ``fill`` percent used.

    The root file system of a container is often the host's disk: ``max_megabytes`` keeps
    a large disk from being filled by mistake (point ``path`` at a small volume instead).
    """

    requires: ClassVar[frozenset[str]] = frozenset({"fallocate"})

    kind: ClassVar[str] = "resource.disk-fill"
    example: ClassVar[dict[str, Any]] = {
        "type": "resource.disk-fill",
        "target": "n1",
        "path": "/dev/shm",
        "fill": 90,
    }

    def _file(self) -> str:
        return f"{self.spec.path.rstrip('/')}/.{_marker(self)}"

    def inject(self) -> None:
        spec = self.spec
        for node in self.targets:
            used, total = usage(self.env, node, spec.path)
            needed = int(total * spec.fill / 100) - used
            if needed > spec.max_megabytes * 1024 * 1024:
                raise FaultFailure(
                    f"{node}: filling {spec.path} to {spec.fill:g}% needs {needed >> 20} MB, more "
                    f"than max_megabytes ({spec.max_megabytes}); raise it or use a smaller volume"
                )
            if needed <= 0:
                self.notes.append(f"{node}: {spec.path} was already {used * 100 // total}% full")
                continue
            self._fill(node, needed)
            used, total = usage(self.env, node, spec.path)
            self.notes.append(f"{node}: {spec.path} {used * 100 / total:.1f}% used")

    def _fill(self, node: str, needed: int) -> None:
        """Preallocate ``needed`` bytes. At 100 %, or where the file system has no room left
        for the file's own blocks, write zeros after it until the disk is full: preallocation
        alone leaves the last few blocks free."""
        made = attempt(self.env, node, ["fallocate", "-l", str(needed), self._file()])
        if made.ok and self.spec.fill < 100:
            return
        if not made.ok and "No space left" not in made.output:
            raise FaultFailure(f"{node}: fallocate exited {made.exit_code}: {made.output[-500:]}")
        zeros = ["dd", "if=/dev/zero", f"of={self._file()}", "bs=65536"]
        if self.spec.fill >= 100:
            zeros += ["oflag=append", "conv=notrunc"]
        else:
            zeros.append(f"count={-(-needed // 65536)}")
        written = attempt(self.env, node, zeros, 300)
        if not written.ok and "No space left" not in written.output:
            raise FaultFailure(f"{node}: dd exited {written.exit_code}: {written.output[-500:]}")

    def is_injected(self) -> bool:
        spec = self.spec
        for node in self.targets:
            used, total = usage(self.env, node, spec.path)
            if used * 100 < (spec.fill - 1) * total:
                return False
        return True

    def revert(self) -> None:
        for node in self.targets:
            run(self.env, node, ["rm", "-f", "--", self._file()])

    def is_reverted(self) -> bool:
        return not any(
            attempt(self.env, node, ["test", "-e", self._file()]).ok for node in self.targets
        )


class ResourceInodesSpec(FaultSpec):
    type: Literal["resource.inodes"]
    path: str = Field(default="/tmp", pattern=r"^/[^\x00]*$", description="a folder to fill")
    files: int = Field(
        default=100_000, ge=1, le=5_000_000, description="most files to make (the bound)"
    )


class ResourceInodes(Fault[ResourceInodesSpec]):
    """Empty files until the file system has no inode left or ``files`` were made."""

    kind: ClassVar[str] = "resource.inodes"
    example: ClassVar[dict[str, Any]] = {
        "type": "resource.inodes",
        "target": "n1",
        "path": "/dev/shm",
        "files": 2000,
    }
    _made: dict[str, int] = {}

    def _folder(self) -> str:
        return f"{self.spec.path.rstrip('/')}/.{_marker(self)}"

    def inject(self) -> None:
        wanted = str(self.spec.files)
        self._made = {
            node: int(
                run(self.env, node, ["python3", "-c", _FILL_INODES, self._folder(), wanted], 300)
            )
            for node in self.targets
        }
        for node, made in self._made.items():
            if made < self.spec.files:
                self.notes.append(f"{node}: out of inodes after {made} files")

    def is_injected(self) -> bool:
        return all(
            made > 0 and attempt(self.env, node, ["test", "-d", self._folder()]).ok
            for node, made in self._made.items()
        )

    def revert(self) -> None:
        for node in self.targets:
            run(self.env, node, ["rm", "-rf", "--", self._folder()], 300)

    def is_reverted(self) -> bool:
        return not any(
            attempt(self.env, node, ["test", "-e", self._folder()]).ok for node in self.targets
        )
