"""Is the mirror what the profile says? Facts gathered from every node after converge.

For each node: the product package's installed version against the version the role pins,
each parameter the role can read back from the running product (``SHOW max_connections``,
``redis-cli CONFIG GET maxmemory``) against the profile's value, the networks it is on, and
its CPU and memory limits. A difference is a finding: a rehearsal on a mirror that differs
from the customer's system may prove nothing about it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from rehearsal.envs.base import CommandResult, NodeLimits
from rehearsal.models.catalog import RoleCatalog, RoleInfo
from rehearsal.models.node_files import TemplateProblem, render
from rehearsal.models.profile import Node, Profile
from rehearsal.models.role_params import node_path, shipped

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
EXT4_SHOWN = 0.85
"""ext4 keeps its journal and inode tables out of the size df shows: from a sixteenth of a
2g volume to a seventh of a 16m one."""
_TRUTH = {"yes": "true", "on": "true", "true": "true", "no": "false", "off": "false"}


class Inspectable(Protocol):
    """What the fidelity check needs from an environment backend."""

    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult: ...

    def limits(self, node: str) -> NodeLimits: ...


@dataclass(frozen=True)
class Fact:
    node: str
    aspect: str  # package, param, file, volume, network, resources, os
    name: str
    expected: str
    actual: str
    matches: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_fidelity(env: Inspectable, profile: Profile, catalog: RoleCatalog) -> list[Fact]:
    """Every fact of every node, gathered in parallel."""
    with ThreadPoolExecutor(max_workers=min(8, len(profile.nodes))) as pool:
        found = pool.map(lambda node: _node(env, node, catalog[node.role]), profile.nodes)
    return [fact for facts in found for fact in facts]


def _node(env: Inspectable, node: Node, role: RoleInfo) -> list[Fact]:
    facts = []
    version = role.version(node.version)
    if role.package and version in role.versions:
        package = role.package.format(version=version)
        result = env.exec(node.name, ["dpkg-query", "-W", "-f=${Version}", package], 10)
        actual = result.output.strip() if result.ok else f"not installed ({result.output[:80]})"
        wanted = role.versions[version]
        matches = result.ok and fnmatch.fnmatchcase(actual, wanted)
        facts.append(Fact(node.name, "package", package, f"{version} ({wanted})", actual, matches))
    for param, command in role.readback.items():
        if param not in node.params or param in role.path_params:
            continue
        result = read_back(env, node.name, command)
        actual = result.output.strip() if result.ok else f"unreadable ({result.output[:80]})"
        expected = str(node.params[param])
        matches = result.ok and same_value(expected, actual)
        facts.append(Fact(node.name, "param", param, expected, actual, matches))
    facts += _shipped(env, node, role)
    facts += _files(env, node)
    facts += volume_facts(env, node)
    limits = env.limits(node.name)
    if limits.measured:
        return facts + _machine(env, node, limits)
    wanted_networks = ", ".join(sorted(node.networks))
    actual_networks = ", ".join(sorted(limits.networks))
    facts.append(
        Fact(
            node.name,
            "network",
            "networks",
            wanted_networks,
            actual_networks,
            wanted_networks == actual_networks,
        )
    )
    cpus = node.resources.cpus
    if cpus is not None or limits.cpus is not None:
        facts.append(
            Fact(
                node.name,
                "resources",
                "cpus",
                _text(cpus),
                _text(limits.cpus),
                cpus == limits.cpus,
            )
        )
    memory = size_bytes(node.resources.memory) if node.resources.memory else None
    if memory is not None or limits.memory_bytes is not None:
        facts.append(
            Fact(
                node.name,
                "resources",
                "memory",
                node.resources.memory or "unlimited",
                _text(limits.memory_bytes),
                memory == limits.memory_bytes,
            )
        )
    return facts


def read_back(env: Inspectable, node: str, command: str) -> CommandResult:
    """Run a role's read-back in the node: how the fidelity check and profile capture both
    read a param's effective value, so one definition in the role serves both. From ``/``:
    over SSH the shell starts in root's home, which ``su postgres`` cannot enter."""
    return env.exec(node, ["sh", "-c", f"cd / && {command}"], 15)


