"""Which nodes a fault hits: by name, role, network or label, then (optionally) a
repeatable random pick of ``count`` or ``percent`` of them, seeded by ``seed``.

Resolution happens before anything is injected: at validate time (a selector that
matches no node is an error with its line), for ``--dry-run``, and when the step runs.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from rehearsal.models.loading import catalog_of
from rehearsal.models.profile import Profile
from rehearsal.models.suggest import did_you_mean
from rehearsal.scenarios.faults.base import FaultSpec, Placement

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class NodeFacts:
    name: str
    role: str
    networks: tuple[str, ...]
    labels: dict[str, str]


def node_facts(profile: Profile) -> list[NodeFacts]:
    return [
        NodeFacts(node.name, node.role, tuple(node.networks), dict(node.labels))
        for node in profile.nodes
    ]


def _names(selector: Any) -> list[str]:
    target = selector.target
    if target is None:
        return []
    return [target] if isinstance(target, str) else list(target)


def matching(selector: Any, nodes: list[NodeFacts]) -> list[str]:
    """Nodes that meet every selector given (``target``, ``role``, ``network``, ``label``)."""
    names = _names(selector)
    label = selector.label or {}
    return [
        node.name
        for node in nodes
        if (not names or node.name in names)
        and (selector.role is None or node.role == selector.role)
        and (selector.network is None or selector.network in node.networks)
        and all(node.labels.get(key) == value for key, value in label.items())
    ]


def pick(matches: list[str], spec: FaultSpec, run_seed: int = 0) -> list[str]:
    """``count``/``percent`` of the matches, chosen by the fault's seed or else the run's, so
    an attempt replayed with the same ``--seed`` breaks the same nodes."""
    if spec.count is None and spec.percent is None:
        return matches
    wanted = spec.count or math.ceil(len(matches) * (spec.percent or 0) / 100)
    seed = spec.seed if spec.seed is not None else run_seed
    chosen = random.Random(seed).sample(sorted(matches), min(wanted, len(matches)))
    return [name for name in matches if name in chosen]


def place(spec: FaultSpec, profile: Profile, run_seed: int = 0) -> Placement:
    nodes = node_facts(profile)
    targets = pick(matching(spec, nodes), spec, run_seed)
    peers = getattr(spec, "peers", None)
    chosen = [] if peers is None else [n for n in matching(peers, nodes) if n not in targets]
    return Placement(tuple(targets), tuple(chosen), catalog_of(profile).folders)


def problems(spec: FaultSpec, profile: Profile) -> list[tuple[Loc, str]]:
    """Selectors that name nothing, located relative to the fault."""
    nodes = node_facts(profile)
    found: list[tuple[Loc, str]] = []
    found += _selector_problems(spec, nodes, ())
    peers = getattr(spec, "peers", None)
    if peers is not None:
        found += _selector_problems(peers, nodes, ("peers",))
    if not found and not matching(spec, nodes):
        found.append(((), "no node meets every selector of this fault together"))
    if not found and peers is not None and not place(spec, profile).peers:
        found.append((("peers",), "the peers select no node besides the targets"))
    return found


def _selector_problems(selector: Any, nodes: list[NodeFacts], at: Loc) -> list[tuple[Loc, str]]:
    names = [node.name for node in nodes]
    roles = sorted({node.role for node in nodes})
    networks = sorted({network for node in nodes for network in node.networks})
    found: list[tuple[Loc, str]] = [
        (
            (*at, "target"),
            f"unknown node {name!r}{did_you_mean(name, names)} (targets are nodes of the profile)",
        )
        for name in _names(selector)
        if name not in names
    ]
    if selector.role is not None and selector.role not in roles:
        found.append(
            (
                (*at, "role"),
                f"no node has role {selector.role!r}{did_you_mean(selector.role, roles)}",
            )
        )
    if selector.network is not None and selector.network not in networks:
        found.append(
            (
                (*at, "network"),
                f"no node is on network {selector.network!r}"
                f"{did_you_mean(selector.network, networks)}",
            )
        )
    for key, value in (selector.label or {}).items():
        if not any(node.labels.get(key) == value for node in nodes):
            found.append(((*at, "label", key), f"no node has label {key}={value!r}"))
    return found
