"""A configuration file changes under the service: one parameter set to a wrong value, or
the file damaged. Revert puts back the original bytes, mode and owner."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar, Literal, TypeVar

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


class FileSpec(FaultSpec):
    """What both config faults share: the file, and the service that reads it."""

    file: str = Field(pattern=r"^/[^\x00]*$", description="absolute path in the node")
    restart: Name | None = Field(default=None, description="SysV service to restart after")


F = TypeVar("F", bound=FileSpec, covariant=True)


class _FileFault(Fault[F]):
    """Backs the file up before the change and puts the backup back on revert; the service
    named in ``restart`` is restarted after either."""

    requires: ClassVar[frozenset[str]] = frozenset({"python3"})

    def inject(self) -> None:
        for node in self.targets:
            files.save(self.env, node, self.spec.file, self.kind)
            self._change(node)
            self._restart(node)

    @abstractmethod
    def _change(self, node: str) -> None:
        """Make the change on one node, its backup already taken."""

    def _restart(self, node: str) -> None:
        if self.spec.restart:
            service_run(self.env, node, self.spec.restart, "restart")

    def revert(self) -> None:
        for node in self.targets:
            files.restore(self.env, node, self.spec.file, self.kind)
            self._restart(node)

    def is_reverted(self) -> bool:
        spec = self.spec
        return not any(files.saved(self.env, node, spec.file, self.kind) for node in self.targets)


class ConfigChangeSpec(FileSpec):
    type: Literal["config.change"]
    line: str = Field(max_length=2000, description="the line to write")
    replace: str | None = Field(
        default=None, max_length=500, description="regex of the line it replaces (else appended)"
    )
    mode: str | None = Field(default=None, pattern=r"^0?[0-7]{3}$", description="e.g. '0600'")


class ConfigChange(_FileFault[ConfigChangeSpec]):
    """Sets one line (a parameter) in a file, optionally its mode, and restarts a service."""

    kind: ClassVar[str] = "config.change"
    example: ClassVar[dict[str, Any]] = {
        "type": "config.change",
        "target": "n1",
        "file": "/etc/ssh/sshd_config",
        "line": "MaxStartups 1:100:1",
        "replace": "^#?MaxStartups",
        "mode": "0600",
    }

    def _change(self, node: str) -> None:
        spec = self.spec
        argv = [spec.file, spec.line, spec.replace or "", spec.mode or ""]
        run(self.env, node, ["python3", "-c", _SET_LINE, *argv])

    def is_injected(self) -> bool:
        spec = self.spec
        return all(
            files.saved(self.env, node, spec.file, self.kind)
            and spec.line in run(self.env, node, ["cat", spec.file]).splitlines()
            for node in self.targets
        )


class ConfigCorruptSpec(FileSpec):
    type: Literal["config.corrupt"]
    how: Literal["garbage", "truncate", "empty"] = "garbage"


class ConfigCorrupt(_FileFault[ConfigCorruptSpec]):
    """Damages a file: random bytes (repeatable with ``seed``), cut in half, or emptied."""

    kind: ClassVar[str] = "config.corrupt"
    example: ClassVar[dict[str, Any]] = {
        "type": "config.corrupt",
        "target": "n1",
        "file": "/etc/ssh/sshd_config",
        "how": "truncate",
    }

    def _change(self, node: str) -> None:
        spec = self.spec
        seed = str(spec.seed if spec.seed is not None else 0)
        run(self.env, node, ["python3", "-c", _CORRUPT, spec.file, spec.how, seed])

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
