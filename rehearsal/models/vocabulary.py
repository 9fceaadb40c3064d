"""Words findings are classified with, shared by scenarios, answers and results."""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
Category = Literal[
    "procedure",
    "monitoring",
    "configuration",
    "product defect",
    "capacity",
    "documentation",
    "environment",
]
