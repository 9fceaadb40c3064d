"""Shaping faults that would meet on one node, found by ``validate`` before anything runs.

A node takes one shaping fault at a time (see ``shaping``; at run time the second is
refused before it changes anything). Two surely meet when a later one starts while an
earlier one without ``duration`` still holds the node: later in its phase, or in any later
phase when it lasts ``until: end``. Random picks (``count``/``percent``) are left to the run.
"""

from __future__ import annotations

from dataclasses import dataclass

from rehearsal.models.profile import Profile
from rehearsal.models.yamlfile import YamlDocument
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.faults.base import FaultSpec
from rehearsal.scenarios.faults.shaping import SHAPING
from rehearsal.scenarios.faults.targeting import matching, node_facts
from rehearsal.scenarios.steps.fault import FaultStep

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class _Holding:
    loc: Loc
    nodes: frozenset[str]
    spec: FaultSpec


def shaping_clashes(
    scenario: Scenario, profile: Profile, doc: YamlDocument
) -> list[tuple[Loc, str]]:
    """Where a shaping fault would be refused because another still shapes its nodes."""
    facts = node_facts(profile)
    holding: list[_Holding] = []
    found: list[tuple[Loc, str]] = []
    for p, phase in enumerate(scenario.phases):
        holding = [held for held in holding if held.spec.until == "end"]
        for s, step in enumerate(phase.steps):
            if not isinstance(step, FaultStep) or step.fault.type not in SHAPING:
                continue
            spec = step.fault
            if spec.count is not None or spec.percent is not None:
                continue
            loc: Loc = ("phases", p, "steps", s, "fault")
            nodes = frozenset(matching(spec, facts))
            for held in holding:
                shared = sorted(nodes & held.nodes)
                if shared:
                    line, _ = doc.where(held.loc)
                    found.append(
                        (
                            loc,
                            f"this {spec.type} would meet the {held.spec.type} of line {line} "
                            f"on {', '.join(shared)}, which still shapes it then: a node takes "
                            "one shaping fault at a time (put them in different phases, or "
                            "give the first a 'duration:' and wait it out)",
                        )
                    )
            if spec.duration is None:
                holding.append(_Holding(loc, nodes, spec))
    return found
