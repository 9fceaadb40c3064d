"""``include:`` — a profile made of shared fragments and a customer overlay.

A profile may list files under ``include:`` (paths relative to it). They are merged in
order, each on top of the previous, and the including file goes on top of them all:

- mappings merge key by key (``customer:``, ``business:``, ``params:``, ``runbooks:``...);
- lists whose items are all mappings with a ``name:`` merge item by item by that name (an
  overlay's node ``app1`` changes only the keys it gives; new names are added at the end);
- anything else (a scalar, a list of plain values, a runbook's steps) is replaced whole.

Nothing can be removed by an overlay. Every value keeps the file and line it came from,
so a problem is reported in the file that has to change. An include cycle is an error
naming every file and line of the cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rehearsal.errors import InvalidInput, Problem
from rehearsal.models.yamlfile import YamlDocument, document_of, read_yaml

KEY = "include"


def with_includes(document: YamlDocument) -> YamlDocument:
    """The document with its includes merged under it; itself when it includes nothing."""
    if KEY not in document.data:
        return document
    tree = _resolved(document, ())
    return document_of(tree, str(document.path))


def files(path: Path) -> list[Path]:
    """The profile's file and every fragment it includes, directly or through others (each
    once, absolute): the folders a profile's own roles are looked for beside."""
    found: list[Path] = []
    pending = [path]
    while pending:
        path = pending.pop(0)
        if path.resolve() in found or not path.is_file():
            continue
        found.append(path.resolve())
        paths = read_yaml(path).data.get(KEY)
        if isinstance(paths, list):
            pending += [path.parent / p for p in paths if isinstance(p, str)]
    return found


def _resolved(document: YamlDocument, chain: tuple[tuple[Path, Problem], ...]) -> Any:
    """The merged node tree of ``document``; ``chain`` is the includes that led here."""
    own = _without_key(document.tree)
    paths = document.data.get(KEY)
    if paths is None:
        return own
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise InvalidInput(
            [document.problem((KEY,), "'include:' is a list of profile files (relative paths)")]
        )
    merged: Any = None
    for index, relative in enumerate(paths):
        target = document.path.parent / relative
        here = document.problem((KEY, index), f"includes {relative}")
        seen = [path for path, _ in chain] + [document.path.resolve()]
        if target.resolve() in seen:
            raise InvalidInput([_cycle(chain, document, here, target)])
        if not target.is_file():
            raise InvalidInput(
                [document.problem((KEY, index), f"included file {relative!r} not found")]
            )
        included = _resolved(read_yaml(target), (*chain, (document.path.resolve(), here)))
        merged = included if merged is None else merge(merged, included)
    return own if merged is None else merge(merged, own)


def _cycle(
    chain: tuple[tuple[Path, Problem], ...], document: YamlDocument, here: Problem, target: Path
) -> Problem:
    steps = [problem for _, problem in chain] + [here]
    start = next((i for i, (path, _) in enumerate(chain) if path == target.resolve()), len(chain))
    links = "; ".join(f"{p.file}:{p.line} {p.message}" for p in steps[start:])
    return Problem(
        here.file,
        here.line,
        here.column,
        f"include cycle: {links}; a file cannot include itself, directly or through others",
    )


def _without_key(tree: Any) -> Any:
    import yaml

    pairs = [(k, v) for k, v in tree.value if not (_scalar(k) == KEY)]
    return yaml.MappingNode(tree.tag, pairs, tree.start_mark, tree.end_mark)


def _scalar(node: Any) -> str | None:
    import yaml

    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def merge(base: Any, overlay: Any) -> Any:
    """``overlay`` on top of ``base`` (YAML node trees), by the rules in the module's doc."""
    import yaml

    if isinstance(base, yaml.MappingNode) and isinstance(overlay, yaml.MappingNode):
        over = {_scalar(k): (k, v) for k, v in overlay.value}
        pairs = []
        for key, value in base.value:
            name = _scalar(key)
            if name in over:
                new_key, new_value = over.pop(name)
                pairs.append((new_key, merge(value, new_value)))
            else:
                pairs.append((key, value))
        pairs.extend(over.values())
        return yaml.MappingNode(base.tag, pairs, overlay.start_mark, overlay.end_mark)
    if isinstance(base, yaml.SequenceNode) and isinstance(overlay, yaml.SequenceNode):
        if _named(base) and _named(overlay):
            over = {_name(item): item for item in overlay.value}
            items = [
                merge(item, over.pop(_name(item))) if _name(item) in over else item
                for item in base.value
            ]
            items.extend(over.values())
            return yaml.SequenceNode(base.tag, items, overlay.start_mark, overlay.end_mark)
    return overlay


def _named(node: Any) -> bool:
    return bool(node.value) and all(_name(item) is not None for item in node.value)


def _name(item: Any) -> str | None:
    import yaml

    if not isinstance(item, yaml.MappingNode):
        return None
    return next((_scalar(v) for k, v in item.value if _scalar(k) == "name"), None)
