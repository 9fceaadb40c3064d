"""Which servers profile capture reads: ``user@host[:port]`` words, or an Ansible inventory
read by Ansible's own parsers, so groups and host vars (inline, and in the ``group_vars/`` and
``host_vars/`` folders beside it) mean what they mean to Ansible."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.envs.inventory_vars import VarsFolders
from rehearsal.errors import InvalidInput, Problem, RunRefused

_TARGET = re.compile(
    r"^(?:(?P<user>[a-z_][a-z0-9_-]*)@)?(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*)(?::(?P<port>\d{1,5}))?$"
)
_INI_LINE = re.compile(r":(\d+):")


@dataclass(frozen=True)
class Target:
    """One server to read: its name in the inventory (else its host), how to reach it."""

    name: str
    host: str
    user: str = "root"
    port: int = 22
    groups: tuple[str, ...] = ()
    key_file: Path | None = None
    """``ansible_ssh_private_key_file`` of the inventory; None: the command line's."""
    named: bool = False
    """Named by the inventory; else the node is named after the host's own hostname."""

    @property
    def login(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


def targets_of(hosts: Sequence[str] | None, inventory: Path | None) -> list[Target]:
    """The servers given as ``USER@HOST[:PORT]`` words or as an inventory, never both."""
    if bool(hosts) == (inventory is not None):
        raise RunRefused("give the servers either as --hosts USER@HOST[:PORT] or --inventory FILE")
    return from_inventory(inventory) if inventory is not None else from_words(list(hosts or []))


def from_words(words: list[str]) -> list[Target]:
    """``user@host[:port]`` (user root and port 22 when left out), refused with the form."""
    targets = []
    for word in words:
        match = _TARGET.match(word)
        if match is None or not 0 < int(match["port"] or 22) < 65536:
            raise RunRefused(
                f"--hosts: {word!r} is not a host; write USER@HOST or USER@HOST:PORT "
                "(e.g. admin@10.0.0.5:2222)"
            )
        port = int(match["port"] or 22)
        name = match["host"] if port == 22 else f"{match['host']}:{port}"
        targets.append(Target(name, match["host"], match["user"] or "root", port))
    return targets


def from_inventory(path: Path) -> list[Target]:
    """Every host of an INI or YAML inventory, with its groups and connection vars combined
    in Ansible's order (the file's group vars, group_vars/ from ``all`` down, the file's host
    vars, host_vars/); a file that does not parse is refused at FILE:LINE:COL."""
    from ansible.errors import AnsibleError
    from ansible.inventory.data import InventoryData
    from ansible.inventory.helpers import get_group_vars, sort_groups
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import inventory_loader
    from ansible.utils.vars import combine_vars

    source = path.resolve()
    if not source.is_file():
        raise RunRefused(f"{path}: no such inventory file; give an INI or YAML inventory")
    data = InventoryData()
    kind = "yaml" if source.suffix in (".yml", ".yaml") else "ini"
    plugin = inventory_loader.get(kind)
    try:
        plugin.parse(data, DataLoader(), str(source), cache=False)
        data.reconcile_inventory()
    except AnsibleError as error:
        raise InvalidInput([_where(path, error)]) from None
    folders = VarsFolders(source)
    targets = []
    for name, host in data.hosts.items():
        found: dict[str, Any] = get_group_vars(host.get_groups())
        for group in sort_groups(host.get_groups()):
            found = combine_vars(found, folders.group(group.name))
        found = combine_vars(combine_vars(found, host.get_vars()), folders.host(str(name)))
        key = found.get("ansible_ssh_private_key_file") or found.get("ansible_private_key_file")
        targets.append(
            Target(
                name=str(name),
                host=str(found.get("ansible_host") or name),
                user=str(found.get("ansible_user") or "root"),
                port=int(found.get("ansible_port") or 22),
                groups=tuple(
                    sorted(g.name for g in host.get_groups() if g.name not in ("all", "ungrouped"))
                ),
                key_file=(path.parent / str(key)).expanduser() if key else None,
                named=True,
            )
        )
    if not targets:
        raise InvalidInput(
            [Problem(str(path), 1, 1, "the inventory names no host; list the servers")]
        )
    return targets


def _where(path: Path, error: Exception) -> Problem:
    """``FILE:LINE:COL: message`` from the deepest error that knows where it was."""
    line, col, message = 1, 1, str(error).splitlines()[0]
    cause: BaseException | None = error
    while cause is not None:
        origin: Any = getattr(cause, "obj", None)
        if getattr(origin, "line_num", None):
            line, col = int(origin.line_num), int(getattr(origin, "col_num", None) or 1)
        mark = getattr(cause, "problem_mark", None)
        if mark is not None:
            line, col = mark.line + 1, mark.column + 1
        numbered = _INI_LINE.search(str(cause))
        if numbered and line == 1:
            line = int(numbered[1])
        cause = cause.__cause__ or cause.__context__
    return Problem(
        str(path),
        line,
        col,
        f"{message}; fix the inventory (`ansible-inventory -i {path} --list` shows how "
        "Ansible reads it)",
    )
