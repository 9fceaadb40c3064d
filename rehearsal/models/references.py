"""Checks that need more than one field: names that must refer to something that exists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rehearsal.errors import Problem
from rehearsal.models.catalog import RoleCatalog
from rehearsal.models.people_checks import check_people
from rehearsal.models.profile import Node, Profile
from rehearsal.models.role_contract import check_role
from rehearsal.models.suggest import did_you_mean
from rehearsal.models.volume_checks import check_volumes
from rehearsal.models.yamlfile import YamlDocument

Loc = tuple[str | int, ...]


def unknown_name(
    doc: YamlDocument, loc: Loc, what: str, name: str, known: Iterable[str], fix: str
) -> Problem:
    return doc.problem(loc, f"unknown {what} {name!r}{did_you_mean(name, known)} ({fix})")


def duplicates(doc: YamlDocument, key: str, names: list[str], at: Loc = ()) -> list[Problem]:
    """Each entry whose name an earlier entry of the list has, at its own line."""
    counts = Counter(names)
    return [
        doc.problem(
            (*(at or (key,)), index), f"{key}: {name!r} is defined more than once; names are unique"
        )
        for index, name in enumerate(names)
        if counts[name] > 1 and names.index(name) != index
    ]


def check_profile(profile: Profile, doc: YamlDocument, catalog: RoleCatalog) -> list[Problem]:
    node_names = [node.name for node in profile.nodes]
    network_names = [network.name for network in profile.networks]
    probe_names = [probe.name for probe in profile.probes]
    problems = [
        *duplicates(doc, "nodes", node_names),
        *duplicates(doc, "networks", network_names),
        *duplicates(doc, "probes", probe_names),
        *duplicates(doc, "jobs", [job.name for job in profile.jobs]),
    ]
    for index, segment in enumerate(profile.networks):
        room = segment.subnet.num_addresses - 12 if segment.subnet else len(profile.nodes)
        if room < len(profile.nodes):
            problems.append(
                doc.problem(
                    ("networks", index, "subnet"),
                    f"subnet {segment.subnet} is too small: nodes get addresses from .10 on "
                    f"and there are {len(profile.nodes)}; use a larger one (a /24)",
                )
            )
    problems += _shared_lab_hosts(profile, doc)
    problems += _node_files(profile, doc)
    problems += _own_roles(profile, doc, catalog)
    problems += check_volumes(profile, doc)
    for index, node in enumerate(profile.nodes):
        problems += _check_role(doc, index, node, catalog)
        for position, network in enumerate(node.networks):
            if network not in network_names:
                problems.append(
                    unknown_name(
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
                unknown_name(
                    doc,
                    ("business", "services", index, "probe"),
                    "probe",
                    service.probe,
                    probe_names,
                    "declare it under 'probes:'",
                )
            )
    problems += _check_services(profile, doc)
    for index, job in enumerate(profile.jobs):
        if job.on not in node_names:
            problems.append(
                unknown_name(doc, ("jobs", index, "on"), "node", job.on, node_names, "name a node")
            )
    for index, probe in enumerate(profile.probes):
        on = getattr(probe.check, "on", None)
        if on is not None and on not in node_names:
            where = ("probes", index, probe.kind, "on")
            problems.append(unknown_name(doc, where, "node", on, node_names, "name a node"))
    for name, steps in profile.runbooks.items():
        for index, step in enumerate(steps):
            if step.on is not None and step.on not in node_names:
                problems.append(
                    unknown_name(
                        doc,
                        ("runbooks", name, index, "on"),
                        "node",
                        step.on,
                        node_names,
                        "name a node under 'nodes:'",
                    )
                )
    return problems + check_people(profile, doc)


def _node_files(profile: Profile, doc: YamlDocument) -> list[Problem]:
    """Each template renders for its node (every name it uses is a param), each path once."""
    from rehearsal.models.node_files import TemplateProblem, render

    found = []
    for n, node in enumerate(profile.nodes):
        seen: set[str] = set()
        for f, file in enumerate(node.files):
            if file.dest in seen:
                found.append(
                    doc.problem(
                        ("nodes", n, "files", f, "dest"),
                        f"{file.dest} is already written by an earlier file of node "
                        f"{node.name!r}; keep one",
                    )
                )
            seen.add(file.dest)
            try:
                render(node, file)
            except TemplateProblem as problem:
                found.append(doc.problem(("nodes", n, "files", f, "template"), str(problem)))
    return found


def _shared_lab_hosts(profile: Profile, doc: YamlDocument) -> list[Problem]:
    """Two nodes on one lab host would converge two roles over each other."""
    seen: dict[tuple[str, int], str] = {}
    found = []
    for index, node in enumerate(profile.nodes):
        host = node.lab_host
        if host is None:
            continue
        where = (host.address.lower(), host.port)
        if where in seen:
            found.append(
                doc.problem(
                    ("nodes", index, "lab_host", "address"),
                    f"lab host {host.address}:{host.port} is already node {seen[where]!r}; "
                    "a lab host carries one node: give this node its own host or a container",
                )
            )
        seen.setdefault(where, node.name)
    return found


def _check_services(profile: Profile, doc: YamlDocument) -> list[Problem]:
    """Service dependencies name services, and none depends on itself through others."""
    services = [service.name for service in profile.business.services]
    problems = duplicates(doc, "services", services, ("business", "services"))
    needs = {service.name: service.depends_on for service in profile.business.services}
    for index, service in enumerate(profile.business.services):
        for position, other in enumerate(service.depends_on):
            if other not in needs:
                where = ("business", "services", index, "depends_on", position)
                fix = "name a service under business.services"
                problems.append(unknown_name(doc, where, "service", other, services, fix))
    for index, service in enumerate(profile.business.services):
        cycle = _cycle_from(service.name, needs)
        if cycle and cycle[0] == min(cycle[:-1]):  # report each cycle once
            problems.append(
                doc.problem(
                    ("business", "services", index, "depends_on"),
                    f"services depend on each other in a circle: {' -> '.join(cycle)}; "
                    "remove one of these depends_on entries",
                )
            )
    return problems


def _cycle_from(start: str, needs: dict[str, list[str]]) -> list[str]:
    """A dependency path from ``start`` back to itself, or []."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        for other in needs.get(name, []):
            if other == start:
                return [*path, start]
            if other not in seen:
                seen.add(other)
                stack.append((other, [*path, other]))
    return []


