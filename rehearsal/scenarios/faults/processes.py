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

# Skips this shell, its `timeout` wrapper and the dead man's switches (whose command lines
# hold the revert, hence the fault's pattern or marker): shell for "unless $p is ours".
NOT_OURS = (
    '[ "$p" = $$ ] || [ "$p" = "$PPID" ] '
    '|| grep -q rehearsal-switch "/proc/$p/cmdline" 2>/dev/null ||'
)
_LIST = f'for p in $(pgrep "$2" -- "$1"); do {NOT_OURS} echo "$p"; done'
# A process's state is its threads': a killed JVM's main thread is a zombie while its other
# threads still exit, holding its sockets open (a connector that accepts and never answers).
# Prints the state of the first thread that is not a zombie, else the main thread's.
_STATE_OF = """state() {
  s=$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null)
  for t in /proc/$1/task/*/stat; do
    u=$(cut -d' ' -f3 "$t" 2>/dev/null)
    case "$u" in "" | Z | X) ;; *) s=$u; break ;; esac
  done
  echo "$s"
}
"""
# $1 text, $2 pgrep mode, $3 signal, $4 what it should make them: dead, stopped, running.
# Prints the signalled pids, then "took" once none is left in another state (1 s at most);
# exits 3 when nothing matches.
_SIGNAL_AND_WAIT = (
    _STATE_OF
    + """
pids=
for p in $(pgrep "$2" -- "$1"); do NOT_OURS pids="$pids $p"; done
[ -n "$pids" ] || exit 3
kill -s "$3" $pids
echo $pids
n=0
while [ $n -lt 50 ]; do
  left=
  for p in $pids; do
    [ -r /proc/$p/stat ] || continue
    s=$(state $p)
    case "$4:$s" in dead: | dead:Z | dead:X | stopped:T | running:[!T]) ;; *) left=1 ;; esac
  done
  [ -z "$left" ] && { echo took; exit 0; }
  sleep 0.02; n=$((n + 1))
done
""".replace("NOT_OURS", NOT_OURS)
)
_STATES = _STATE_OF + 'for p in "$@"; do [ -r /proc/$p/stat ] && state $p; done; true'


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

    def signal_argv(self, name: str, took: str) -> list[str]:
        text, mode = (self.name, "-x") if self.name is not None else (self.pattern, "-f")
        assert text is not None
        return sh(_SIGNAL_AND_WAIT, text, mode, name.removeprefix("SIG"), took)

    def signal_and_wait(
        self, env: Environment, node: str, name: str, took: str
    ) -> tuple[list[str], bool] | None:
        """Signal the matching processes and wait until each is ``took`` (``dead``,
        ``stopped`` or ``running``), in one exec. None: nothing matched;
        else the pids and whether the signal took. A node that stopped with its main
        process gives ``([], False)``."""
        result = attempt(env, node, self.signal_argv(name, took))
        if result.exit_code == 3:
            return None
        lines = result.output.splitlines()
        pids = lines[0].split() if lines and lines[0].replace(" ", "").isdigit() else []
        return pids, result.ok and lines[-1:] == ["took"]


def alive(env: Environment, node: str, pids: list[str]) -> list[str]:
    """Of ``pids``, those still running, with their state letter (``S``, ``T``, ``Z``...)."""
    if not pids:
        return []
    states = attempt(env, node, sh(_STATES, *pids)).output.split()
    return [state for state in states if state != "Z"]


def signal(env: Environment, node: str, pids: list[str], name: str) -> None:
    if pids:
        attempt(env, node, ["kill", "-s", name.removeprefix("SIG"), *pids])
