"""A reproduction's attempts side by side (``attempts: {count, parallel}``): the order they
start in, and running a group of them at once on mirrors of their own.

The order: when a converged snapshot set that names none of its addresses is there, every
attempt can start from it wherever its mirror lands, so ``parallel`` of them start at once
from the beginning. Otherwise attempt 1 runs alone first: it converges and saves the set,
and the attempts after it restore that set instead of converging side by side (on two
cores, three converges at once take longer than one converge and three restores). A set
whose files do name its addresses is restored by at most the attempt that gets the planned
addresses; the others converge, and the journal says why.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from rehearsal.errors import RunCancelled


@dataclass(frozen=True)
class Schedule:
    """Groups of attempts run one group after the other, ``parallel`` at a time within one."""

    groups: tuple[tuple[int, ...], ...]
    parallel: int
    why: str


def schedule(count: int, parallel: int, restorable: bool) -> Schedule:
    """The order of ``count`` attempts, ``parallel`` at a time; ``restorable``: a snapshot set
    any mirror can start from is there already."""
    every = tuple(range(1, count + 1))
    if parallel <= 1:
        return Schedule(tuple((attempt,) for attempt in every), 1, "one after the other")
    if restorable:
        why = (
            "a converged snapshot set that holds no address is there: every attempt starts from it"
        )
        return Schedule((every,), parallel, why)
    why = "attempt 1 first, alone: the others start from the snapshot set its converge saves"
    return Schedule(((1,), every[1:]) if count > 1 else ((1,),), parallel, why)


def run_together(
    attempts: tuple[int, ...],
    parallel: int,
    run_one: Callable[[int], None],
    stop: threading.Event,
) -> None:
    """Run ``run_one`` for each attempt, ``parallel`` at once, and return once every one has
    finished (each tears its own mirror down). The first to fail sets ``stop``, so the others
    unwind too, and its error is raised; so is Ctrl-C or SIGTERM, after the others unwound."""

    def guarded(attempt: int) -> None:
        if stop.is_set():
            raise RunCancelled(f"attempt {attempt} not started: the run is stopping")
        try:
            run_one(attempt)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="attempt") as pool:
        # Each attempt sees the caller's context (a Prefect flow run's, for its tasks).
        futures = [
            pool.submit(contextvars.copy_context().run, guarded, attempt) for attempt in attempts
        ]
        try:
            wait(futures)
        except BaseException:  # Ctrl-C or SIGTERM reaches this thread only
            stop.set()
            wait(futures)
            raise
    raise_first(futures)


def raise_first(futures: list[Future[None]]) -> None:
    """Raise the error that stopped the attempts: the first one's that is not a cancellation
    it caused in the others (a RunCancelled only when that is all there is)."""
    errors = [error for future in futures if (error := future.exception()) is not None]
    real = [error for error in errors if not isinstance(error, RunCancelled)]
    if real or errors:
        raise (real or errors)[0]
