"""The reference of the profile and scenario language, written from the code itself.

Every key comes from the pydantic models (type, default, description), every step, fault
and probe type from its registry, so ``docs/reference.md`` cannot drift from what
``rehearsal validate`` accepts: ``scripts/reference`` rewrites it, and a unit test fails
when the committed copy is stale. Output is deterministic (sorted registries, no dates,
no paths of this machine), so the test can compare it byte for byte.

    python -m rehearsal.scenarios.reference > docs/reference.md
    python -m rehearsal.scenarios.reference --check docs/reference.md
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import annotated_types
import yaml
from pydantic import BaseModel, Discriminator
from pydantic.fields import FieldInfo

from rehearsal.models.base import Name, Regex, Text
from rehearsal.models.durations import Duration
from rehearsal.models.profile import Profile
from rehearsal.scenarios.document import Scenario, Step
from rehearsal.scenarios.faults import FAULTS, FaultSpec
from rehearsal.scenarios.faults.preflight import CHECKS
from rehearsal.scenarios.probes import PROBES
from rehearsal.scenarios.steps import STEPS
from rehearsal.scenarios.steps.fault import AnyFaultSpec

STALE = "docs/reference.md is stale: run scripts/reference"

# Types people write often get one word, explained once in the legend.
_WORDS: list[tuple[Any, str]] = [
    (Name, "name"),
    (Duration, "duration"),
    (Text, "text"),
    (Regex, "regex"),
]
_PLAIN = {str: "string", int: "integer", float: "number", bool: "boolean"}
# Their own descriptions describe the type, not the key: the legend says them once.
_TYPE_DESCRIPTIONS = {
    info.description
    for alias, _ in _WORDS
    for info in typing.get_args(alias)[1:]
    if isinstance(info, FieldInfo) and info.description
}


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def prose(text: str | None) -> str:
    """A docstring as Markdown: rST literals as code, each paragraph on one line."""
    if not text:
        return ""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split()).replace("``", "`") for p in paragraphs)


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def inline(value: Any) -> str:
    """A default as the YAML a user would write."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    return f"`{json.dumps(value, sort_keys=True, default=str)}`"


def _word(hint: Any) -> str | None:
    return next((word for alias, word in _WORDS if hint == alias), None)


def _optional(hint: Any) -> Any:
    """``X | None`` as X: whether a key may be left out is the default column's job."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def nested_models(hint: Any) -> Iterator[type[BaseModel]]:
    """Models a key's type refers to, in the order written (steps and faults excepted:
    they have sections of their own)."""
    if hint == Step or hint == AnyFaultSpec:
        return
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        yield hint
        return
    for arg in typing.get_args(hint):
        yield from nested_models(arg)


def reachable(
    roots: list[type[BaseModel]], done: set[type[BaseModel]]
) -> Iterator[type[BaseModel]]:
    """Each model not in ``done`` that the roots lead to, breadth first, once (added to done)."""
    todo = list(roots)
    while todo:
        model = todo.pop(0)
        if model in done:
            continue
        done.add(model)
        yield model
        for _, _, hint in fields_of(model):
            todo.extend(nested_models(hint))


def fields_of(model: type[BaseModel]) -> list[tuple[str, FieldInfo, Any]]:
    """Each key of a model as written in YAML (its alias), its field and its full type."""
    hints = typing.get_type_hints(model, include_extras=True)
    return [(info.alias or name, info, hints[name]) for name, info in model.model_fields.items()]


@dataclass
class Reference:
    """Renders models into sections, each model once, linking to it from everywhere else."""

    anchors: dict[type[BaseModel], str] = field(default_factory=dict)
    headings: dict[type[BaseModel], str] = field(default_factory=dict)

    def name_models(self, roots: list[type[BaseModel]]) -> None:
        """Give every reachable model a heading; two models of one name are told apart by
        their module."""
        found = list(reachable(roots, set()))
        for model in found:
            same = [m for m in found if m.__name__ == model.__name__]
            suffix = f" ({model.__module__.rsplit('.', 1)[-1]})" if len(same) > 1 else ""
            self.headings[model] = f"`{model.__name__}`{suffix}"
            self.anchors[model] = slug(self.headings[model])

    def type_of(self, hint: Any, info: FieldInfo | None = None) -> str:
        hint = _optional(hint)
        if hint == Step:
            return "[step](#steps)"
        if hint == AnyFaultSpec:
            return "[fault](#faults)"
        word = _word(hint)
        if word is not None:
            return word
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin is typing.Annotated:
            inner = args[0]
            if any(isinstance(meta, Discriminator) for meta in args[1:]):
                return " or ".join(self.type_of(arg) for arg in typing.get_args(inner))
            return self.type_of(inner, info) + _bounds(list(args[1:]))
        text = self._shape(hint, origin, args)
        return text + (_bounds(info.metadata) if info is not None else "")

    def _shape(self, hint: Any, origin: Any, args: tuple[Any, ...]) -> str:
        if origin is Literal:
            return " or ".join(f"`{arg}`" for arg in args)
        if origin in (Union, types.UnionType):
            return " or ".join(self.type_of(arg) for arg in args if arg is not type(None))
        if origin is list:
            return f"list of {self.type_of(args[0])}"
        if origin is dict:
            return f"mapping of {self.type_of(args[0])} to {self.type_of(args[1])}"
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            return f"[{hint.__name__}](#{self.anchors[hint]})"
        if hint is Any:
            return "any value"
        if isinstance(hint, type):
            return _PLAIN.get(hint, hint.__name__)
        return str(hint)

    def table(self, model: type[BaseModel], skip: frozenset[str] = frozenset()) -> list[str]:
        lines = ["| key | type | default | description |", "|---|---|---|---|"]
        for key, info, hint in fields_of(model):
            if key in skip:
                continue
            description = info.description or ""
            if description in _TYPE_DESCRIPTIONS:
                description = ""
            lines.append(
                f"| `{key}` | {cell(self.type_of(hint, info))} | {_default(info, hint)} "
                f"| {cell(description)} |"
            )
        return lines

    def section(self, model: type[BaseModel]) -> list[str]:
        lines = [f"### {self.headings[model]}", ""]
        doc = prose(vars(model).get("__doc__"))
        if doc:
            lines += [doc, ""]
        return [*lines, *self.table(model), ""]

    def tree(self, roots: list[type[BaseModel]], done: set[type[BaseModel]]) -> list[str]:
        """Sections for these models and every model under them not yet written, each
        after the one that first uses it."""
        return [line for model in reachable(roots, done) for line in self.section(model)]


def _bounds(metadata: list[Any]) -> str:
    """The limits worth telling a writer: numeric bounds, a list's least length, a pattern."""
    parts = []
    for meta in metadata:
        for attribute, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(meta, attribute, None)
            if isinstance(meta, annotated_types.BaseMetadata) and value is not None:
                parts.append(f"{sign} {value:g}")
        if isinstance(meta, annotated_types.MinLen) and meta.min_length > 0:
            parts.append(f"at least {meta.min_length}")
        pattern = getattr(meta, "pattern", None)
        if isinstance(pattern, str):
            parts.append(f"matching `{pattern}`")
    return f" ({', '.join(parts)})" if parts else ""


