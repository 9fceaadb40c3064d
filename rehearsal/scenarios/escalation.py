"""The escalation policy in a run: each tier's person is asked to take the alert on; when the
service is not back within the tier's limit (or they decline), the next tier is asked.

Answers come through the run's answerer (answers file, terminal, Prefect pause form), so a
scripted ``after:`` delay in an answers file is an acknowledgement that many seconds late.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rehearsal.journal.writer import Journal
from rehearsal.models.alerts import Monitor, Notify
from rehearsal.models.escalation import OnCall, Tier
from rehearsal.scenarios.people import Answerer, Question, Reply, answered

TICK_S = 0.1


def acknowledgement_id(monitor: str, tier: int) -> str:
    """How an answers file names the acknowledgement asked of tier ``tier`` (from 1)."""
    return f"ack.{monitor}.{tier}"


def acknowledgement_ids(monitors: list[Monitor], on_call: OnCall | None) -> list[str]:
    if on_call is None:
        return []
    return [
        acknowledgement_id(m.name, n)
        for m in monitors
        for n in range(1, len(on_call.escalation) + 1)
    ]


class Acknowledgements:
    """The monitors whose alert a person has taken on in this attempt, so that a step can
    wait for it: an operator starts the procedure once the alert is theirs."""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._changed = threading.Condition()

    def record(self, monitor: str) -> None:
        with self._changed:
            self._taken.add(monitor)
            self._changed.notify_all()

    def wait(self, monitor: str, timeout_s: float, cancelled: threading.Event) -> bool:
        """True once someone acknowledged ``monitor``'s alert, False at the timeout or when
        the run is cancelled."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while monitor not in self._taken:
                left = deadline - time.monotonic()
                if left <= 0 or cancelled.is_set():
                    return False
                self._changed.wait(min(left, TICK_S))
            return True


@dataclass
class _Asked:
    """One question in flight: the answer lands here from the asking thread."""

    question: Question
    stop: threading.Event = field(default_factory=threading.Event)
    reply: Reply | None = None
    done: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)

    def ask(self, answerer: Answerer) -> None:
        try:
            self.reply = answerer.ask(self.question, self.stop)
        finally:
            self.done.set()


@dataclass
class Escalation:
    tiers: list[Tier]
    answerer: Answerer
    journal: Journal
    recovered: Callable[[], bool]
    stopped: threading.Event
    acknowledgements: Acknowledgements
    send: Callable[[Notify, dict[str, str]], None]
    """Sends a tier's ``notify:`` entries (and journals each delivery) without waiting."""
    fields: dict[str, str]
    """The alert as its channels are given it; a tier's also name the tier and person."""

    def run(self, alert: str, monitor: Monitor, phase: str) -> None:
        for number, tier in enumerate(self.tiers, start=1):
            outcome = self._tier(alert, monitor, phase, number, tier)
            if outcome == "stopped":
                self.journal.record(
                    "escalation.stopped", alert=alert, tier=number, person=tier.person
                )
            if outcome in ("resolved", "stopped"):
                return
            following = self.tiers[number] if number < len(self.tiers) else None
            self.journal.record(
                "escalation.escalated",
                alert=alert,
                tier=number,
                person=tier.person,
                reason=outcome,
                to_tier=number + 1 if following else None,
                to_person=following.person if following else None,
            )
        self.journal.record("escalation.exhausted", alert=alert, phase=phase)

    def _tier(self, alert: str, monitor: Monitor, phase: str, number: int, tier: Tier) -> str:
        """How this tier ended: resolved, stopped, declined, or limit (not back in time)."""
        question = Question(
            acknowledgement_id(monitor.name, number),
            "acknowledge",
            phase,
            tier.person,
            f"Alert {alert} ({monitor.severity}): {monitor.probe} is failing. "
            f"Acknowledge and take it on (tier {number}).",
            tier.within,
            key=f"ack-{alert.lower()}-{number}",  # Prefect keys: a-z, 0-9 and dashes
        )
        self.journal.record(
            "question.asked",
            id=question.id,
            kind=question.kind,
            phase=phase,
            person=tier.person,
            instruction=question.instruction,
            timeout_s=tier.within,
            alert=alert,
            tier=number,
        )
        for notify in tier.notify:
            self.send(notify, self.fields | {"tier": str(number), "person": tier.person})
        asked = _Asked(question)
        context = contextvars.copy_context()  # a Prefect pause needs the flow run's context
        threading.Thread(target=context.run, args=(asked.ask, self.answerer), daemon=True).start()
        deadline = asked.started + tier.within
        pending = True  # no answer recorded yet: "none" is recorded when the tier ends, so
        # the wait it shows is how long the person was asked, not how soon the answerer gave up
        while True:
            if pending and asked.done.is_set() and asked.reply is not None:
                pending = False
                if self._answered(asked, alert, monitor.name, number) == "declined":
                    return "declined"
            if self.recovered() or self.stopped.is_set():
                asked.stop.set()
                if pending:
                    self._unanswered(asked, "recovered before an answer")
                if self.stopped.is_set() and not self.recovered():
                    return "stopped"
                self.journal.record(
                    "escalation.resolved", alert=alert, tier=number, person=tier.person
                )
                return "resolved"
            if time.monotonic() >= deadline:
                asked.stop.set()
                if pending:
                    self._unanswered(asked, "no answer")
                return "limit"
            time.sleep(TICK_S)

    def _answered(self, asked: _Asked, alert: str, monitor: str, tier: int) -> str:
        question, reply = asked.question, asked.reply
        assert reply is not None  # the caller records a missing answer when the tier ends
        waited = round(time.monotonic() - asked.started, 3)
        self.journal.record("question.answered", **answered(question, reply, waited))
        if reply.answer.outcome != "done":
            self.journal.record(
                "escalation.declined", alert=alert, tier=tier, person=question.person
            )
            return "declined"
        self.journal.record(
            "person.acknowledged",
            alert=alert,
            tier=tier,
            person=question.person,
            waited_s=waited,
            source=reply.source,
        )
        self.acknowledgements.record(monitor)
        return "acknowledged"

    def _unanswered(self, asked: _Asked, outcome: str) -> None:
        question = asked.question
        self.journal.record(
            "question.unanswered",
            id=question.id,
            phase=question.phase,
            person=question.person,
            outcome=outcome,
            waited_s=round(time.monotonic() - asked.started, 3),
        )
