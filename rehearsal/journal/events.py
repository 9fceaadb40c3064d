"""The catalogue of journal events: every event type a run writes, with its fields.

It is the one definition the writer checks each event against, the journal check sets
unusable events aside by, and derivation reads. A *required* field is one derivation reads
without a default: a writer must give it, and an event from an older or damaged journal
that lacks it is left out of the results. Every other field a writer may give is
*optional*. ``run.started`` is the exception the check makes: placeholders stand in for its
missing required fields, since without it there is no run at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]
"""One journal line as read back: ``at``, ``event`` and the fields of its type."""

# What a field's value may be; a NUMBER may be written as an int (a limit of 300 seconds).
Kind = type | tuple[type, ...]
TEXT: Kind = str
INT: Kind = int
NUMBER: Kind = (int, float)
FLAG: Kind = bool
LIST: Kind = list
MAP: Kind = dict


class EventMismatch(ValueError):
    """A writer drifted from the catalogue: a programming error, caught by the tests."""


@dataclass(frozen=True)
class EventType:
    name: str
    required: Mapping[str, Kind] = field(default_factory=dict)
    optional: Mapping[str, Kind] = field(default_factory=dict)

    def refuse_mismatch(self, fields: Mapping[str, object]) -> None:
        """Raise when ``fields`` lack a required field, hold an undeclared one, or one of
        the wrong type (None stands for an optional field left out)."""
        declared = {**ANY_EVENT, **self.optional, **self.required}
        missing = [name for name in self.required if fields.get(name) is None]
        undeclared = [name for name in fields if name not in declared]
        wrong = [
            f"{name} ({type(value).__name__})"
            for name, value in fields.items()
            if value is not None and name in declared and not isinstance(value, declared[name])
        ]
        said = [
            f"{what}: {', '.join(names)}"
            for what, names in (
                ("missing", missing),
                ("undeclared", undeclared),
                ("of the wrong type", wrong),
            )
            if names
        ]
        if said:
            raise EventMismatch(
                f"journal event {self.name!r}: {'; '.join(said)}; "
                "write it as rehearsal/journal/events.py declares it, or declare the change there"
            )


ANY_EVENT: Mapping[str, Kind] = {"attempt": INT}
"""Fields every event may have: a parallel reproduction tags each of an attempt's events
with it, since its attempts' events are interleaved in the journal."""


def _catalogue(*types: EventType) -> dict[str, EventType]:
    return {event_type.name: event_type for event_type in types}


def _fields(names: str, kind: Kind) -> dict[str, Kind]:
    return dict.fromkeys(names.split(), kind)


ALERT = _fields("alert", TEXT)
TIER = {"alert": TEXT, "tier": INT}