def _shipped(env: Inspectable, node: Node, role: RoleInfo) -> list[Fact]:
    """Each file a path param names is on the node as it is beside the profile (SHA-256):
    an artifact changed since the mirror was built is a difference."""
    facts = []
    for param, source in shipped(node, role).items():
        try:
            with open(source, "rb") as file:
                wanted = hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            wanted = "missing here"
        result = env.exec(node.name, ["sha256sum", node_path(param, source)], 30)
        actual = result.output.split()[0] if result.ok and result.output else "missing"
        facts.append(
            Fact(node.name, "param", param, f"sha256 {wanted[:12]}", actual[:12], actual == wanted)
        )
    return facts


def _files(env: Inspectable, node: Node) -> list[Fact]:
    """Each file of the parameter design holds what its template renders to (by SHA-256);
    a file the profile's params cannot render now (a secret not given here) is left out."""
    facts = []
    for file in node.files:
        try:
            wanted = render(node, file)
        except TemplateProblem:
            continue
        result = env.exec(node.name, ["sha256sum", file.dest], 10)
        actual = result.output.split()[0] if result.ok and result.output else "missing"
        matches = actual == wanted.sha256
        facts.append(
            Fact(node.name, "file", file.dest, f"sha256 {wanted.sha256[:12]}", actual[:12], matches)
        )
    return facts


def volume_facts(env: Inspectable, node: Node) -> list[Fact]:
    """Each data volume's size read back in the node (df): a volume of its own mounted at
    its path, ext4 (a disk) or tmpfs (the memory-backed fallback, said so). ext4 keeps its
    journal and inode tables out of the size it shows, so up to 15 % under matches."""
    facts = []
    for volume in node.volumes:
        argv = ["df", "-B1", "--output=fstype,size,target", volume.path]
        result = env.exec(node.name, argv, 10)
        fields = result.output.splitlines()[-1].split() if result.ok and result.output else []
        if len(fields) != 3:
            actual, matches = f"unreadable ({result.output[:80]})", False
        elif fields[2] != volume.path:
            actual, matches = f"no volume: the path is on {fields[2]}", False
        else:
            kind, size = fields[0], int(fields[1])
            actual = f"{size / 1024**2:.0f} MiB {kind}"
            if kind == "tmpfs":
                actual += " (memory-backed, lost when the node stops)"
            matches = EXT4_SHOWN * volume.size_bytes <= size <= volume.size_bytes
        facts.append(Fact(node.name, "volume", volume.path, volume.size, actual, matches))
    return facts


def _machine(env: Inspectable, node: Node, limits: NodeLimits) -> list[Fact]:
    """A lab host is checked for what the profile says of the machine: its OS release and,
    where stated, its cores and memory (the kernel keeps a little of the RAM fitted, so
    memory matches within 10 %). Its networks are the lab's, not visible from inside."""
    result = env.exec(node.name, ["sh", "-c", ". /etc/os-release; echo $ID-$VERSION_ID"], 10)
    release = result.output.strip() if result.ok else f"unreadable ({result.output[:80]})"
    facts = [Fact(node.name, "os", "release", node.os, release, release == node.os)]
    if node.resources.cpus is not None:
        cpus = node.resources.cpus
        facts.append(
            Fact(
                node.name, "resources", "cpus", _text(cpus), _text(limits.cpus), cpus == limits.cpus
            )
        )
    memory = size_bytes(node.resources.memory) if node.resources.memory else None
    if memory is not None:
        actual = limits.memory_bytes
        close = actual is not None and 0.9 * memory <= actual <= 1.05 * memory
        facts.append(
            Fact(
                node.name, "resources", "memory", node.resources.memory or "", _text(actual), close
            )
        )
    return facts


def _text(value: float | int | None) -> str:
    if value is None:
        return "unlimited"
    return str(value) if isinstance(value, int) else f"{value:g}"


def size_bytes(text: str) -> int | None:
    """``128MB``, ``64mb``, ``512m``, ``67108864`` in bytes (binary units, as the products
    read them); None when it is not a size."""
    match = _SIZE.match(text.strip())
    if not match:
        return None
    unit = (match.group(2) or "").lower()[:1]
    return int(float(match.group(1)) * _UNITS[unit])


def same_value(expected: str, actual: str) -> bool:
    """Equal as sizes, as numbers, as yes/no, or as text (ignoring case and spaces)."""
    left, right = expected.strip(), actual.strip()
    if left.lower() == right.lower():
        return True
    sizes = size_bytes(left), size_bytes(right)
    if None not in sizes:
        return sizes[0] == sizes[1]
    truths = _TRUTH.get(left.lower()), _TRUTH.get(right.lower())
    return None not in truths and truths[0] == truths[1]
