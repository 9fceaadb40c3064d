"""The customer-facing words of the reports, by language, with a team's own overrides.

    w = load_wording("ja", Path("our-words.yaml"))
    w("verdict.passed", what=w("kind.rehearsal"))

English is complete and the reference: another language or a team's file may leave keys
out (English shows through) but may not invent keys or placeholders, so a typo is caught
when the report is made rather than printed to the customer.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rehearsal.errors import ReportRefused

REFERENCE = "en"


class Wording:
    def __init__(self, locale: str, words: dict[str, str]) -> None:
        self.locale = locale
        self._words = words

    def __call__(self, key: str, **values: object) -> str:
        return self._words[key].format(**values)


def locales() -> list[str]:
    folder = resources.files("rehearsal.report").joinpath("locales")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_wording(locale: str = REFERENCE, overrides: Path | None = None) -> Wording:
    """English, overlaid with ``locale``, overlaid with the team's file when given."""
    if locale not in locales():
        raise ReportRefused(f"unknown locale {locale!r}; choose one of: {', '.join(locales())}")
    words = dict(_builtin(REFERENCE))
    for source, layer in (
        (f"locale {locale}", _builtin(locale)),
        (str(overrides), _file(overrides)),
    ):
        _check(source, layer, words)
        words.update(layer)
    return Wording(locale, words)


@cache
def _builtin(locale: str) -> dict[str, str]:
    text = resources.files("rehearsal.report").joinpath(f"locales/{locale}.yaml").read_text("utf-8")
    return _flatten(yaml.safe_load(text) or {})


def _file(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ReportRefused(f"--wording {path}: cannot read it ({error})") from None
    if not isinstance(loaded, dict):
        raise ReportRefused(f"--wording {path}: expected a mapping of keys to words, as en.yaml")
    return _flatten(loaded)


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def _check(source: str, layer: dict[str, str], reference: dict[str, str]) -> None:
    for key, words in layer.items():
        if key not in reference:
            raise ReportRefused(f"{source}: unknown wording key {key!r}; see locales/en.yaml")
        allowed, used = _fields(reference[key]), _fields(words)
        if not used <= allowed:
            raise ReportRefused(
                f"{source}: {key!r} uses {{{', '.join(sorted(used - allowed))}}}; it may use "
                + (", ".join(f"{{{f}}}" for f in sorted(allowed)) or "no placeholders")
            )


def _fields(words: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(words) if field}
    except ValueError:
        return {"(a stray brace)"}
