"""One fault's firewall rules in a node: a chain of its own per hook, so revert is
"unhook, flush, delete" and never touches other faults' rules or Docker's own.

Rules are built here from typed values (addresses, ports, numbers), loaded atomically
with ``iptables-restore --noflush``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehearsal.envs.base import Environment
from rehearsal.scenarios.faults.node import attempt, run, sh

CHAIN_PREFIX = "REHEARSAL-"
_LOAD = 'printf "%s\\n" "$1" | iptables-restore --noflush'
_UNLOAD = """
table=$1 chain=$2; shift 2
for hook in "$@"; do
  while iptables -w -t "$table" -D "$hook" -j "$chain" 2>/dev/null; do :; done
done
iptables -w -t "$table" -F "$chain" 2>/dev/null
iptables -w -t "$table" -X "$chain" 2>/dev/null
true
"""


@dataclass(frozen=True)
class Chains:
    """The chains of one fault: ``REHEARSAL-<tag>-<hook>`` in ``table``."""

    tag: str
    table: str = "filter"

    def name(self, hook: str) -> str:
        return f"{CHAIN_PREFIX}{self.tag}-{hook[:3]}"

    def apply(self, env: Environment, node: str, rules: dict[str, list[str]]) -> None:
        """Replace this fault's rules in ``node``: ``rules`` maps a hook to rule bodies."""
        self.remove(env, node, list(rules))
        lines = [f"*{self.table}"]
        lines += [f":{self.name(hook)} - [0:0]" for hook in rules]
        for hook, bodies in rules.items():
            lines += [f"-A {self.name(hook)} {body}" for body in bodies]
            lines.append(f"-I {hook} 1 -j {self.name(hook)}")
        lines.append("COMMIT")
        run(env, node, sh(_LOAD, "\n".join(lines)))

    def remove(self, env: Environment, node: str, hooks: list[str]) -> None:
        for hook in hooks:
            run(env, node, sh(_UNLOAD, self.table, self.name(hook), hook))

    def applied(self, env: Environment, node: str, hooks: list[str]) -> bool:
        return all(
            attempt(
                env, node, ["iptables", "-w", "-t", self.table, "-C", hook, "-j", self.name(hook)]
            ).ok
            for hook in hooks
        )

    def gone(self, env: Environment, node: str, hooks: list[str]) -> bool:
        return not any(
            attempt(env, node, ["iptables", "-w", "-t", self.table, "-S", self.name(hook)]).ok
            for hook in hooks
        )
