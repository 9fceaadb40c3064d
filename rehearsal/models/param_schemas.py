"""A node's params against the shape its role declares, each wrong one at its own line.

A role may give, in ``meta/rehearsal.yml``, a ``params_schema``: param name → a JSON Schema
(checked with the ``jsonschema`` library; a schema's ``description`` says what to give, and
ends the message). Without one a param is taken as given, as before.

One format is rehearsal's own, for what a schema cannot know alone:
``node-network-address``, an IPv4 address in the subnet of one of the node's networks (which
then needs a ``subnet:``, or the address would not be fixed) that is not the subnet's network,
gateway or broadcast address, nor a node's own (a virtual IP, say).
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Any

from rehearsal.errors import Problem
from rehearsal.models.catalog import RoleCatalog, RoleInfo
from rehearsal.models.profile import Node, Profile
from rehearsal.models.yamlfile import YamlDocument

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

NODE_NETWORK_ADDRESS = "node-network-address"
FIRST_NODE_HOST = 10
"""Container nodes get addresses from .10 on, in profile order (``envs.docker.FIRST_HOST``)."""


def check_params(profile: Profile, doc: YamlDocument, catalog: RoleCatalog) -> list[Problem]:
    """Every param of every node whose value its role's ``params_schema`` refuses."""
    from jsonschema import Draft202012Validator, FormatChecker  # ~0.1 s: only when needed
    from jsonschema.exceptions import SchemaError

    problems = []
    for index, node in enumerate(profile.nodes):
        info = catalog.get(node.role)
        if info is None or not info.params_schema:
            continue
        checker = FormatChecker(formats=())
        checker.checks(NODE_NETWORK_ADDRESS, raises=ValueError)(_on_node_network(profile, node))
        for name, value in node.params.items():
            schema = info.params_schema.get(name)
            if schema is None:
                continue
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError:
                continue  # not the profile's fault: the role's contract check reports it
            validator = Draft202012Validator(schema, format_checker=checker)
            for error in validator.iter_errors(value):
                loc = ("nodes", index, "params", name, *error.absolute_path)
                problems.append(doc.problem(loc, _message(name, error, schema, info)))
    return problems


def _message(name: str, error: ValidationError, schema: dict[str, Any], info: RoleInfo) -> str:
    where = name + "".join(f".{part}" for part in error.absolute_path)
    what = str(error.cause) if error.validator == "format" and error.cause else error.message
    wanted = error.schema.get("description") if isinstance(error.schema, dict) else None
    wanted = wanted or schema.get("description")
    fix = f"; give {wanted}" if wanted else ""
    return (
        f"{where}: {what}{fix} (role {info.name!r}: "
        f"{info.folder / 'defaults' / 'main.yml'} documents its params)"
    )


def _on_node_network(profile: Profile, node: Node) -> Callable[[object], bool]:
    containers = [other.name for other in profile.nodes if other.lab_host is None]

    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True  # the schema's `type` says what a value of another type is
        try:
            address = IPv4Address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 address such as 10.30.1.100") from None
        networks = [net for net in profile.networks if net.name in node.networks]
        fixed = [net for net in networks if net.subnet is not None]
        if not fixed:
            names = ", ".join(net.name for net in networks)
            raise ValueError(
                f"the networks of node {node.name!r} ({names}) have no subnet, so no address "
                "on them is fixed; give the one it is on a `subnet:` (e.g. 10.30.1.0/24) "
                f"and put {value} in it"
            )
        on = next((net for net in fixed if net.subnet and address in net.subnet), None)
        if on is None or on.subnet is None:
            subnets = ", ".join(f"{net.name} {net.subnet}" for net in fixed)
            raise ValueError(
                f"{value} is in no subnet of node {node.name!r}'s networks ({subnets}); "
                "pick an address in one of them"
            )
        subnet = on.subnet
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
            raise ValueError(
                f"{value} is {taken[address]} on network {on.name!r}; pick another "
                f"one in {subnet} ({free} and above are free)"
            )
        return True

    return check
