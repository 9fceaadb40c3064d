"""A node's file kept aside so a fault can break it and put back the very same bytes,
mode and owner. The copy lives in the node, so another process can restore it too."""

from __future__ import annotations

from rehearsal.envs.base import Environment
from rehearsal.scenarios.faults.node import STATE_DIR, attempt, run, sh, tag

_SAVE = 'set -e; mkdir -p "$(dirname "$2")"; [ -e "$2" ] || cp -a -- "$1" "$2"'
_RESTORE = '[ ! -e "$2" ] || mv -f -- "$2" "$1"'


def backup_path(path: str, key: str) -> str:
    return f"{STATE_DIR}/backup/{tag(path, key)}"


def save(env: Environment, node: str, path: str, key: str) -> None:
    """Copy ``path`` aside once (a second call keeps the first, original copy)."""
    run(env, node, sh(_SAVE, path, backup_path(path, key)))


def restore(env: Environment, node: str, path: str, key: str) -> None:
    run(env, node, sh(_RESTORE, path, backup_path(path, key)))


def saved(env: Environment, node: str, path: str, key: str) -> bool:
    return attempt(env, node, ["test", "-e", backup_path(path, key)]).ok
