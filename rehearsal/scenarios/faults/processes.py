"""Finding a node's processes by name or command-line pattern, without finding ourselves.

``exec`` runs commands under ``timeout`` and ``sh``, whose command lines contain the
pattern too; the listing script drops its own shell and that wrapper.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from rehearsal.envs.base import Environment
from rehearsal.models.base import Strict
from rehearsal.scenarios.faults.node import attempt, sh

Signal = Literal[
    "SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGABRT", "SIGSEGV", "SIGUSR1", "SIGUSR2"
]

_LIST = 'for p in $(pgrep "$2" -- "$1"); do [ "$p" = $$ ] || [ "$p" = "$PPID" ] || echo "$p"; done'
_STATES = 'for p in "$@"; do [ -r /proc/$p/stat ] && cut -d" " -f3 /proc/$p/stat; done; true'


class ProcessMatch(Strict):
    """Which processes: by exact name (as ``ps`` shows it) or by a command-line regex."""

    name: str | None = Field(default=None, min_length=1, max_length=15)
    pattern: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.name is None) == (self.pattern is None):
            raise ValueError("name the processes with 'name:' (exact) or 'pattern:' (regex)")
        return self

    def pids(self, env: Environment, node: str) -> list[str]:
        text, mode = (self.name, "-x") if self.name is not None else (self.pattern, "-f")
        assert text is not None
        result = attempt(env, node, sh(_LIST, text, mode))
        return result.output.split()


def alive(env: Environment, node: str, pids: list[str]) -> list[str]:
    """Of ``pids``, those still running, with their state letter (``S``, ``T``, ``Z``...)."""
    if not pids:
        return []
    states = attempt(env, node, sh(_STATES, *pids)).output.split()
    return [state for state in states if state != "Z"]


def signal(env: Environment, node: str, pids: list[str], name: str) -> None:
    if pids:
        attempt(env, node, ["kill", "-s", name.removeprefix("SIG"), *pids])
