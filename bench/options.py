"""What every benchmark is told: how thorough to be, and where to put its files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    quick: bool
    cold: bool
    workdir: Path

    def repeats(self, full: int, quick: int) -> int:
        return quick if self.quick else full
