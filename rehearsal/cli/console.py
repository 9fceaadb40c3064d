"""Where the commands write: results on stdout, progress and problems on stderr."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from rich.console import Console

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def say_plainly(text: str) -> None:
    """A line on stderr as written: no markup read into it, nothing highlighted."""
    err.print(text, markup=False, highlight=False)


class Reporter:
    """Prints top-level progress with elapsed time; details only move the spinner."""

    def __init__(self, spinner: bool = True) -> None:
        self.started = time.monotonic()
        self.status: Any = err.status("starting") if spinner else contextlib.nullcontext()

    def __call__(self, message: str) -> None:
        if message.startswith("  "):
            if hasattr(self.status, "update"):
                self.status.update(message.strip()[:100])
            return
        elapsed = time.monotonic() - self.started
        err.print(f"[dim]{elapsed:6.1f}s[/dim] {message}", highlight=False)
        if hasattr(self.status, "update"):
            self.status.update(message)
