"""Results about what people, load generators and reproduction attempts did (journal only)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rehearsal.journal.events import Event
from rehearsal.models.vocabulary import PERSON_SOURCES
from rehearsal.results.model import AttemptResult, LoadResult, QuestionResult

UNKNOWN_SOURCE = "unknown"
"""The source of an answer a journal older than sources records: never read as a person."""

STAND_IN_NOTE = {
    "answers file": "scripted",
    "tool": "by the tool",
    UNKNOWN_SOURCE: "source unknown",
}


def answer_source(event: Event) -> str:
    """Who gave the answer an answered or acknowledged event records."""
    return str(event.get("source") or UNKNOWN_SOURCE)


def by_a_person(source: str | None) -> bool:
    return source in PERSON_SOURCES


def held_by_a_person(source: str | None) -> bool:
    """Whether the wait for an answer was a person's: they answered, or nobody did (None)
    and the run waited for the person asked. A scripted or tool answer's wait is not theirs."""
    return source is None or by_a_person(source)


def waits(
    answers: Iterable[tuple[float | None, str | None]],
) -> tuple[float | None, float | None]:
    """(the waits people held the run for, the waits stand-ins held it for), in seconds, of
    (waited_s, source) pairs; a source of None is a question nobody answered. A side with
    no question at all is None (a dash): nothing of it was measured."""
    mine: list[float] = []
    others: list[float] = []
    for waited, source in answers:
        (mine if held_by_a_person(source) else others).append(waited or 0.0)
    return (
        round(sum(mine), 3) if mine else None,
        round(sum(others), 3) if others else None,
    )


def stand_in_note(source: str | None) -> str:
    """'' for a person's answer, else how a report marks it: ' (scripted)', ' (by the tool)'."""
    return "" if by_a_person(source) else f" ({STAND_IN_NOTE.get(str(source), str(source))})"


def answered_by(source: str, person: str) -> str:
    """Who answered, for a step's "done by": the person, or what stood in for them."""
    if by_a_person(source):
        return person
    return f"{source}{stand_in_note(source)}, for {person}"


def questions(events: list[Event]) -> list[QuestionResult]:
    asked: dict[tuple[int, str], QuestionResult] = {}
    attempt = 1
    for event in events:
        kind = event["event"]
        key = (attempt, event.get("id", ""))
        if kind == "attempt.started":
            attempt = event["attempt"]
        elif kind == "question.asked":
            asked[key] = QuestionResult(
                attempt=attempt,
                id=event["id"],
                kind=event["kind"],
                phase=event["phase"],
                person=event["person"],
                instruction=event["instruction"],
                asked_at=datetime.fromisoformat(event["at"]),
                outcome="waiting",
                notes="",
                waited_s=None,
            )
        elif kind in ("question.answered", "question.unanswered") and key in asked:
            asked[key] = asked[key].model_copy(
                update={
                    "outcome": event.get("outcome", "no answer"),
                    "notes": event.get("notes", ""),
                    "waited_s": event.get("waited_s"),
                    "source": answer_source(event) if kind == "question.answered" else None,
                    "answered_by": answered_by(answer_source(event), asked[key].person)
                    if kind == "question.answered"
                    else None,
                }
            )
    return list(asked.values())


def loads(events: list[Event]) -> list[LoadResult]:
    return [
        LoadResult(
            name=e["name"],
            phase=e["phase"],
            requests=e["requests"],
            errors=e["errors"],
            error_rate=e["error_rate"],
        )
        for e in events
        if e["event"] == "load.finished"
    ]


def attempts(events: list[Event]) -> list[AttemptResult]:
    found: dict[int, AttemptResult] = {}
    for event in events:
        if event["event"] == "attempt.started":
            found[event["attempt"]] = AttemptResult(
                attempt=event["attempt"],
                seed=event.get("seed"),
                reproduced=False,
                first_seen_phase=None,
                first_seen_at=None,
            )
        elif event["event"] == "symptom.checked" and event.get("present"):
            current = found.get(event.get("attempt", 1))
            if current is not None and not current.reproduced:
                found[current.attempt] = current.model_copy(
                    update={
                        "reproduced": True,
                        "first_seen_phase": event["phase"],
                        "first_seen_at": datetime.fromisoformat(event["at"]),
                    }
                )
    return list(found.values())


def symptom_by_phase(events: list[Event]) -> dict[tuple[int, str], bool]:
    """(attempt, phase) → whether the symptom showed at any check in that phase."""
    seen: dict[tuple[int, str], bool] = {}
    for event in events:
        if event["event"] == "symptom.checked":
            key = (event.get("attempt", 1), event["phase"])
            seen[key] = seen.get(key, False) or bool(event["present"])
    return seen
