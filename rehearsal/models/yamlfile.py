"""Reading YAML so that every problem can be reported as FILE:LINE:COL.

PyYAML's C parser composes a node tree that keeps the position of every key and item;
pydantic's error locations are walked through it to find the line a user has to fix. Only
plain data is built (the safe constructor, and no tags beyond YAML's core ones), and a
value budget stops alias ("billion laughs") bombs.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.errors import InvalidInput, Problem

MAX_NODES = 100_000
MAX_BYTES = 2_000_000
MAX_DEPTH = 64
CORE_TAGS = {
    f"tag:yaml.org,2002:{kind}"
    for kind in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


@functools.cache
def _loader() -> Any:
    """The C safe loader with YAML 1.2 booleans: ``on:``, ``yes``, ``no`` stay text."""
    import yaml

    class Loader(yaml.CSafeLoader):
        pass

    bool_tag = "tag:yaml.org,2002:bool"
    Loader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != bool_tag]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return Loader


@dataclass(frozen=True)
class YamlDocument:
    path: Path
    data: Any
    tree: Any

    def where(self, loc: tuple[str | int, ...]) -> tuple[int, int]:
        """Line and column (1-based) of the deepest part of ``loc`` found in the file."""
        _name, line, column = self._locate(loc)
        return line, column

    def _locate(self, loc: tuple[str | int, ...]) -> tuple[str, int, int]:
        node = self.tree
        mark = node.start_mark
        for part in loc:
            found = _child(node, part)
            if found is None:
                continue
            node, mark = found
        # A profile merged from includes keeps each value's own file in its marks.
        name = mark.name if mark.name and not mark.name.startswith("<") else str(self.path)
        return name, mark.line + 1, mark.column + 1

    def origin(self, loc: tuple[str | int, ...]) -> Path:
        """The file a value came from (an included fragment's, or this one)."""
        return Path(self._locate(loc)[0])

    def problem(self, loc: tuple[str | int, ...], message: str) -> Problem:
        name, line, column = self._locate(loc)
        return Problem(name, line, column, message)


def _child(node: Any, part: str | int) -> tuple[Any, Any] | None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value, key.start_mark
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            item = node.value[part]
            return item, item.start_mark
    return None


def read_yaml(path: Path) -> YamlDocument:
    """Parse ``path``, once per version of the file: a scenario and the profile it names
    are each read once even when both are validated."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    return _read_yaml(path.resolve(), str(path), stamp)


@functools.lru_cache(maxsize=64)
def _read_yaml(path: Path, name: str, _stamp: int) -> YamlDocument:
    import yaml

    def refuse(line: int, column: int, message: str) -> InvalidInput:
        return InvalidInput([Problem(name, line, column, message)])

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise refuse(1, 1, "file not found; check the path") from None
    except OSError as error:
        raise refuse(1, 1, f"cannot read the file: {error.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise refuse(1, 1, f"file is over {MAX_BYTES} bytes; split it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise refuse(1, 1, f"not UTF-8 text ({error.reason})") from None
    if _bracket_depth(text) > MAX_DEPTH:
        raise refuse(1, 1, f"nested deeper than {MAX_DEPTH} levels")
    stream = io.StringIO(text)
    stream.name = name  # marks carry the file's name: merged profiles point at the right file
    try:
        tree = yaml.compose(stream, Loader=_loader())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = error.problem or error.context or "YAML syntax error"
        raise refuse(line, column, f"YAML syntax error: {what}") from None
    except yaml.reader.ReaderError as error:
        at = error.position
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        code = error.character if isinstance(error.character, int) else ord(error.character)
        message = f"character U+{code:04X} is not allowed in YAML text; remove it"
        raise refuse(line, column, message) from None
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        raise refuse(1, 1, f"YAML error: {error}") from None
    if not isinstance(tree, yaml.MappingNode):
        raise refuse(1, 1, "expected a mapping of keys at the top level")
    _refuse_tags(tree, refuse)
    return document_of(tree, name)


def document_of(tree: Any, name: str) -> YamlDocument:
    """The document of a composed (or merged) node tree: plain data, positions kept."""
    import yaml

    try:
        data = yaml.SafeLoader("").construct_document(tree)
    except (yaml.YAMLError, RecursionError, TypeError, ValueError) as error:
        raise InvalidInput([Problem(name, 1, 1, f"YAML error: {error}")]) from None
    return YamlDocument(Path(name), _plain(data, name, [0], 0), tree)


def _bracket_depth(text: str) -> int:
    """Deepest nesting of flow collections, found before the parser recurses into it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for char in re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", "", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _refuse_tags(tree: Any, refuse: Any) -> None:
    """Profiles are plain data: a language-specific or custom tag is an error, never code."""
    import yaml

    stack, seen = [tree], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in CORE_TAGS:
            written = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise refuse(
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                f"YAML tag {written!r} is not allowed; write plain values (strings, "
                "numbers, lists, mappings)",
            )
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _key(key: Any, name: str, budget: list[int], depth: int) -> Any:
    plain = _plain(key, name, budget, depth + 1)
    return plain if isinstance(plain, str | int | float | bool) else str(plain)


def _plain(node: Any, name: str, budget: list[int], depth: int) -> Any:
    """Copy into plain values, refusing documents that nest or expand too far."""
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
    if node is None or isinstance(node, bool | int | float | str):
        return node
    return str(node)
