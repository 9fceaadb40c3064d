"""Finding ids, allocated in one place: the prefix says who or what found a finding, so ids
never collide between the run, the derived results and people's later additions.

Findings recorded during the run (``finding`` events) and those derived from the journal
afterwards both number theirs here; a repeated attempt's ids carry its number (R2.1).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

PREFIXES = {
    "R": "found by the tool during the run",
    "A": "recorded by an analyst during the run",
    "E": "the test environment broke during the run",
    "M": "a measured figure missed its target (recovery slower than the RTO)",
    "S": "one outage uses up the month's SLA allowance",
    "P": "how people responded: alerts, acknowledgements, escalation",
    "J": "a batch job failed, overran its limit or its schedule",
    "D": "a node's mirror differs from the profile",
    "F": "added by a person after the run",
}


def finding_id(prefix: str, number: int, attempt: int = 1) -> str:
    if prefix not in PREFIXES:
        raise ValueError(f"finding id prefix {prefix!r} is not one of {', '.join(PREFIXES)}")
    return f"{prefix}{number}" if attempt == 1 else f"{prefix}{attempt}.{number}"


@dataclass
class FindingNumbers:
    """Numbers findings in the order they are made; every prefix asked of it shares the one
    count (R1, A2, R3), as the findings of one run attempt do."""

    attempt: int = 1
    made: int = 0

    def next(self, prefix: str) -> str:
        self.made += 1
        return finding_id(prefix, self.made, self.attempt)


def first_free(prefix: str, taken: Collection[str]) -> str:
    """The lowest-numbered id under ``prefix`` not in ``taken`` (F1, then F2, ...)."""
    number = 1
    while finding_id(prefix, number) in taken:
        number += 1
    return finding_id(prefix, number)