CATALOGUE = _catalogue(
    # The run
    EventType(
        "run.started",
        required={**_fields("run_id kind title customer profile scenario", TEXT), "team": MAP},
        optional={
            **_fields("purpose account_manager measured_probe notes symptom locale", TEXT),
            **_fields("rto_s sla_pct", NUMBER),
            **_fields("seed attempts parallel", INT),
            **_fields("services criteria stop_when monitors", LIST),
            **_fields("on_call calendar", MAP),
            "keep": FLAG,
        },
    ),
    EventType("run.finished", optional=_fields("outcome error", TEXT)),
    EventType("run.stopping", optional=_fields("reason", TEXT)),
    # ``at``: when the stop was pressed, which stands for when it was journalled.
    EventType("emergency_stop", optional=_fields("by why at", TEXT)),
    EventType("attempt.started", required={"attempt": INT}, optional={"seed": INT}),
    EventType("attempt.finished", optional={"attempt": INT}),
    # A parallel reproduction's order: groups run one after the other, ``parallel`` at once.
    EventType(
        "attempts.scheduled",
        required={"groups": LIST, "parallel": INT},
        optional={"why": TEXT},
    ),
    # The mirror
    EventType("images.ready", optional={"base": TEXT, "nodes": MAP}),
    # A CLI run's images, made while its flow run started (runs.head_start): how long each
    # side took from the head start's beginning, and how long the flow then waited.
    EventType("head_start", optional=_fields("flow_start_s images_s waited_s", NUMBER)),
    EventType("environment.requested", optional=_fields("run_id profile", TEXT)),
    EventType("environment.probes", optional={"failing": LIST}),
    EventType(
        "environment.up",
        optional={
            "nodes": MAP,
            "prefix": TEXT,
            "lab_hosts": LIST,
            "owner": MAP,
            "engine": TEXT,
            "volumes": LIST,
        },
    ),
    EventType("environment.ready", optional={"facts": MAP}),
    EventType("environment.kept", optional={"prefix": TEXT}),
    EventType("environment.removed", optional={"lab_hosts_left": LIST}),
    EventType("environment.lost", optional={"detail": TEXT}),
    EventType("converge.finished", optional={"duration_s": NUMBER, "changed": MAP, "ok": MAP}),
    # Where the mirror's configuration came from: a converge, or converged snapshots (key).
    EventType(
        "mirror.source",
        required={"source": TEXT},
        optional={"key": TEXT, "reason": TEXT, "nodes": MAP},
    ),
    EventType(
        "snapshot.saved",
        optional={
            **_fields("key error", TEXT),
            "nodes": MAP,
            "seconds": NUMBER,
            "removed": LIST,
            "addresses": FLAG,
        },
    ),
    EventType("fidelity.checked", optional={"facts": LIST, "differences": INT, "by": TEXT}),
    EventType("steady_state.checking", optional={"when": TEXT, "probes": LIST}),
    EventType("steady_state.checked", optional={"when": TEXT, "ok": FLAG, "failing": LIST}),
    # Phases and steps
    EventType(
        "phase.started",
        required=_fields("phase operator analyst", TEXT),
        optional=_fields("index attempt", INT),
    ),
    EventType(
        "phase.finished",
        required={"status": TEXT},
        optional={"phase": TEXT, **_fields("index attempt", INT)},
    ),
    EventType(
        "step.started",
        required={"index": INT, **_fields("type label", TEXT)},
        optional=_fields("phase actor", TEXT),
    ),
    EventType(
        "step.finished",
        required={"status": TEXT},
        optional={**_fields("phase type detail", TEXT), "index": INT, "budget_s": NUMBER},
    ),
    EventType(
        "runbook.started",
        optional={**_fields("phase runbook operator", TEXT), "steps": INT},
    ),
    EventType(
        "runbook.finished",
        optional={**_fields("phase runbook status", TEXT), "duration_s": NUMBER},
    ),
    EventType(
        "runbook.step.started",
        required={"index": INT, "say": TEXT},
        optional={**_fields("phase runbook node command operator", TEXT), "budget_s": NUMBER},
    ),
    EventType(
        "runbook.step.skipped",
        required={"index": INT, "say": TEXT},
        optional=_fields("phase runbook", TEXT),
    ),
    EventType(
        "runbook.step.finished",
        required={"status": TEXT},
        optional={
            **_fields("phase runbook output", TEXT),
            **_fields("index exit_code", INT),
            **_fields("duration_s budget_s", NUMBER),
        },
    ),
    EventType(
        "action.command",
        optional={
            **_fields("phase node user command output operator", TEXT),
            "exit_code": INT,
            "duration_s": NUMBER,
        },
    ),
    EventType("evidence.collected", optional={"phase": TEXT, "files": LIST, "missing": LIST}),
    EventType(
        "symptom.checked",
        required={"phase": TEXT, "present": FLAG},
        optional={**_fields("after detail", TEXT), "attempt": INT},
    ),
    # Faults
    EventType(
        "fault.injecting",
        required={**_fields("fault type phase", TEXT), "targets": LIST},
        optional={
            "peers": LIST,
            "spec": MAP,
            "until": TEXT,
            "duration_s": NUMBER,
            "switch": TEXT,
        },
    ),
    EventType(
        "fault.injected",
        required={"fault": TEXT},
        optional={
            **_fields("type phase error", TEXT),
            "targets": LIST,
            "verified": FLAG,
            "notes": LIST,
        },
    ),
    EventType(
        "fault.switch_armed",
        optional={"fault": TEXT, "nodes": LIST, "bound_s": NUMBER, "without": LIST},
    ),
    EventType("fault.switch_fired", optional={"fault": TEXT, "nodes": MAP}),
    EventType("fault.reverting", optional=_fields("fault by", TEXT)),
    EventType(
        "fault.reverted",
        required=_fields("fault status", TEXT),
        optional=_fields("detail by", TEXT),
    ),
    # Probes and load
    EventType(
        "probe.sample",
        required={"probe": TEXT, "ok": FLAG},
        optional={"latency_s": NUMBER, "detail": TEXT},
    ),
    EventType("load.started", optional={**_fields("name phase url", TEXT), "rate": NUMBER}),
    EventType(
        "load.sample",
        optional={
            **_fields("name phase", TEXT),
            **_fields("requests errors", INT),
            "p95_s": NUMBER,
            "failures": MAP,
        },
    ),
    EventType(
        "load.finished",
        required={
            **_fields("name phase", TEXT),
            **_fields("requests errors", INT),
            "error_rate": NUMBER,
        },
    ),
    # The run's clock: the customer time the first phase stands for, and its pace
    EventType(
        "run.clock",
        required={**_fields("customer_at timezone wall_at", TEXT), "speed": NUMBER},
        optional={"attempt": INT},
    ),
    # Batch jobs
    EventType(
        "jobs.scheduled",
        optional={**_fields("clock timezone", TEXT), "speed": NUMBER, "jobs": LIST},
    ),
    EventType(
        "job.started",
        required=_fields("job node", TEXT),
        optional={**_fields("phase trigger command say scheduled_for", TEXT), "timeout_s": NUMBER},
    ),
    EventType(
        "job.skipped",
        required=_fields("job node", TEXT),
        optional=_fields("phase scheduled_for reason", TEXT),
    ),
    EventType(
        "job.finished",
        required=_fields("job status", TEXT),
        optional={
            **_fields("node phase trigger output", TEXT),
            "exit_code": INT,
            **_fields("duration_s timeout_s", NUMBER),
        },
    ),
    # People
    EventType(
        "question.asked",
        required=_fields("id kind phase person instruction", TEXT),
        optional={"timeout_s": NUMBER, **TIER},
    ),
    EventType(
        "question.answered",
        optional={**_fields("id phase person outcome notes source", TEXT), "waited_s": NUMBER},
    ),
    EventType(
        "question.unanswered",
        optional={**_fields("id phase person outcome", TEXT), "waited_s": NUMBER},
    ),
    # Alerts and escalation
    EventType(
        "alert.fired",
        required=_fields("alert monitor probe severity", TEXT),
        optional={**_fields("phase detail", TEXT), "attempt": INT},
    ),
    *(
        EventType(
            name,
            required=_fields("alert channel target", TEXT),
            optional=_fields("monitor detail", TEXT),
        )
        for name in ("alert.delivered", "alert.undelivered")
    ),
    EventType("alert.resolved", required=ALERT, optional=_fields("monitor", TEXT)),
    EventType(
        "person.acknowledged",
        required=_fields("alert person", TEXT),
        optional={"tier": INT, "waited_s": NUMBER, "source": TEXT},
    ),
    EventType(
        "escalation.escalated",
        required={**TIER, "person": TEXT},
        optional={**_fields("reason to_person", TEXT), "to_tier": INT},
    ),
    EventType("escalation.declined", required={**TIER, "person": TEXT}),
    EventType("escalation.resolved", required=TIER, optional=_fields("person", TEXT)),
    EventType("escalation.exhausted", required=ALERT, optional=_fields("phase", TEXT)),
    EventType("escalation.stopped", required=TIER, optional=_fields("person", TEXT)),
    # Findings
    EventType(
        "finding",
        required=_fields("id severity category title detail", TEXT),
        optional={
            **_fields("phase recommendation source", TEXT),
            "evidence": LIST,
            "attempt": INT,
            "about": MAP,
        },
    ),
    EventType(
        "finding.added",
        required=_fields("id severity category title", TEXT),
        optional=_fields("detail phase recommendation owner status by", TEXT),
    ),
    EventType(
        "finding.edited", required=_fields("id", TEXT), optional={"by": TEXT, "changes": MAP}
    ),
)


def refuse_mismatch(event: str, fields: Mapping[str, object]) -> None:
    """Raise :class:`EventMismatch` unless ``event`` is in the catalogue and ``fields`` fit it."""
    known = CATALOGUE.get(event)
    if known is None:
        raise EventMismatch(
            f"journal event {event!r} is not in the catalogue; declare it in "
            "rehearsal/journal/events.py"
        )
    known.refuse_mismatch(fields)
