"""Faults the library does not have: a command pair, or an Ansible playbook pair.

Commands are what the user wrote: a list runs as it is, a string runs through ``sh -c``
(as an operator would type it). Playbooks run through the same ansible-runner path as
converge; a relative path is looked up under ``playbooks/``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.envs.ansible import HostVars, run_playbook
from rehearsal.errors import FaultFailure, RehearsalError
from rehearsal.models.loading import playbooks_dir
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.node import attempt

Command = str | list[str]


def _argv(command: Command) -> list[str]:
    return ["sh", "-c", command] if isinstance(command, str) else command


class CustomCommandSpec(FaultSpec):
    type: Literal["custom.command"]
    inject: Command = Field(description="breaks it (a string runs through sh -c)")
    revert: Command = Field(description="undoes it")
    check: Command | None = Field(default=None, description="succeeds while the fault is in place")
    timeout: float = Field(default=60, gt=0, le=3600, description="seconds per command")


class CustomCommand(Fault[CustomCommandSpec]):
    """Runs ``inject`` in each target; revert runs ``revert``; ``check`` tells which holds."""

    # a custom fault may do what a network fault does
    capabilities: ClassVar[frozenset[str]] = frozenset({"NET_ADMIN"})

    kind: ClassVar[str] = "custom.command"
    example: ClassVar[dict[str, Any]] = {
        "type": "custom.command",
        "target": "n1",
        "inject": ["touch", "/run/rehearsal-custom"],
        "revert": ["rm", "-f", "/run/rehearsal-custom"],
        "check": ["test", "-e", "/run/rehearsal-custom"],
    }
    _ok: dict[str, bool] = {}

    def _run(self, node: str, command: Command) -> bool:
        return attempt(self.env, node, _argv(command), self.spec.timeout).ok

    def inject(self) -> None:
        self._ok = {node: self._run(node, self.spec.inject) for node in self.targets}
        failed = [node for node, ok in self._ok.items() if not ok]
        if failed:
            raise FaultFailure(f"the inject command failed on {', '.join(failed)}")

    def is_injected(self) -> bool:
        check = self.spec.check
        if check is None:
            return all(self._ok.get(node, False) for node in self.targets)
        return all(self._run(node, check) for node in self.targets)

    def revert(self) -> None:
        self._ok = {node: self._run(node, self.spec.revert) for node in self.targets}
        failed = [node for node, ok in self._ok.items() if not ok]
        if failed:
            raise FaultFailure(f"the revert command failed on {', '.join(failed)}")

    def is_reverted(self) -> bool:
        check = self.spec.check
        if check is None:
            return all(self._ok.get(node, False) for node in self.targets)
        return not any(self._run(node, check) for node in self.targets)


class CustomPlaybookSpec(FaultSpec):
    type: Literal["custom.playbook"]
    inject: str = Field(min_length=1, description="playbook that breaks it")
    revert: str = Field(min_length=1, description="playbook that undoes it")


class CustomPlaybook(Fault[CustomPlaybookSpec]):
    """Runs the ``inject`` playbook on the targets (as host ``all``); revert runs ``revert``."""

    # a custom fault may do what a network fault does
    capabilities: ClassVar[frozenset[str]] = frozenset({"NET_ADMIN"})

    kind: ClassVar[str] = "custom.playbook"
    example: ClassVar[dict[str, Any]] = {
        "type": "custom.playbook",
        "target": "n1",
        "inject": "faults/example-inject.yml",
        "revert": "faults/example-revert.yml",
    }
    _done: bool = False

    def _play(self, playbook: str) -> None:
        path = Path(playbook) if Path(playbook).is_absolute() else playbooks_dir() / playbook
        if not path.is_file():
            raise FaultFailure(f"playbook {path} not found (relative paths are under playbooks/)")
        hosts = []
        for node in self.targets:
            address, port = self.env.endpoint(node, 22)
            hosts.append(HostVars(node, address, "", "", {}, self.env.login(node), port))
        with tempfile.TemporaryDirectory(prefix="rh-fault-") as workdir:
            try:
                run_playbook(
                    path, hosts, self.env.private_key(), Path(workdir), self.placement.roles
                )
            except RehearsalError as error:
                raise FaultFailure(str(error)) from None

    def inject(self) -> None:
        self._done = False
        self._play(self.spec.inject)
        self._done = True

    def is_injected(self) -> bool:
        return self._done

    def revert(self) -> None:
        self._done = True
        self._play(self.spec.revert)
        self._done = False

    def is_reverted(self) -> bool:
        return not self._done