def _default(info: FieldInfo, hint: Any) -> str:
    if info.is_required():
        return "**required**"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "optional"
    if _optional(hint) == Duration and isinstance(value, int | float):
        return f"`{value:g}s`"
    return inline(value)


def _steps(ref: Reference, done: set[type[BaseModel]]) -> list[str]:
    lines = [
        "## Steps",
        "",
        "A phase's `steps:` is a list; each step is a mapping with exactly one of these keys.",
        "",
    ]
    for key in sorted(STEPS):
        kind = STEPS[key]
        lines += [f"### `{key}:` step", ""]
        # The module's docstring opens with "``key:`` — ", which the heading already says.
        doc = re.sub(r"^`[^`]+` — ", "", prose(sys.modules[type(kind).__module__].__doc__))
        doc = doc[:1].upper() + doc[1:]
        if doc:
            lines += [doc, ""]
        lines += [*ref.table(kind.Model), ""]
        nested = [m for _, _, hint in fields_of(kind.Model) for m in nested_models(hint)]
        lines += ref.tree(nested, done)
    return lines


def _faults(ref: Reference, done: set[type[BaseModel]]) -> list[str]:
    common = frozenset(key for key, _, _ in fields_of(FaultSpec))
    lines = [
        "## Faults",
        "",
        "A `fault:` step's mapping names its `type:`, the nodes it hits and when. The "
        "examples target nodes `n1` and `n2` of the base image; the protocol-compliance "
        "test runs each one.",
        "",
        "### Fields every fault takes",
        "",
        prose(FaultSpec.__doc__),
        "",
        *ref.table(FaultSpec, skip=frozenset({"type"})),
        "",
    ]
    for kind in sorted(FAULTS):
        fault = FAULTS[kind]
        lines += [f"### `{kind}`", "", prose(fault.__doc__), ""]
        lines += [_fault_facts(fault), ""]
        own = [key for key, _, _ in fields_of(fault.Spec) if key not in common]
        if own:
            lines += ["Besides [the fields every fault takes](#fields-every-fault-takes):", ""]
            lines += [*ref.table(fault.Spec, skip=common), ""]
        else:
            lines += ["Only [the fields every fault takes](#fields-every-fault-takes).", ""]
        example = getattr(fault, "example", None)
        if example is not None:
            text = yaml.dump({"fault": example}, Dumper=_Example, sort_keys=False)
            step = "\n".join(
                ("- " if i == 0 else "  ") + line for i, line in enumerate(text.splitlines())
            )
            lines += ["```yaml", step, "```", ""]
        nested = [
            m
            for key, _, hint in fields_of(fault.Spec)
            if key not in common
            for m in nested_models(hint)
        ]
        lines += ref.tree(nested, done)
    return lines


