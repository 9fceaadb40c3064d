"""The shape of a role's structured params, checked at validate time at the param's line.

A role declares in ``meta/rehearsal.yml`` a JSON Schema per param under ``params_schema``
(nginx's ``sites`` and ``upstreams``, a broker's ``queues``...). Without it a site with no
server name or an upstream group with no servers is found only when Ansible's assert fails
at converge, minutes later and far from the profile's line. A schema's ``description`` on
the part that failed is the fix told to the user. ``fastjsonschema`` compiles each schema to
plain Python once: checking costs microseconds and importing it milliseconds, which keeps
``validate`` inside its budget (``jsonschema`` takes over 100 ms to import).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import fastjsonschema

from rehearsal.errors import Problem
from rehearsal.models.catalog import RoleCatalog
from rehearsal.models.profile import Profile
from rehearsal.models.yamlfile import YamlDocument

Validator = Callable[[Any], Any]


def check_shapes(profile: Profile, document: YamlDocument, catalog: RoleCatalog) -> list[Problem]:
    """One problem per node param that does not fit its role's schema, at the offending value."""
    problems = []
    for n, node in enumerate(profile.nodes):
        info = catalog.get(node.role)
        if info is None:
            continue
        for name, schema in info.param_schemas.items():
            if name not in node.params:
                continue
            failure = shape_failure(schema, node.params[name])
            if failure is not None:
                where, message = failure
                problems.append(
                    document.problem(("nodes", n, "params", name, *where), f"{name}{message}")
                )
    return problems


def shape_failure(schema: dict[str, Any], value: Any) -> tuple[tuple[str | int, ...], str] | None:
    """Where in ``value`` it breaks ``schema`` (a path below the param) and what to say, or None."""
    try:
        compiled(json.dumps(schema, sort_keys=True))(value)
    except fastjsonschema.JsonSchemaValueException as error:
        where = _where(value, error.path[1:])
        said = error.message.removeprefix(error.name or "").strip()
        shown = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where)
        hint = error.definition.get("description") if isinstance(error.definition, dict) else None
        return where, f"{shown} {said}" + (f": {hint}" if hint else "")
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


@functools.lru_cache(maxsize=128)
def compiled(schema: str) -> Validator:
    validator: Validator = fastjsonschema.compile(json.loads(schema))
    return validator


def _where(value: Any, parts: list[str]) -> tuple[str | int, ...]:
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
