"""The shape of a role's params, checked at validate time at the line of the wrong value.

A role declares in ``meta/rehearsal.yml`` a JSON Schema per param under ``params_schema``
(nginx's ``sites``, a broker's ``queues``, a replica's primary). Without it a site with no
server name or an upstream group with no servers is found only when Ansible's assert fails
at converge, minutes later and far from the profile's line. A schema's ``description`` on
the part that failed says what to give.

Two formats are rehearsal's own, for what a schema cannot know alone: ``node``, the name of
a node of the profile, and ``node-network-address``, an IPv4 address in the subnet of one of
the node's networks that no node has (a virtual IP).

``fastjsonschema`` compiles each schema to plain Python once: checking costs microseconds and
importing it milliseconds, which keeps ``validate`` inside its budget (``jsonschema`` takes
over 100 ms to import).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import fastjsonschema

from rehearsal.errors import Problem
from rehearsal.models.catalog import RoleCatalog
from rehearsal.models.profile import Node, Profile
from rehearsal.models.suggest import did_you_mean
from rehearsal.models.yamlfile import YamlDocument

Validator = Callable[[Any], Any]
Where = tuple[str | int, ...]
FIRST_NODE_HOST = 10
"""Container nodes get addresses from .10 on, in profile order (``envs.docker``)."""


@dataclass
class _Checking:
    """The profile and node a param is checked for, and why a format refused a value."""

    profile: Profile
    node: Node
    refusal: str | None = field(default=None)


_CHECKING: ContextVar[_Checking] = ContextVar("param_shapes_checking")


def check_shapes(profile: Profile, document: YamlDocument, catalog: RoleCatalog) -> list[Problem]:
    """One problem per node param that does not fit its role's schema, at the offending value."""
    problems = []
    for n, node in enumerate(profile.nodes):
        info = catalog.get(node.role)
        if info is None:
            continue
        defaults = info.folder / "defaults" / "main.yml"
        for name, value in node.params.items():
            schema = info.params_schema.get(name)
            if schema is None or schema_problem(schema) is not None:
                continue  # a broken schema is the role's fault: its contract check says so
            failure = shape_failure(name, schema, value, profile, node, defaults)
            if failure is not None:
                where, message = failure
                problems.append(document.problem(("nodes", n, "params", name, *where), message))
    return problems


