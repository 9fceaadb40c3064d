"""Before the first fault: does every node a fault will hit have what that fault needs?

Each fault type says what it ``requires`` of a node (names of ``CHECKS``). Once the
environment is up and before phase 1, one exec per node checks what the run's faults need
there, so a fault the environment cannot do (no iptables, no NET_ADMIN, no netem) is a
clear error naming the fault's line, before anything is injected.
"""

from __future__ import annotations

from collections import defaultdict

from rehearsal.envs.base import Environment
from rehearsal.errors import RunRefused
from rehearsal.models.yamlfile import read_yaml
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.node import on_each, sh
from rehearsal.scenarios.faults.targeting import place
from rehearsal.scenarios.planning import Plan
from rehearsal.scenarios.steps.fault import FaultStep

# What a node must have, checked without changing it (netem: on loopback, then removed).
CHECKS: dict[str, tuple[str, str]] = {
    "net-admin": (
        'cap=$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status); '
        "[ $(( 0x$cap >> 12 & 1 )) = 1 ]",
        "the NET_ADMIN capability (Docker nodes get it; on a lab host, run as root)",
    ),
    "iptables": (
        "iptables -w -S INPUT >/dev/null 2>&1 && iptables -w -t nat -S >/dev/null 2>&1",
        "working iptables with its filter and nat tables (apt-get install iptables)",
    ),
    "tc": ("command -v tc >/dev/null", "tc (apt-get install iproute2)"),
    "netem": (
        "tc qdisc add dev lo root handle fffe: netem delay 1ms 2>/dev/null "
        "&& tc qdisc del dev lo root",
        "tc netem in the kernel (sch_netem); without it give 'port:' to delay one TCP service",
    ),
    "procps": ("command -v pgrep >/dev/null", "pgrep (apt-get install procps)"),
    "python3": ("command -v python3 >/dev/null", "python3"),
    "setsid": ("command -v setsid >/dev/null", "setsid (util-linux)"),
    "fallocate": ("command -v fallocate >/dev/null", "fallocate (util-linux)"),
    "libfaketime": (
        "ls /usr/lib/*/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1 "
        "2>/dev/null | grep -q .",
        "libfaketime (in the base image; on a lab host give the node "
        "'packages: [libfaketime]' in the profile)",
    ),
}
_SCRIPT = (
    'for c in "$@"; do case "$c" in\n'
    + "".join(f'  {name}) {{ {check}; }} || echo "$c" ;;\n' for name, (check, _) in CHECKS.items())
    + "esac; done\n"
)


def missing(env: Environment, node: str, needs: set[str]) -> list[str]:
    """Of ``needs``, what ``node`` lacks (one exec)."""
    if not needs:
        return []
    result = env.exec(node, sh(_SCRIPT, *sorted(needs)), 30)
    if result.exit_code == 255:  # the node is down: nothing can be checked, say so
        return sorted(needs)
    return result.output.split()


def preflight(plan: Plan, env: Environment, seed: int) -> None:
    """Refuse the run, naming each fault's FILE:LINE, when a node lacks what it needs."""
    needs: dict[str, set[str]] = defaultdict(set)
    wanted: list[tuple[tuple[str | int, ...], str, frozenset[str], tuple[str, ...]]] = []
    for p, phase in enumerate(plan.scenario.phases):
        for s, step in enumerate(phase.steps):
            if not isinstance(step, FaultStep):
                continue
            fault_type = FAULTS[step.fault.type]
            required = frozenset(fault_type.requirements(step.fault))
            nodes = place(step.fault, plan.profile, seed).targets
            wanted.append((("phases", p, "steps", s, "fault"), step.fault.type, required, nodes))
            for node in nodes:
                needs[node] |= required
    checked = list(needs)
    found = on_each(checked, lambda node: missing(env, node, needs[node]))
    lacking = dict(zip(checked, found, strict=True))
    if not any(lacking.values()):
        return
    doc = read_yaml(plan.scenario_path)
    lines = []
    for loc, kind, required, nodes in wanted:
        for node in nodes:
            for need in sorted(required & set(lacking.get(node, []))):
                line, column = doc.where(loc)
                lines.append(
                    f"{plan.scenario_path}:{line}:{column}: {kind} on {node} needs "
                    f"{CHECKS[need][1]}, which {node} does not have; nothing was injected"
                )
    raise RunRefused("\n".join(dict.fromkeys(lines)))
