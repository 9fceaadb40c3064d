"""Reading YAML so that every problem can be reported as FILE:LINE:COL.

ruamel's round-trip loader keeps the position of every key and item; pydantic's error
locations are walked through it to find the line a user has to fix. The safe loader never
builds Python objects from tags, and a node budget stops alias ("billion laughs") bombs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.errors import InvalidInput, Problem

MAX_NODES = 100_000
MAX_BYTES = 2_000_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class YamlDocument:
    path: Path
    data: Any
    tree: Any

    def where(self, loc: tuple[str | int, ...]) -> tuple[int, int]:
        """Line and column (1-based) of the deepest part of ``loc`` found in the file."""
        node, line, column = self.tree, 1, 1
        for part in loc:
            found = _child_position(node, part)
            if found is None:
                continue
            node, line, column = found
        return line, column

    def problem(self, loc: tuple[str | int, ...], message: str) -> Problem:
        line, column = self.where(loc)
        return Problem(str(self.path), line, column, message)


def _child_position(node: Any, part: str | int) -> tuple[Any, int, int] | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(node, dict) and part in node:
            line, column = lc.key(part)
            return node[part], line + 1, column + 1
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            line, column = lc.item(part)
            return node[part], line + 1, column + 1
    except (KeyError, TypeError, AttributeError):
        return None
    return None


def read_yaml(path: Path) -> YamlDocument:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput([Problem(name, 1, 1, "file not found; check the path")]) from None
    except OSError as error:
        raise InvalidInput(
            [Problem(name, 1, 1, f"cannot read the file: {error.strerror}")]
        ) from None
    if len(raw) > MAX_BYTES:
        raise InvalidInput([Problem(name, 1, 1, f"file is over {MAX_BYTES} bytes; split it")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput([Problem(name, 1, 1, f"not UTF-8 text ({error.reason})")]) from None
    yaml = YAML(typ="rt", pure=True)
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = error.problem or error.context or "YAML syntax error"
        raise InvalidInput([Problem(name, line, column, f"YAML syntax error: {what}")]) from None
    except (YAMLError, RecursionError, ValueError) as error:
        raise InvalidInput([Problem(name, 1, 1, f"YAML error: {error}")]) from None
    if not isinstance(tree, dict):
        raise InvalidInput([Problem(name, 1, 1, "expected a mapping of keys at the top level")])
    _refuse_tags(tree, name, text)
    return YamlDocument(path, _plain(tree, name, [0], 0), tree)


CORE_TAGS = {
    f"tag:yaml.org,2002:{kind}"
    for kind in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


def _refuse_tags(tree: Any, name: str, text: str) -> None:
    """Profiles are plain data: a language-specific or custom tag is an error, never code."""
    stack, seen = [tree], 0
    while stack and seen < MAX_NODES:
        node = stack.pop()
        seen += 1
        tag = getattr(getattr(node, "tag", None), "value", None)
        if tag and tag not in CORE_TAGS:
            written = (
                "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:") else tag
            )
            offset = max(text.find(written), 0)
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            raise InvalidInput(
                [
                    Problem(
                        name,
                        line,
                        column,
                        f"YAML tag {written!r} is not "
                        "allowed; write plain values (strings, numbers, lists, "
                        "mappings)",
                    )
                ]
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _key(key: Any, name: str, budget: list[int], depth: int) -> Any:
    plain = _plain(key, name, budget, depth + 1)
    return plain if isinstance(plain, str | int | float | bool) else str(plain)


def _plain(node: Any, name: str, budget: list[int], depth: int) -> Any:
    """Copy into plain Python values, refusing documents that nest or expand too far."""
    budget[0] += 1
    if budget[0] > MAX_NODES:
        raise InvalidInput(
            [
                Problem(
                    name,
                    1,
                    1,
                    "the document expands to too many values "
                    "(YAML aliases or a very large file); simplify it",
                )
            ]
        )
    if depth > MAX_DEPTH:
        raise InvalidInput([Problem(name, 1, 1, f"nested deeper than {MAX_DEPTH} levels")])
    if isinstance(node, dict):
        return {
            _key(k, name, budget, depth): _plain(v, name, budget, depth + 1)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_plain(item, name, budget, depth + 1) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)
