"""A configuration file changes under the service: one parameter set to a wrong value, or
the file damaged. Revert puts back the original bytes, mode and owner."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.models.base import Name
from rehearsal.scenarios.faults import files
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.node import run
from rehearsal.scenarios.faults.service import service_run

# Runs in the node as `python3 -c SCRIPT FILE ...`: values arrive in sys.argv, never as code.
_SET_LINE = """
import os, re, sys
path, line, pattern, mode = sys.argv[1:5]
text = open(path).read() if os.path.exists(path) else ""
lines = text.splitlines()
hits = [i for i, old in enumerate(lines) if pattern and re.search(pattern, old)]
if hits:
    lines[hits[0]] = line
else:
    lines.append(line)
open(path, "w").write("\\n".join(lines) + "\\n")
if mode:
    os.chmod(path, int(mode, 8))
"""
_CORRUPT = """
import os, random, sys
path, how, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = bytearray(open(path, "rb").read())
if how == "empty":
    data = bytearray()
elif how == "truncate":
    data = data[: len(data) // 2]
else:
    rng = random.Random(seed)
    for _ in range(max(1, len(data) // 20)):
        data[rng.randrange(len(data))] = rng.randrange(256) if data else 0
open(path, "wb").write(bytes(data))
"""


class ConfigChangeSpec(FaultSpec):
    type: Literal["config.change"]
    file: str = Field(pattern=r"^/[^\x00]*$", description="absolute path in the node")
    line: str = Field(max_length=2000, description="the line to write")
    replace: str | None = Field(
        default=None, max_length=500, description="regex of the line it replaces (else appended)"
    )
    mode: str | None = Field(default=None, pattern=r"^0?[0-7]{3}$", description="e.g. '0600'")
    restart: Name | None = Field(default=None, description="SysV service to restart after")


class ConfigChange(Fault[ConfigChangeSpec]):
    """Sets one line (a parameter) in a file, optionally its mode, and restarts a service."""

    requires: ClassVar[frozenset[str]] = frozenset({"python3"})

    kind: ClassVar[str] = "config.change"
    Spec: ClassVar[type[FaultSpec]] = ConfigChangeSpec
    example: ClassVar[dict[str, Any]] = {
        "type": "config.change",
        "target": "n1",
        "file": "/etc/ssh/sshd_config",
        "line": "MaxStartups 1:100:1",
        "replace": "^#?MaxStartups",
        "mode": "0600",
    }

    def inject(self) -> None:
        spec = self.spec
        for node in self.targets:
            files.save(self.env, node, spec.file, self.kind)
            argv = [spec.file, spec.line, spec.replace or "", spec.mode or ""]
            run(self.env, node, ["python3", "-c", _SET_LINE, *argv])
            if spec.restart:
                service_run(self.env, node, spec.restart, "restart")

    def is_injected(self) -> bool:
        spec = self.spec
        return all(
            files.saved(self.env, node, spec.file, self.kind)
            and spec.line in run(self.env, node, ["cat", spec.file]).splitlines()
            for node in self.targets
        )

    def revert(self) -> None:
        for node in self.targets:
            files.restore(self.env, node, self.spec.file, self.kind)
            if self.spec.restart:
                service_run(self.env, node, self.spec.restart, "restart")

    def is_reverted(self) -> bool:
        spec = self.spec
        return not any(files.saved(self.env, node, spec.file, self.kind) for node in self.targets)


class ConfigCorruptSpec(FaultSpec):
    type: Literal["config.corrupt"]
    file: str = Field(pattern=r"^/[^\x00]*$", description="absolute path in the node")
    how: Literal["garbage", "truncate", "empty"] = "garbage"
    restart: Name | None = Field(default=None, description="SysV service to restart after")


class ConfigCorrupt(Fault[ConfigCorruptSpec]):
    """Damages a file: random bytes (repeatable with ``seed``), cut in half, or emptied."""

    requires: ClassVar[frozenset[str]] = frozenset({"python3"})

    kind: ClassVar[str] = "config.corrupt"
    Spec: ClassVar[type[FaultSpec]] = ConfigCorruptSpec
    example: ClassVar[dict[str, Any]] = {
        "type": "config.corrupt",
        "target": "n1",
        "file": "/etc/ssh/sshd_config",
        "how": "truncate",
    }

    def inject(self) -> None:
        spec = self.spec
        for node in self.targets:
            files.save(self.env, node, spec.file, self.kind)
            seed = str(spec.seed if spec.seed is not None else 0)
            run(self.env, node, ["python3", "-c", _CORRUPT, spec.file, spec.how, seed])
            if spec.restart:
                service_run(self.env, node, spec.restart, "restart")

    def is_injected(self) -> bool:
        spec = self.spec
        backup = files.backup_path
        return all(
            files.saved(self.env, node, spec.file, self.kind)
            and not self.env.exec(
                node, ["cmp", "-s", spec.file, backup(spec.file, self.kind)], 30
            ).ok
            for node in self.targets
        )

    def revert(self) -> None:
        for node in self.targets:
            files.restore(self.env, node, self.spec.file, self.kind)
            if self.spec.restart:
                service_run(self.env, node, self.spec.restart, "restart")

    def is_reverted(self) -> bool:
        spec = self.spec
        return not any(files.saved(self.env, node, spec.file, self.kind) for node in self.targets)
