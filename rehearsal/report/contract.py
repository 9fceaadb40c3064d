"""The findings part of the results contract, written from the code itself.

Every finding rehearsal makes is made at one of a few kinds of call: a derivation's
``FindingMaker(prefix).add(...)``, the engine's ``finding(...)`` during the run (``R``, or
``A`` when a person's answer carries it), a ``finding`` event journaled with its own id
(``E``), and a person's ``first_free(...)`` after the run (``F``). This module reads those
calls from the package's source, so the table in ``docs/results.md`` lists every category,
severity and id prefix with what produces it, and cannot drift from the code:
``scripts/findings`` rewrites it, and a unit test fails when the committed copy is stale.

    python -m rehearsal.report.contract docs/results.md           # rewrite the table
    python -m rehearsal.report.contract --check docs/results.md   # exit 1 when stale
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from rehearsal.journal.finding_ids import PREFIXES
from rehearsal.models.vocabulary import Category, Severity

PACKAGE = Path(__file__).resolve().parents[1]
BEGIN = "<!-- findings: written by scripts/findings from the code; do not edit by hand -->"
END = "<!-- end of findings -->"
STALE = "docs/results.md's findings table is stale: run scripts/findings"
GIVEN = "as given"
KEYS = ("severity", "category", "title")


@dataclass(frozen=True, order=True)
class Made:
    """One place a finding is made: its id prefix, and what the code gives it."""

    order: int
    module: str
    function: str
    prefix: str
    severity: str
    category: str
    title: str


def _text(node: ast.expr | None) -> str:
    """A literal as written; an f-string with its fields named; anything else as code."""
    if node is None:
        return GIVEN
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else f"{{{ast.unparse(part.value)}}}"
            for part in node.values
            if isinstance(part, ast.Constant | ast.FormattedValue)
        )
    if isinstance(node, ast.BinOp):  # a title split across lines with +
        return _text(node.left) + _text(node.right)
    return f"{{{ast.unparse(node)}}}"


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _maker_prefixes(tree: ast.AST) -> list[str]:
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _name(node.func) == "FindingMaker"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to a string (``ADDED_PREFIX = "F"``)."""
    found = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _prefix_of(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return constants.get(node.id) if isinstance(node, ast.Name) else None


def _own_nodes(function: ast.FunctionDef) -> list[ast.AST]:
    """The nodes of ``function`` outside any function nested in it (each is read alone)."""
    found: list[ast.AST] = []
    waiting: list[ast.AST] = list(ast.iter_child_nodes(function))
    while waiting:
        node = waiting.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        found.append(node)
        waiting.extend(ast.iter_child_nodes(node))
    return found


def _resolved(function: ast.FunctionDef, node: ast.expr | None) -> str:
    """``_text`` of ``node``; a local name, as each value the function gives it."""
    if not isinstance(node, ast.Name):
        return _text(node)
    given = [
        _text(assign.value)
        for assign in _own_nodes(function)
        if isinstance(assign, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == node.id for t in assign.targets)
    ]
    return " *or* ".join(given) if given else _text(node)


def _made_in(
    function: ast.FunctionDef, module_prefixes: list[str], constants: dict[str, str]
) -> list[tuple[str, ...]]:
    """(prefix, severity, category, title) of each finding ``function`` makes itself."""
    own = _maker_prefixes(function) or (module_prefixes if len(module_prefixes) == 1 else [])
    found = []
    for call in _own_nodes(function):
        if not isinstance(call, ast.Call):
            continue
        name = _name(call.func)
        if name == "add" and _keyword(call, "title") is not None and len(own) == 1:
            found.append(
                (
                    own[0],
                    *(_resolved(function, _keyword(call, key)) for key in KEYS),
                )
            )
        elif name == "finding" and len(call.args) >= 3 and function.name != "finding":
            source = _keyword(call, "source")
            found.append(
                (
                    "R" if source is None else "A",
                    *(_resolved(function, arg) for arg in call.args[:3]),
                )
            )
        elif (
            name == "record"
            and call.args
            and isinstance(call.args[0], ast.Constant)
            and call.args[0].value == "finding"
        ):
            given_id = _keyword(call, "id")
            if isinstance(given_id, ast.Call) and _name(given_id.func) == "finding_id":
                prefix = _prefix_of(given_id.args[0], constants)
                if prefix is not None:
                    found.append(
                        (prefix, *(_resolved(function, _keyword(call, key)) for key in KEYS))
                    )
        elif name == "first_free" and call.args:
            prefix = _prefix_of(call.args[0], constants)
            if prefix is not None:
                found.append((prefix, GIVEN, GIVEN, GIVEN))
    return found


def findings_made(package: Path = PACKAGE) -> list[Made]:
    """Every place in the package a finding is made, in prefix order, then by module."""
    order = {prefix: number for number, prefix in enumerate(PREFIXES)}
    made = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        module_prefixes = _maker_prefixes(tree)
        constants = _constants(tree)
        module = path.relative_to(package.parent).as_posix()
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            for prefix, severity, category, title in _made_in(function, module_prefixes, constants):
                made.append(
                    Made(
                        order.get(prefix, len(order)),
                        module,
                        function.name,
                        prefix,
                        severity,
                        category,
                        title,
                    )
                )
    return sorted(set(made))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """A literal word as it is; a value the code works out, as code; a person's, in italics."""
    if text == GIVEN:
        return f"*{GIVEN}*"
    return f"`{text[1:-1]}`" if text.startswith("{") and text.endswith("}") else text


def render(made: list[Made]) -> str:
    lines = [
        BEGIN,
        "",
        "Severities, most serious first: "
        + ", ".join(f"`{s}`" for s in get_args(Severity))
        + ". Categories: "
        + ", ".join(f"`{c}`" for c in get_args(Category))
        + ".",
        "",
        "| prefix | what it means | made in |",
        "|---|---|---|",
    ]
    for prefix, meaning in PREFIXES.items():
        modules = sorted({m.module for m in made if m.prefix == prefix})
        lines.append(
            f"| `{prefix}` | {_cell(meaning)} | {', '.join(f'`{m}`' for m in modules) or '—'} |"
        )
    lines += [
        "",
        "Every finding the code makes (`{…}` is filled in from the run; *as given* is what a "
        "person or an answer chose):",
        "",
        "| prefix | severity | category | title | made by |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{m.prefix}` | {_code(_cell(m.severity))} | {_code(_cell(m.category))} | "
        f"{_code(_cell(m.title)) if m.title == GIVEN else _cell(m.title)} | "
        f"`{m.module}` `{m.function}` |"
        for m in made
    ]
    return "\n".join([*lines, "", END])


def rewrite(document: str, table: str) -> str:
    """``document`` with the part between the markers replaced by ``table``."""
    start, end = document.index(BEGIN), document.index(END) + len(END)
    return document[:start] + table + document[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("document", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    current = args.document.read_text()
    wanted = rewrite(current, render(findings_made()))
    if args.check:
        if wanted != current:
            print(STALE, file=sys.stderr)
            return 1
        return 0
    args.document.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
