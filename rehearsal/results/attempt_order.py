"""A journal's events with each attempt's events together, whichever way the run wrote them.

Derivation reads a reproduction's attempts by position: an event belongs to the attempt
whose ``attempt.started`` came last before it. A parallel reproduction interleaves its
attempts' events in the one journal and tags every one of them with ``attempt`` instead;
putting each attempt's events together (a stable sort, so each keeps its own order) lets
every reader keep reading by position. A sequential journal comes back as it was.
"""

from __future__ import annotations

from rehearsal.journal.events import Event


def by_attempt(events: list[Event]) -> list[Event]:
    """The events grouped by attempt, in attempt order. An untagged event joins the highest
    attempt begun before it: the run's own events (``run.finished``, a lost engine) stay
    after what they follow, and a sequential journal's order is already this one."""
    keys: list[int] = []
    highest = 0
    for event in events:
        tagged = event.get("attempt")
        if event["event"] == "attempt.started" or isinstance(tagged, int):
            attempt = int(tagged if isinstance(tagged, int) else event["attempt"])
            highest = max(highest, attempt)
            keys.append(attempt)
        else:
            keys.append(highest)
    if keys == sorted(keys):
        return events
    order = sorted(range(len(events)), key=keys.__getitem__)
    return [events[index] for index in order]
