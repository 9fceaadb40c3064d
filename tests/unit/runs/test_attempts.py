"""The order of a reproduction's attempts side by side, and running a group of them at once:
really at once, and one attempt's failure unwinds the others, each cleaning up its own."""

from __future__ import annotations

import threading

import pytest

from rehearsal.errors import EnvironmentFailure, RunCancelled
from rehearsal.runs.attempts import run_together, schedule


def test_one_at_a_time_is_one_group_each() -> None:
    assert schedule(3, 1, restorable=True).groups == ((1,), (2,), (3,))


def test_without_a_snapshot_anyone_can_restore_attempt_one_goes_first_alone() -> None:
    order = schedule(4, 3, restorable=False)
    assert (order.groups, order.parallel) == (((1,), (2, 3, 4)), 3)
    assert "attempt 1 first" in order.why


def test_with_such_a_snapshot_every_attempt_starts_at_once() -> None:
    order = schedule(3, 3, restorable=True)
    assert (order.groups, order.parallel) == (((1, 2, 3),), 3)


def test_a_single_attempt_is_one_group() -> None:
    assert schedule(1, 1, restorable=False).groups == ((1,),)


def test_a_group_runs_side_by_side() -> None:
    together = threading.Barrier(3, timeout=5)  # broken unless all three wait at once
    seen: list[int] = []

    def attempt(number: int) -> None:
        together.wait()
        seen.append(number)

    run_together((1, 2, 3), 3, attempt, threading.Event())
    assert sorted(seen) == [1, 2, 3]


def test_one_attempt_failing_unwinds_the_others_and_its_error_is_told() -> None:
    stop = threading.Event()
    cleaned: list[int] = []
    begun = threading.Barrier(2, timeout=5)

    def attempt(number: int) -> None:
        try:
            begun.wait()
            if number == 2:
                raise EnvironmentFailure("node web1 did not start")
            if not stop.wait(timeout=5):
                raise AssertionError("attempt 1 was not told to stop")
            raise RunCancelled("stopping")
        finally:
            cleaned.append(number)

    with pytest.raises(EnvironmentFailure, match="web1"):
        run_together((1, 2, 3), 2, attempt, stop)
    assert sorted(cleaned) == [1, 2]  # attempt 3 never started: nothing of it to clean


def test_an_interruption_in_an_attempt_stops_the_rest() -> None:
    stop = threading.Event()

    def attempt(number: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_together((1, 2), 1, attempt, stop)
    assert stop.is_set()
