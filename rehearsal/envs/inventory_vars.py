"""The vars folders beside an Ansible inventory, as Ansible's ``host_group_vars`` plugin
reads them: ``group_vars/GROUP(.yml|.yaml|.json)`` or every such file under
``group_vars/GROUP/``, and the same under ``host_vars/HOST``; so capture reaches a server
with the address, port, user and key the customer's playbooks use."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rehearsal.errors import InvalidInput
from rehearsal.models.yamlfile import read_yaml

SUFFIXES = ("", ".yml", ".yaml", ".json")


class VarsFolders:
    """``group_vars/`` and ``host_vars/`` of one inventory; each group's files read once."""

    def __init__(self, inventory: Path) -> None:
        self._folder = inventory.parent
        self._groups: dict[str, dict[str, Any]] = {}

    def group(self, name: str) -> dict[str, Any]:
        if name not in self._groups:
            self._groups[name] = _merged(self._folder / "group_vars", name)
        return self._groups[name]

    def host(self, name: str) -> dict[str, Any]:
        return _merged(self._folder / "host_vars", name)


def vars_files(folder: Path, name: str) -> list[Path]:
    """One group's or host's files, in the order Ansible loads them (later ones win)."""
    found = []
    for suffix in SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file():
            found.append(path)
        elif suffix == "" and path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith(".")
            )
    return found


def _merged(folder: Path, name: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in vars_files(folder, name):
        merged.update(read_vars(path))
    return merged


def read_vars(path: Path) -> dict[str, Any]:
    """One vars file's mapping ({} when it holds only comments); a YAML error is refused at
    FILE:LINE:COL with the fix."""
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines()]
    if all(not line or line.startswith("#") or line == "---" for line in lines):
        return {}
    try:
        return dict(read_yaml(path).data)
    except InvalidInput as error:
        raise InvalidInput(
            [
                replace(
                    problem,
                    message=f"{problem.message}; fix this vars file (Ansible reads it for "
                    f"the inventory in {path.parent.parent}) or move it out of {path.parent}",
                )
                for problem in error.problems
            ]
        ) from None
