"""One fault's firewall rules in a node: a chain of its own per hook, so revert is
"unhook, flush, delete" and never touches other faults' rules or Docker's own.

Rules are built here from typed values (addresses, ports, numbers), loaded atomically
with ``iptables-restore --noflush``. Each operation is one exec that also checks its
result, because an exec is the slow part of a fault (about 100 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

from rehearsal.envs.base import CommandResult, Environment
from rehearsal.errors import FaultFailure
from rehearsal.scenarios.faults.node import attempt, sh

CHAIN_PREFIX = "REHEARSAL-"
# $1 table, $2 iptables-restore input ("" to only unload), then pairs: chain hook ...
UNLOAD = """
unload() {
  while iptables -w -t "$table" -D "$2" -j "$1" 2>/dev/null; do :; done
  iptables -w -t "$table" -F "$1" 2>/dev/null
  iptables -w -t "$table" -X "$1" 2>/dev/null
  true
}
"""
APPLY = (
    UNLOAD
    + """
table=$1 rules=$2; shift 2
i=0; for word in "$@"; do
  if [ $((i % 2)) = 0 ]; then chain=$word; else unload "$chain" "$word"; fi; i=$((i + 1))
done
[ -z "$rules" ] && exit 0
printf "%s\\n" "$rules" | iptables-restore -w --noflush || exit 1
i=0; for word in "$@"; do
  if [ $((i % 2)) = 0 ]; then chain=$word
  else iptables -w -t "$table" -C "$word" -j "$chain" || exit 3; fi; i=$((i + 1))
done
"""
)
_STATE = """
table=$1; shift
i=0; for word in "$@"; do
  if [ $((i % 2)) = 0 ]; then chain=$word
  elif iptables -w -t "$table" -C "$word" -j "$chain" 2>/dev/null; then echo hooked
  elif iptables -w -t "$table" -S "$chain" >/dev/null 2>&1; then echo loose
  else echo gone; fi; i=$((i + 1))
done
"""


@dataclass(frozen=True)
class Chains:
    """The chains of one fault: ``REHEARSAL-<tag>-<hook>`` in ``table``."""

    tag: str
    table: str = "filter"

    def name(self, hook: str) -> str:
        return f"{CHAIN_PREFIX}{self.tag}-{hook[:3]}"

    def _pairs(self, hooks: list[str]) -> list[str]:
        return [word for hook in hooks for word in (self.name(hook), hook)]

    def restore_input(self, rules: dict[str, list[str]]) -> str:
        """The ``iptables-restore`` text that creates the chains and hooks them first."""
        lines = [f"*{self.table}"]
        lines += [f":{self.name(hook)} - [0:0]" for hook in rules]
        for hook, bodies in rules.items():
            lines += [f"-A {self.name(hook)} {body}" for body in bodies]
            lines.append(f"-I {hook} 1 -j {self.name(hook)}")
        lines.append("COMMIT")
        return "\n".join(lines)

    def apply_argv(self, rules: dict[str, list[str]]) -> list[str]:
        """argv that replaces this fault's rules and exits non-zero unless all are hooked."""
        return sh(APPLY, self.table, self.restore_input(rules), *self._pairs(list(rules)))

    def apply(self, env: Environment, node: str, rules: dict[str, list[str]]) -> None:
        """Replace this fault's rules in ``node`` (``rules``: a hook to rule bodies)."""
        _ok(env, node, attempt(env, node, self.apply_argv(rules)), "loading firewall rules")

    def remove_argv(self, hooks: list[str]) -> list[str]:
        return sh(APPLY, self.table, "", *self._pairs(hooks))

    def remove(self, env: Environment, node: str, hooks: list[str]) -> None:
        result = attempt(env, node, self.remove_argv(hooks))
        if result.exit_code != 255 or env.node_running(node):
            _ok(env, node, result, "removing firewall rules")

    def _states(self, env: Environment, node: str, hooks: list[str]) -> list[str]:
        result = attempt(env, node, sh(_STATE, self.table, *self._pairs(hooks)))
        if result.exit_code == 255:  # a stopped node: its network namespace went with it
            return ["gone"] * len(hooks)
        return result.output.split()

    def applied(self, env: Environment, node: str, hooks: list[str]) -> bool:
        states = self._states(env, node, hooks)
        return len(states) == len(hooks) and set(states) == {"hooked"}

    def gone(self, env: Environment, node: str, hooks: list[str]) -> bool:
        states = self._states(env, node, hooks)
        return len(states) == len(hooks) and set(states) == {"gone"}


def _ok(env: Environment, node: str, result: CommandResult, doing: str) -> None:
    if not result.ok:
        raise FaultFailure(f"{node}: {doing} failed ({result.exit_code}): {result.output[-500:]}")
