"""Checks that need more than one field: names that must refer to something that exists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rehearsal.errors import Problem
from rehearsal.models.profile import Profile
from rehearsal.models.scenario import Scenario, step_key
from rehearsal.models.yamlfile import YamlDocument
from rehearsal.scenarios.faults.overlap import shaping_clashes
from rehearsal.scenarios.steps import STEPS, Names
from rehearsal.suggest import did_you_mean

Loc = tuple[str | int, ...]


def _unknown(
    doc: YamlDocument, loc: Loc, what: str, name: str, known: Iterable[str], fix: str
) -> Problem:
    return doc.problem(loc, f"unknown {what} {name!r}{did_you_mean(name, known)} ({fix})")


def _duplicates(doc: YamlDocument, key: str, names: list[str]) -> list[Problem]:
    counts = Counter(names)
    return [
        doc.problem((key, index), f"{key}: {name!r} is defined more than once; names are unique")
        for index, name in enumerate(names)
        if counts[name] > 1 and names.index(name) != index
    ]


def check_profile(profile: Profile, doc: YamlDocument, roles_dir: Path) -> list[Problem]:
    node_names = [node.name for node in profile.nodes]
    network_names = [network.name for network in profile.networks]
    probe_names = [probe.name for probe in profile.probes]
    problems = [
        *_duplicates(doc, "nodes", node_names),
        *_duplicates(doc, "networks", network_names),
        *_duplicates(doc, "probes", probe_names),
    ]
    roles = (
        sorted(path.name for path in roles_dir.iterdir() if path.is_dir())
        if roles_dir.is_dir()
        else []
    )
    for index, node in enumerate(profile.nodes):
        if node.role not in roles:
            problems.append(
                _unknown(
                    doc,
                    ("nodes", index, "role"),
                    "role",
                    node.role,
                    roles,
                    f"roles live in {roles_dir}",
                )
            )
        for position, network in enumerate(node.networks):
            if network not in network_names:
                problems.append(
                    _unknown(
                        doc,
                        ("nodes", index, "networks", position),
                        "network",
                        network,
                        network_names,
                        "declare it under 'networks:'",
                    )
                )
    for index, service in enumerate(profile.business.services):
        if service.probe not in probe_names:
            problems.append(
                _unknown(
                    doc,
                    ("business", "services", index, "probe"),
                    "probe",
                    service.probe,
                    probe_names,
                    "declare it under 'probes:'",
                )
            )
    for name, steps in profile.runbooks.items():
        for index, step in enumerate(steps):
            if step.on is not None and step.on not in node_names:
                problems.append(
                    _unknown(
                        doc,
                        ("runbooks", name, index, "on"),
                        "node",
                        step.on,
                        node_names,
                        "name a node under 'nodes:'",
                    )
                )
    return problems


def check_scenario(scenario: Scenario, profile: Profile, doc: YamlDocument) -> list[Problem]:
    probes = [probe.name for probe in profile.probes]
    nodes = [node.name for node in profile.nodes]
    operators = [person.name for person in scenario.team.operators]
    analysts = [person.name for person in scenario.team.analysts]
    names = Names(nodes, probes, list(profile.runbooks), operators, analysts, profile)
    problems: list[Problem] = []
    for index, probe in enumerate(scenario.steady_state):
        if probe not in probes:
            problems.append(
                _unknown(
                    doc,
                    ("steady_state", index),
                    "probe",
                    probe,
                    probes,
                    "probes are declared in the profile",
                )
            )
    for p, phase in enumerate(scenario.phases):
        if phase.operator not in operators:
            problems.append(
                _unknown(
                    doc,
                    ("phases", p, "operator"),
                    "operator",
                    phase.operator,
                    operators,
                    "add them to team.operators",
                )
            )
        if phase.analyst not in analysts:
            problems.append(
                _unknown(
                    doc,
                    ("phases", p, "analyst"),
                    "analyst",
                    phase.analyst,
                    analysts,
                    "add them to team.analysts",
                )
            )
        for s, step in enumerate(phase.steps):
            key = step_key(step)
            assert key is not None
            for where, message in STEPS[key].check(step, names):
                problems.append(doc.problem(("phases", p, "steps", s, *where), message))
    for loc, message in shaping_clashes(scenario, profile, doc):
        problems.append(doc.problem(loc, message))
    return problems
