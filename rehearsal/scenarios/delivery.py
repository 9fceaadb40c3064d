"""What every notify channel is: a function that sends an alert one way and says whether it
got through. Apart from ``notify.py``'s registry, so a channel in a file of its own needs
nothing of the registry that lists it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rehearsal.models.alerts import Notify


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    detail: str


Redact = Callable[[str], str]


class Channel(Protocol):
    def __call__(
        self, notify: Notify, alert: Mapping[str, str], run_dir: Path, redact: Redact, /
    ) -> Delivery:
        """Send ``alert`` the way ``notify`` says; may raise, which ``deliver`` records."""
        ...