class _Example(yaml.SafeDumper):
    """Writes lists inline (``inject: [touch, /run/x]``), as people write them in scenarios."""


_Example.add_representer(
    list,
    lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value, True),
)


def _fault_facts(fault: Any) -> str:
    facts = [
        "Dead man's switch: yes (the node reverts it by itself if rehearsal dies)."
        if fault.has_switch()
        else "Dead man's switch: none (`rehearsal recover RUN_ID` reverts it)."
    ]
    if fault.containers_only:
        facts.append("Containers only: refused for nodes on lab hosts.")
    if fault.capabilities:
        facts.append(f"Its targets get {', '.join(sorted(fault.capabilities))}.")
    if fault.requires:
        needs = ", ".join(CHECKS[need][1] for need in sorted(fault.requires))
        facts.append(f"Checked on each target before the first fault: {needs}.")
    return " ".join(facts)


def _probes(ref: Reference) -> list[str]:
    lines = [
        "## Probes",
        "",
        "A profile probe (see [`ProbeSpec`](#probespec)) has a `name:`, an `interval:` and "
        "exactly one of these keys.",
        "",
    ]
    for key in sorted(PROBES):
        probe = PROBES[key]
        lines += [f"### `{key}` probe", ""]
        doc = prose(sys.modules[probe.__module__].__doc__)
        if doc:
            lines += [doc, ""]
        lines += [f"Fields: [{probe.Spec.__name__}](#{ref.anchors[probe.Spec]}).", ""]
    return lines


LEGEND = """\
<!-- Generated by scripts/reference from the models and registries: do not edit by hand. -->

# Reference: profiles, scenarios, steps, faults, probes

Every key a profile or a scenario may hold, every step, fault and probe type, with its
type, default and meaning. It is generated from the code, so it is what
`rehearsal validate` accepts; the guides in this folder explain when to use what. A key
not listed here is an error (`FILE:LINE:COL: ...`).

Types: **name** is lower-case letters, digits and `-`, like a host name; **duration** is
seconds, or text like `500ms`, `30s`, `5m`, `1h30m`; **text** is free text; **regex** is a
regular expression. *optional* means the key may be left out.
"""


PROFILE = (
    "The customer system profile: what the customer runs, how it is built, how it is "
    "operated. [profiles.md](profiles.md) walks through one."
)
SCENARIO = (
    "A rehearsal (drill) or a reproduction: the team, the phases and their steps, the "
    "criteria. [scenarios.md](scenarios.md) walks through one."
)


def render() -> str:
    """The whole reference as Markdown."""
    ref = Reference()
    fault_specs = [FAULTS[kind].Spec for kind in sorted(FAULTS)]
    ref.name_models([Profile, Scenario, *(STEPS[key].Model for key in sorted(STEPS)), *fault_specs])
    done: set[type[BaseModel]] = {Profile, Scenario}
    contents = [
        "- [Profile](#profile)",
        "- [Scenario](#scenario)",
        "- [Steps](#steps): " + ", ".join(f"[`{k}:`](#{slug(k)}-step)" for k in sorted(STEPS)),
        "- [Faults](#faults): " + ", ".join(f"[`{k}`](#{slug(k)})" for k in sorted(FAULTS)),
        "- [Probes](#probes): " + ", ".join(f"[`{k}`](#{slug(k)}-probe)" for k in sorted(PROBES)),
    ]
    lines = [LEGEND, *contents, ""]
    for root, title, intro in ((Profile, "Profile", PROFILE), (Scenario, "Scenario", SCENARIO)):
        lines += [f"## {title}", "", intro, ""]
        lines += [*ref.table(root), ""]
        nested = [m for _, _, hint in fields_of(root) for m in nested_models(hint)]
        lines += ref.tree(nested, done)
    lines += _steps(ref, done)
    lines += _faults(ref, done | set(fault_specs) | {FaultSpec})
    lines += _probes(ref)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rehearsal.scenarios.reference", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--check", metavar="FILE", type=Path, help="exit 1 if FILE is not what would be written"
    )
    args = parser.parse_args(argv)
    text = render()
    if args.check is None:
        sys.stdout.write(text)
        return 0
    committed = args.check.read_text(encoding="utf-8") if args.check.exists() else ""
    if committed != text:
        print(STALE, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
