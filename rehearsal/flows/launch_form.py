"""The launch form as a support engineer sees it in the Prefect UI.

Each parameter of the launch flow carries its title and one-line description in its
``Annotated`` ``Field``. Prefect 3 titles every property with the parameter's name and types
an optional one as "value or None", which its form draws as a type switch showing
"Property is type None"; so the deployment's schema is reshaped here from the signature:
titles and descriptions put back, an optional field made a plain input (left empty, the flow's
default applies; Prefect's server still accepts null for a field with no default), and the
parameters only ``rehearsal serve`` sets left out of the form (bound in the deployment's
parameters, which the server merges into every run).

Prefect's select shows an enum's values as they are, with no labels, so a scenario choice is
itself readable: ``Acme Retail — Loss of the primary database · webshop/drill-db-failover.yaml``,
and :func:`scenario_path` maps it back to the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from pydantic.fields import FieldInfo

from rehearsal.errors import InvalidInput
from rehearsal.models.includes import with_includes
from rehearsal.models.yamlfile import read_yaml

SEPARATOR = " · "


class SetByServe:
    """Marks a launch parameter that ``rehearsal serve`` binds in the deployment (a folder, a
    drill's end day): kept out of the form, so nobody is asked for it."""


SET_BY_SERVE = SetByServe()


def scenario_choices(folder: Path) -> dict[str, str]:
    """The scenario files under ``folder`` (YAML with a top-level ``kind``), each under its
    readable choice: customer, title and the file relative to ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*.y*ml")):
        try:
            data = read_yaml(path).data
        except InvalidInput:
            continue
        if isinstance(data, dict) and "kind" in data:
            relative = path.relative_to(folder).as_posix()
            found[_choice(relative, data, path.parent)] = relative
    return found


def scenario_path(choice: str) -> str:
    """The scenario file a choice names (a bare path, as drills and scripts give, is itself)."""
    return choice.rsplit(SEPARATOR, 1)[-1]


def _choice(relative: str, scenario: dict[str, Any], folder: Path) -> str:
    title = scenario.get("title")
    customer = _customer(folder / str(scenario.get("profile", "")))
    said = " — ".join(str(part) for part in (customer, title) if part)
    return f"{said}{SEPARATOR}{relative}" if said else relative


def _customer(profile: Path) -> str | None:
    """The customer's name in a profile (with its includes), or None when it cannot be read:
    the choice is still offered, and the launch says what is wrong with the profile."""
    if not profile.is_file():
        return None
    try:
        data = with_includes(read_yaml(profile)).data
    except InvalidInput:
        return None
    customer = data.get("customer") if isinstance(data, dict) else None
    name = customer.get("name") if isinstance(customer, dict) else None
    return str(name) if name else None


def shape_form(flow_fn: Callable[..., Any], schema: Any, choices: list[str] | None = None) -> None:
    """Reshape a deployment's parameter schema (Prefect's ``ParameterSchema``) into the form
    its flow's annotations describe; ``choices`` become the scenario's enum."""
    for name, hint in get_type_hints(flow_fn, include_extras=True).items():
        if name not in schema.properties:
            continue
        meta = get_args(hint)[1:] if get_origin(hint) is Annotated else ()
        if SET_BY_SERVE in meta:
            del schema.properties[name]
            schema.required = [required for required in schema.required if required != name]
            continue
        fields = [m for m in meta if isinstance(m, FieldInfo)]
        if not fields:
            raise TypeError(f"launch parameter {name!r} needs Field(title=..., description=...)")
        field, prop = fields[0], schema.properties[name]
        prop.update(title=field.title, description=field.description)
        if "anyOf" in prop:
            [typed] = [option for option in prop.pop("anyOf") if option.get("type") != "null"]
            prop.update(typed)
            if "default" in prop and prop["default"] is None:
                del prop["default"]
    if choices is not None:
        schema.properties["scenario"]["enum"] = choices
