"""Secrets declared in the profile never reach a journal, a results file or a report.

A parameter is secret when the profile lists it under ``secrets:`` or when its name ends in
``password``, ``token`` or ``secret``. Its *value* is masked wherever it shows up in text:
command output, a command line, an analyst's note.

A monitor's webhook URL is secret too (services put the token in it): it is shown as its
scheme and host, so a reader can tell which hook it was, and the parts a token lives in
(userinfo, path, query, fragment) are masked wherever they show up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehearsal.models.urls import shown_url, url_secrets

if TYPE_CHECKING:
    from rehearsal.models.profile import Profile

MASK = "[redacted]"
SECRET_SUFFIXES = ("password", "token", "secret")


class Redactor:
    """Masks every known secret value in strings, and in the strings of nested data; a
    webhook URL becomes its shown form (``shown_url``)."""

    def __init__(self, secrets: Iterable[str], webhooks: Iterable[str] = ()) -> None:
        replacements = {value: MASK for value in secrets if value}
        for url in webhooks:
            replacements.update(dict.fromkeys(url_secrets(url), MASK))
            replacements[url] = shown_url(url)
        # Longest first, so a secret that contains another (a URL its path) is replaced whole.
        ordered = sorted(replacements, key=len, reverse=True)
        self.replacements = {value: replacements[value] for value in ordered}
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, words: str) -> str:
        if self._pattern is None:
            return words
        return self._pattern.sub(lambda found: self.replacements[found.group()], words)

    def data(self, content: bytes) -> bytes:
        """Bytes, so files that are not UTF-8 are masked too."""
        for value, shown in self.replacements.items():
            content = content.replace(value.encode(), shown.encode())
        return content

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


def webhook_urls(profile: dict[str, Any]) -> list[str]:
    """Every webhook URL of the monitors and escalation tiers of a profile given as plain
    data."""
    on_call = profile.get("on_call")
    tiers = (on_call.get("escalation") if isinstance(on_call, dict) else None) or []
    return [
        str(notify["webhook"])
        for sender in [*(profile.get("monitors") or []), *tiers]
        if isinstance(sender, dict)
        for notify in sender.get("notify") or []
        if isinstance(notify, dict) and notify.get("webhook")
    ]


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
        masked = redactor.data(content)
        if masked != content:
            path.write_bytes(masked)


def redactor_of(profile: dict[str, Any]) -> Redactor:
    """The redactor of a profile given as plain data: its secret values and webhooks."""
    return Redactor(secret_values(profile), webhook_urls(profile))


def redactor_for(profile: Profile) -> Redactor:
    """Its secret values and webhooks, and the e-mail passwords resolved into it, which no
    dump holds."""
    passwords = [c.password for c in profile.email_channels() if c.password]
    plain = profile.model_dump()
    return Redactor(secret_values(plain) + passwords, webhook_urls(plain))


def redactor_from_file(path: Path) -> Redactor:
    """The redactor of a profile file; an unreadable file has no secrets to offer."""
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return Redactor([])
    return redactor_of(document if isinstance(document, dict) else {})


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _scalars(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)
