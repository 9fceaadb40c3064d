"""Which nodes need which Linux capabilities, from the faults a scenario can inject.

Containers run with Docker's default (unprivileged) set; a node gets e.g. ``NET_ADMIN`` only
when a fault that needs it can hit it. Every node a selector matches counts, since a
``count``/``percent`` pick is only made when the step runs.
"""

from __future__ import annotations

from rehearsal.models.profile import Profile
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.faults import FAULTS, FaultSpec
from rehearsal.scenarios.faults.targeting import matching, node_facts


def needed_capabilities(scenario: Scenario, profile: Profile) -> dict[str, frozenset[str]]:
    nodes = node_facts(profile)
    needed: dict[str, set[str]] = {}
    for phase in scenario.phases:
        for step in phase.steps:
            spec = getattr(step, "fault", None)
            if not isinstance(spec, FaultSpec):
                continue
            for node in matching(spec, nodes) if FAULTS[spec.type].capabilities else []:
                needed.setdefault(node, set()).update(FAULTS[spec.type].capabilities)
    return {node: frozenset(caps) for node, caps in needed.items()}