def _own_roles(profile: Profile, doc: YamlDocument, catalog: RoleCatalog) -> list[Problem]:
    """A role name in two folders is ambiguous; an own role a node uses keeps the contract."""
    problems = []
    users = {node.role: index for index, node in reversed(list(enumerate(profile.nodes)))}
    for name, first, second in catalog.clashes:
        loc: Loc = ("nodes", users[name], "role") if name in users else ("roles_path",)
        problems.append(
            doc.problem(
                loc,
                f"role {name!r} is found twice: {first} and {second}; rename one of them "
                "(a customer's role may not share a shipped role's name)",
            )
        )
    for info in catalog.own():
        if info.name in users:
            problems += check_role(info.folder)
    return problems


def _check_role(doc: YamlDocument, index: int, node: Node, catalog: RoleCatalog) -> list[Problem]:
    """The role exists, offers the version asked for, and declares every param given."""
    info = catalog.get(node.role)
    if info is None:
        where = "roles live in " + ", ".join(str(folder) for folder in catalog.folders)
        where += "; write your own with `rehearsal role new NAME` beside the profile"
        return [
            unknown_name(doc, ("nodes", index, "role"), "role", node.role, catalog.names(), where)
        ]
    problems = []
    if node.version is not None and info.versions and node.version not in info.versions:
        offered = ", ".join(repr(v) for v in info.versions)
        problems.append(
            doc.problem(
                ("nodes", index, "version"),
                f"role {node.role!r} does not offer version {node.version!r}; it offers "
                f"{offered} (bookworm's, and those whose apt repository the role names: see "
                f"{info.folder / 'meta' / 'rehearsal.yml'})",
            )
        )
    declared = sorted(p for p in info.params if not p.startswith("rehearsal_"))
    for key in node.params:
        if key not in declared:
            problems.append(
                doc.problem(
                    ("nodes", index, "params", key),
                    f"role {node.role!r} has no parameter {key!r}"
                    f"{did_you_mean(key, declared)} (its parameters are documented in "
                    f"{info.folder / 'defaults' / 'main.yml'})",
                )
            )
    return problems
