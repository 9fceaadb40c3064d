"""Finding ids are allocated in one place; their prefix says who or what found them."""

from __future__ import annotations

import pytest

from rehearsal.journal.finding_ids import PREFIXES, FindingNumbers, finding_id, first_free


def test_findings_of_one_attempt_share_one_count_across_prefixes() -> None:
    numbers = FindingNumbers()
    assert [numbers.next(p) for p in ("R", "A", "R")] == ["R1", "A2", "R3"]


def test_a_repeated_attempt_carries_its_number() -> None:
    numbers = FindingNumbers(attempt=2)
    assert [numbers.next("R"), numbers.next("A")] == ["R2.1", "A2.2"]


def test_an_added_finding_takes_the_first_free_number() -> None:
    assert first_free("F", set()) == "F1"
    assert first_free("F", {"F1", "F3", "R1"}) == "F2"


def test_an_unknown_prefix_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="'X' is not one of R, A, E"):
        finding_id("X", 1)
    assert "F" in PREFIXES and "X" not in PREFIXES
