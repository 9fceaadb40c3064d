"""Secrets declared in the profile never reach a journal, a results file or a report.

A parameter is secret when the profile lists it under ``secrets:`` or when its name ends in
``password``, ``token`` or ``secret``. Its *value* is masked wherever it shows up in text:
command output, a command line, an analyst's note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rehearsal.models.profile import Profile

MASK = "[redacted]"
SECRET_SUFFIXES = ("password", "token", "secret")


class Redactor:
    """Masks every known secret value in strings, and in the strings of nested data."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        values = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.values = tuple(values)
        self._pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, words: str) -> str:
        return words if self._pattern is None else self._pattern.sub(MASK, words)

    def __call__(self, value: Any) -> Any:
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        return value


def is_secret(name: str, declared: Iterable[str]) -> bool:
    return name in declared or name.lower().endswith(SECRET_SUFFIXES)


def secret_values(profile: dict[str, Any]) -> list[str]:
    """Every secret parameter value of every node of a profile given as plain data.

    Plain data, so a report rebuilt later finds the secrets even in a profile that no longer
    validates, without loading the whole model stack.
    """
    declared = [
        str(entry.get("param") if isinstance(entry, dict) else entry)
        for entry in profile.get("secrets") or []
    ]
    found: list[str] = []
    for node in profile.get("nodes") or []:
        params = node.get("params") if isinstance(node, dict) else None
        for name, value in (params or {}).items():
            if is_secret(str(name), declared):
                found.extend(_scalars(value))
    return found


def scrub_folder(folder: Path, redactor: Redactor) -> None:
    """Mask secrets in every file under ``folder`` (Ansible writes its inventory, variables
    and task results there, values included)."""
    if not redactor:
        return
    for path in folder.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            content = path.read_bytes()
        except OSError:
            continue
        masked = content
        for value in redactor.values:  # bytes, so files that are not UTF-8 are masked too
            masked = masked.replace(value.encode(), MASK.encode())
        if masked != content:
            path.write_bytes(masked)


def redactor_for(profile: Profile) -> Redactor:
    return Redactor(secret_values(profile.model_dump()))


def redactor_from_file(path: Path) -> Redactor:
    """The redactor of a profile file; an unreadable file has no secrets to offer."""
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return Redactor([])
    return Redactor(secret_values(document if isinstance(document, dict) else {}))


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _scalars(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)
