"""A role param of the wrong shape is a ``validate`` error at its own line, not a failed task
at converge: a role's ``meta/rehearsal.yml`` may give ``params_schema``, a JSON Schema per
param (checked with the ``jsonschema`` library), with a ``description`` saying what to give.

Besides JSON Schema's own formats, ``format: node`` is the name of a node of the profile (the
primary a replica copies, a back end), so a misspelt node is caught with its suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, SchemaError
from jsonschema.exceptions import ValidationError

from rehearsal.errors import Problem
from rehearsal.models.suggest import did_you_mean
from rehearsal.models.yamlfile import YamlDocument

Loc = tuple[str | int, ...]


def check_params(
    doc: YamlDocument,
    at: Loc,
    params: dict[str, Any],
    schemas: dict[str, Any],
    nodes: Iterable[str],
    defaults: Path,
) -> list[Problem]:
    """Every param in ``params`` (found at ``at`` in ``doc``) that its schema refuses."""
    names = sorted(nodes)
    formats = FormatChecker()
    formats.checks("node")(lambda value: not isinstance(value, str) or value in names)
    problems = []
    for param, value in params.items():
        schema = schemas.get(param)
        if schema is None:
            continue
        validator = Draft202012Validator(schema, format_checker=formats)
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            where: Loc = (*at, param, *error.absolute_path)
            problems.append(_problem(doc, where, param, error, schema, names, defaults))
    return problems


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` is not a JSON Schema a param can be checked with (None: it is)."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        return error.message
    return None


def _problem(
    doc: YamlDocument,
    where: Loc,
    param: str,
    error: ValidationError,
    schema: dict[str, Any],
    nodes: list[str],
    defaults: Path,
) -> Problem:
    path = param + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    )
    if error.validator == "format" and error.validator_value == "node":
        suggestion = did_you_mean(str(error.instance), nodes)
        return doc.problem(
            where,
            f"{path}: unknown node {error.instance!r}{suggestion} (give a node of this profile)",
        )
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        allowed = sorted(properties)
        extra = next(str(key) for key in error.instance if key not in allowed)
        return doc.problem(
            (*where, extra), f"unknown key {extra!r} in {path}{did_you_mean(extra, allowed)}"
        )
    hint = schema.get("description") or f"see {defaults}"
    return doc.problem(where, f"{path}: {error.message}; give {hint}")