def shape_failure(
    name: str,
    schema: dict[str, Any],
    value: Any,
    profile: Profile,
    node: Node,
    defaults: Path = Path("defaults/main.yml"),
) -> tuple[Where, str] | None:
    """Where below param ``name`` its ``value`` breaks ``schema``, and what to say; None when
    it fits."""
    checking = _Checking(profile, node)
    token = _CHECKING.set(checking)
    try:
        compiled(json.dumps(schema, sort_keys=True))(value)
    except fastjsonschema.JsonSchemaValueException as error:
        return _said(name, error, value, checking.refusal, schema, defaults)
    finally:
        _CHECKING.reset(token)
    return None


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` is not a usable JSON Schema (for ``role check``), or None."""
    if not isinstance(schema, dict):
        return "give a JSON Schema (a mapping such as {type: array, items: {...}})"
    try:
        compiled(json.dumps(schema, sort_keys=True))
    except fastjsonschema.JsonSchemaDefinitionException as error:
        return f"not a JSON Schema: {error}"
    return None


def _said(
    name: str,
    error: fastjsonschema.JsonSchemaValueException,
    value: Any,
    refusal: str | None,
    schema: dict[str, Any],
    defaults: Path,
) -> tuple[Where, str]:
    where = _where(value, error.path[1:])
    shown = name + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where)
    definition = error.definition if isinstance(error.definition, dict) else {}
    if error.rule == "format" and refusal is not None:
        return where, f"{shown}: {refusal}"
    if error.rule == "additionalProperties" and isinstance(error.value, dict):
        allowed = sorted(definition.get("properties", {}))
        extra = next((str(key) for key in error.value if key not in allowed), "?")
        return (*where, extra), f"unknown key {extra!r} in {shown}{did_you_mean(extra, allowed)}"
    said = (error.message or "").removeprefix(error.name or "").strip()
    if error.rule == "const":
        said = f"must be {json.dumps(definition.get('const'))}"
    if error.rule == "propertyNames" and isinstance(error.value, dict):
        pattern = str((definition.get("propertyNames") or {}).get("pattern", ""))
        wrong = [str(key) for key in error.value if not re.search(pattern, str(key))]
        if wrong:
            where = (*where, wrong[0])
            said = f"key {wrong[0]!r} does not match {pattern}"
    hint = definition.get("description") or _nearest_description(schema, where)
    return where, f"{shown} {said}; give {hint or f'see {defaults}'}"


def _nearest_description(schema: dict[str, Any], where: Where) -> str | None:
    """The description closest above ``where`` in ``schema``: what the enclosing value is."""
    found = schema.get("description")
    part_schema: Any = schema
    for part in where:
        if not isinstance(part_schema, dict):
            break
        if isinstance(part, int):
            part_schema = part_schema.get("items")
        else:
            part_schema = (part_schema.get("properties") or {}).get(part) or part_schema.get(
                "additionalProperties"
            )
        if isinstance(part_schema, dict) and part_schema.get("description"):
            found = part_schema["description"]
    return str(found) if found else None


@functools.lru_cache(maxsize=256)
def compiled(schema: str) -> Validator:
    validator: Validator = fastjsonschema.compile(json.loads(schema), formats=FORMATS)
    return validator


def _where(value: Any, parts: list[str]) -> Where:
    """fastjsonschema's path parts (all strings) as keys and list indexes into ``value``."""
    where: list[str | int] = []
    for part in parts:
        if isinstance(value, list) and part.isdigit():
            index = int(part)
            where.append(index)
            value = value[index] if index < len(value) else None
        else:
            where.append(part)
            value = value.get(part) if isinstance(value, dict) else None
    return tuple(where)


def _refuse(why: str) -> bool:
    _CHECKING.get().refusal = why
    return False


def _a_node(value: Any) -> bool:
    if not isinstance(value, str):
        return True  # the schema's `type` says what a value of another type is
    names = sorted(node.name for node in _CHECKING.get().profile.nodes)
    if value in names:
        return True
    return _refuse(
        f"unknown node {value!r}{did_you_mean(value, names)} (give a node of this profile)"
    )


def _a_node_network_address(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    checking = _CHECKING.get()
    profile, node = checking.profile, checking.node
    try:
        address = IPv4Address(value)
    except ValueError:
        return _refuse(f"{value!r} is not an IPv4 address such as 10.30.1.100")
    networks = [net for net in profile.networks if net.name in node.networks]
    fixed = [net for net in networks if net.subnet is not None]
    if not fixed:
        names = ", ".join(net.name for net in networks)
        return _refuse(
            f"the networks of node {node.name!r} ({names}) have no subnet, so no address on "
            f"them is fixed; give the one it is on a `subnet:` (e.g. 10.30.1.0/24) and put "
            f"{value} in it"
        )
    on = next((net for net in fixed if net.subnet is not None and address in net.subnet), None)
    if on is None or on.subnet is None:
        subnets = ", ".join(f"{net.name} {net.subnet}" for net in fixed)
        return _refuse(
            f"{value} is in no subnet of node {node.name!r}'s networks ({subnets}); pick an "
            "address in one of them"
        )
    subnet = on.subnet
    containers = [other.name for other in profile.nodes if other.lab_host is None]
    taken = {
        subnet.network_address: "the network's own address",
        subnet.network_address + 1: "its gateway's address",
        subnet.broadcast_address: "its broadcast address",
    }
    for position, name in enumerate(containers):
        taken.setdefault(
            subnet.network_address + FIRST_NODE_HOST + position, f"node {name}'s address"
        )
    if address in taken:
        free = subnet.network_address + FIRST_NODE_HOST + len(containers)
        return _refuse(
            f"{value} is {taken[address]} on network {on.name!r}; pick another one in {subnet} "
            f"({free} and above are free)"
        )
    return True


FORMATS: dict[str, Callable[[Any], bool]] = {
    "node": _a_node,
    "node-network-address": _a_node_network_address,
}
