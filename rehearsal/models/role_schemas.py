"""The shape of a role's params, checked at ``validate``: a JSON Schema per param.

A role's ``meta/rehearsal.yml`` may give ``params_schema``, a mapping of param name → the
JSON Schema (draft 2020-12) of its value, so a list of queues or users given in the wrong
shape is refused at its line, before any container is built, instead of failing at converge.
Checked with ``jsonschema``; the schema's nearest ``description`` says what to give.
"""

from __future__ import annotations

from typing import Any

from rehearsal.errors import Problem
from rehearsal.models.catalog import ROLE_FILE, RoleInfo
from rehearsal.models.profile import Node
from rehearsal.models.yamlfile import YamlDocument


def check_params(doc: YamlDocument, index: int, node: Node, info: RoleInfo) -> list[Problem]:
    """Every param of ``node`` whose value does not fit its role's schema, at its line."""
    import jsonschema

    problems = []
    for name, schema in info.params_schema.items():
        if name not in node.params:
            continue
        try:
            validator = jsonschema.Draft202012Validator(schema)
            validator.check_schema(schema)
        except jsonschema.SchemaError as wrong:
            at = str(info.folder / ROLE_FILE)
            message = f"params_schema {name!r} of role {info.name!r} is not a JSON Schema: "
            problems.append(Problem(at, 1, 1, message + f"{wrong.message}; fix the role"))
            continue
        loc = ("nodes", index, "params", name)
        for error in sorted(validator.iter_errors(node.params[name]), key=_order):
            message = f"param {name}{_path(error.absolute_path)}: {error.message}"
            problems.append(
                doc.problem((*loc, *error.absolute_path), f"{message}; {_fix(error, schema, info)}")
            )
    return problems


def _path(parts: Any) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def _order(error: Any) -> tuple[str, ...]:
    return tuple(str(part) for part in error.absolute_path)


def _fix(error: Any, schema: dict[str, Any], info: RoleInfo) -> str:
    """What to give: the deepest ``description`` on the way to the failed rule, else where
    the role documents its params."""
    told, node = schema.get("description"), schema
    for part in error.absolute_schema_path:
        node = node[part] if isinstance(node, dict | list) else None
        if isinstance(node, dict) and isinstance(node.get("description"), str):
            told = node["description"]
    return f"give {told}" if told else f"see {info.folder / 'defaults' / 'main.yml'}"
