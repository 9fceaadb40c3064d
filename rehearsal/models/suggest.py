"""Suggestions for misspelt names, so an error can say what was probably meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    options = sorted(choices)
    close = closest(word, options)
    if close is not None:
        return f"; did you mean {close!r}?"
    if not options:
        return ""
    shown = ", ".join(repr(option) for option in options[:12])
    return f"; expected one of {shown}"
