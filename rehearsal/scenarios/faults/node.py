"""Running fault mechanics inside a node: argv only, user values never spliced into a shell.

Where a shell is needed, the script is a constant of this package and user values reach it
as positional parameters (``"$1"``), so a path or pattern cannot become a command.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from rehearsal.envs.base import CommandResult, Environment
from rehearsal.errors import FaultFailure

STATE_DIR = "/var/lib/rehearsal"
TIMEOUT_S = 30.0
T = TypeVar("T")
K = TypeVar("K")


def sh(script: str, *args: str) -> list[str]:
    """argv for ``sh -c SCRIPT`` with ``args`` as ``$1``, ``$2``, ..."""
    return ["sh", "-c", script, "sh", *args]


def spawn(argv: list[str]) -> list[str]:
    """argv that starts ``argv`` detached in its own session, so ``exec`` returns at once."""
    return ["setsid", "-f", *sh('exec "$@" >/dev/null 2>&1 </dev/null', *argv)]


def run(env: Environment, node: str, argv: list[str], timeout_s: float = TIMEOUT_S) -> str:
    """Run ``argv`` in ``node``; a non-zero exit is a FaultFailure with the node's words."""
    result = env.exec(node, argv, timeout_s)
    if not result.ok:
        command = " ".join(argv)[:120]
        raise FaultFailure(
            f"{node}: `{command}` exited {result.exit_code}: {result.output.strip()[-500:]}"
        )
    return result.output


def attempt(
    env: Environment, node: str, argv: list[str], timeout_s: float = TIMEOUT_S
) -> CommandResult:
    """Run ``argv`` in ``node`` and hand back the result, whatever the exit status."""
    return env.exec(node, argv, timeout_s)


def tag(*parts: object) -> str:
    """A short, stable name for one fault's state in a node (chains, backups, markers)."""
    text = json.dumps([str(part) for part in parts])
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def on_each(nodes: Iterable[K], work: Callable[[K], T]) -> list[T]:
    """``work(node)`` for every node at once (one exec each, not one after the other);
    the first error is raised once all are done, so no node is left mid-change unseen."""
    nodes = list(nodes)
    if len(nodes) <= 1:
        return [work(node) for node in nodes]
    with ThreadPoolExecutor(max_workers=min(len(nodes), 8)) as pool:
        futures = [pool.submit(work, node) for node in nodes]
    return [future.result() for future in futures]
