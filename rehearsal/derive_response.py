"""Response figures from the journal alone: alerts and their delivery, the escalation chain,
per-phase and per-person times, findings for missed targets, and the calendar note."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from rehearsal.models.calendar import Calendar
from rehearsal.models.durations import format_duration
from rehearsal.results import Finding, ProbeHistory, QuestionResult, ServiceImpact
from rehearsal.results_response import (
    AlertResult,
    CalendarNote,
    DeliveryResult,
    EscalationStep,
    PersonResponse,
    PhaseResponse,
)

Event = dict[str, Any]
# "about 40 orders a minute": a rate the calendar note can turn into a figure.
RATE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s+([^\s,.;]+)\s+(?:a|per)\s+minute")


def _at(event: Event) -> datetime:
    return datetime.fromisoformat(event["at"])


def _s(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)


def alerts(events: list[Event]) -> list[AlertResult]:
    found: dict[str, AlertResult] = {}
    for e in events:
        kind, key = e["event"], e.get("alert", "")
        if kind == "alert.fired":
            found[key] = AlertResult(
                id=key,
                monitor=e["monitor"],
                probe=e["probe"],
                severity=e["severity"],
                phase=e.get("phase"),
                fired_at=_at(e),
                resolved_at=None,
            )
        elif key not in found:
            continue
        elif kind == "alert.resolved":
            found[key] = found[key].model_copy(update={"resolved_at": _at(e)})
        elif kind in ("alert.delivered", "alert.undelivered"):
            found[key].deliveries.append(
                DeliveryResult(
                    channel=e["channel"],
                    target=e["target"],
                    delivered=kind == "alert.delivered",
                    at=_at(e),
                    detail=e.get("detail", ""),
                )
            )
        elif kind == "person.acknowledged" and found[key].acknowledged_at is None:
            found[key] = found[key].model_copy(
                update={"acknowledged_by": e["person"], "acknowledged_at": _at(e)}
            )
    return list(found.values())


def escalation(events: list[Event]) -> list[EscalationStep]:
    steps: dict[tuple[str, int], EscalationStep] = {}
    ends = {
        "escalation.resolved": "resolved",
        "escalation.declined": "declined",
        "escalation.escalated": "escalated",
        "escalation.stopped": "run ended",
    }
    for e in events:
        kind = e["event"]
        key = (e.get("alert", ""), e.get("tier", 0))
        if kind == "question.asked" and e.get("kind") == "acknowledge":
            steps[key] = EscalationStep(
                alert=key[0],
                tier=key[1],
                person=e["person"],
                asked_at=_at(e),
                ended_at=None,
                outcome="waiting",
            )
        elif key not in steps:
            continue
        elif kind == "person.acknowledged":
            steps[key] = steps[key].model_copy(
                update={"acknowledged_at": _at(e), "outcome": "acknowledged"}
            )
        elif kind in ends and steps[key].outcome in ("waiting", "acknowledged"):
            outcome = ends[kind]
            if steps[key].acknowledged_at is not None:
                outcome = f"acknowledged, then {outcome}"
            steps[key] = steps[key].model_copy(update={"ended_at": _at(e), "outcome": outcome})
    return list(steps.values())


def _segments(events: list[Event]) -> list[tuple[Event, list[Event]]]:
    """Each phase.started with the events up to the next one."""
    segments: list[tuple[Event, list[Event]]] = []
    for e in events:
        if e["event"] == "phase.started":
            segments.append((e, []))
        elif segments and e["event"] == "attempt.finished":
            segments.append(({"event": "gap"}, []))
        elif segments:
            segments[-1][1].append(e)
    return [(start, body) for start, body in segments if start["event"] == "phase.started"]


def _first_sample(
    history: ProbeHistory | None, ok: bool, after: datetime, until: datetime | None = None
) -> datetime | None:
    if history is None:
        return None
    for sample in history.samples:
        taken = sample.at - timedelta(seconds=sample.latency_s)
        if taken >= after and sample.ok == ok and (until is None or taken <= until):
            return taken
    return None


def phase_responses(
    events: list[Event], found: list[AlertResult], probes: list[ProbeHistory], measured: str | None
) -> list[PhaseResponse]:
    histories = {p.name: p for p in probes}
    by_id = {a.id: a for a in found}
    responses = []
    for start, body in _segments(events):
        # From when injection began: a slow-to-verify fault can show (and alert) before
        # its fault.injected event is written.
        injected = [_at(e) for e in body if e["event"] == "fault.injecting"]
        fired = [by_id[e["alert"]] for e in body if e["event"] == "alert.fired"]
        alert = fired[0] if fired else None
        first = min(injected) if injected else None
        probe = alert.probe if alert else measured
        down = _first_sample(histories.get(probe or ""), False, first) if first else None
        ack_at, responder = _acknowledged(alert, body, start["operator"], down)
        back = _first_sample(histories.get(alert.probe), True, alert.fired_at) if alert else None
        waited = [
            e.get("waited_s") or 0.0
            for e in body
            if e["event"] in ("question.answered", "question.unanswered")
        ]
        responses.append(
            PhaseResponse(
                phase=start["phase"],
                attempt=start.get("attempt", 1),
                on_duty=start["operator"],
                responder=responder,
                severity=alert.severity if alert else None,
                time_to_detect_s=_s(first, down) if first and down else None,
                time_to_alert_s=_s(first, alert.fired_at) if first and alert else None,
                time_to_acknowledge_s=max(0.0, _s(alert.fired_at, ack_at))
                if alert and ack_at
                else None,
                handling_s=_s(ack_at, back) if ack_at and back and back >= ack_at else None,
                waiting_for_people_s=round(sum(waited), 3),
            )
        )
    return responses


def _acknowledged(
    alert: AlertResult | None, body: list[Event], operator: str, down: datetime | None
) -> tuple[datetime | None, str | None]:
    """The first response to the alert: an acknowledgement, or the on-duty operator's first
    action since the outage was seen (an operator already at work before the alert fired
    responded at once: zero), whichever came first."""
    if alert is None:
        return None, None
    since = min(down, alert.fired_at) if down else alert.fired_at
    candidates: list[tuple[datetime, str]] = []
    if alert.acknowledged_at is not None and alert.acknowledged_by is not None:
        candidates.append((alert.acknowledged_at, alert.acknowledged_by))
    action = next((at for at in _actions(body, operator) if at >= since), None)
    if action is not None:
        candidates.append((action, operator))
    return min(candidates) if candidates else (None, None)


def _actions(body: list[Event], operator: str) -> list[datetime]:
    """When the operator acted: a runbook step started, a command run (from its start), a
    manual step answered."""
    found = []
    for e in body:
        kind = e["event"]
        if kind == "runbook.step.started":
            found.append(_at(e))
        elif kind == "action.command" and e.get("operator") == operator:
            found.append(_at(e) - timedelta(seconds=e.get("duration_s") or 0.0))
        elif (
            kind == "question.answered"
            and e.get("person") == operator
            and not str(e.get("id", "")).startswith("ack.")
        ):
            found.append(_at(e))
    return sorted(found)


def people(
    responses: list[PhaseResponse], steps: list[EscalationStep], asked: list[QuestionResult]
) -> list[PersonResponse]:
    names: list[str] = []
    for name in [r.on_duty for r in responses] + [s.person for s in steps]:
        if name not in names:
            names.append(name)
    result = []
    for name in names:
        mine = [r for r in responses if r.responder == name]
        acks = [r.time_to_acknowledge_s for r in mine if r.time_to_acknowledge_s is not None]
        result.append(
            PersonResponse(
                person=name,
                phases=[r.phase for r in responses if name in (r.on_duty, r.responder)],
                acknowledged=sum(1 for s in steps if s.person == name and s.acknowledged_at),
                mean_time_to_acknowledge_s=round(sum(acks) / len(acks), 3) if acks else None,
                handling_s=round(sum(r.handling_s or 0.0 for r in mine), 3),
                waited_for_s=round(sum(q.waited_s or 0.0 for q in asked if q.person == name), 3),
                escalated_past=sum(1 for s in steps if s.person == name and s.passed_on),
            )
        )
    return result


def calendar_note(started: Event, services: list[ServiceImpact]) -> CalendarNote | None:
    raw = started.get("calendar")
    if not raw:
        return None
    calendar = Calendar.model_validate(raw)
    when = _at(started)
    local = calendar.local(when)
    window = calendar.maintenance_window(when)
    estimates = {}
    for service in services:
        rate = RATE.search(service.impact)
        if service.downtime_s > 0 and rate:
            lost = float(rate.group(1).replace(",", "")) * service.downtime_s / 60
            estimates[service.name] = f"about {max(1, round(lost)):,} {rate.group(2)}"
    return CalendarNote(
        timezone=calendar.timezone,
        ran_at_local=f"{local:%a %Y-%m-%d %H:%M} {calendar.timezone}",
        business_hours=calendar.business_open(when),
        holiday=local.date() in calendar.holidays,
        maintenance_window=(window.name or window.describe()) if window else None,
        business_hours_text="; ".join(w.describe() for w in calendar.business_hours) or "24x7",
        estimates=estimates,
    )


def _finding(number: int, severity: str, title: str, detail: str, phase: str | None,
             fix: str, category: str = "procedure") -> Finding:  # fmt: skip
    return Finding(
        id=f"P{number}",
        severity=severity,
        category=category,
        title=title,
        detail=detail,
        phase=phase,
        recommendation=fix,
    )


def response_findings(
    started: Event,
    events: list[Event],
    found: list[AlertResult],
    responses: list[PhaseResponse],
    probes: list[ProbeHistory],
) -> list[Finding]:
    out: list[Finding] = []

    def add(*args: Any, **kwargs: Any) -> None:
        out.append(_finding(len(out) + 1, *args, **kwargs))

    _target_findings(started, events, found, responses, add)
    for alert in found:
        if not alert.delivered:
            tried = ", ".join(f"{d.channel} {d.target}: {d.detail}" for d in alert.deliveries)
            add(
                "high",
                f"Alert {alert.id} from monitor {alert.monitor} reached no one",
                f"It fired at {alert.fired_at:%H:%M:%S} UTC but was not delivered"
                + (f" ({tried})." if tried else ": the monitor has no 'notify:'."),
                alert.phase,
                "Fix the notification path and test it before go-live.",
                "monitoring",
            )
        for delivery in alert.deliveries:
            if not delivery.delivered and alert.delivered:
                add(
                    "low",
                    f"Alert {alert.id} was not delivered by {delivery.channel}",
                    f"{delivery.target}: {delivery.detail}",
                    alert.phase,
                    "Fix or remove that notification channel.",
                    "monitoring",
                )
    _never_fired(started, events, probes, add)
    for e in events:
        if e["event"] == "escalation.escalated":
            to = f"tier {e['to_tier']} ({e['to_person']})" if e.get("to_person") else "nobody"
            add(
                "medium",
                f"Alert {e['alert']} escalated past tier {e['tier']} ({e['person']})",
                f"{e['person']} {_reason(e.get('reason'))}; it went to {to}.",
                _phase_of(found, e["alert"]),
                "Check why the first tier could not handle it in time.",
            )
        elif e["event"] == "escalation.exhausted":
            add(
                "high",
                f"Escalation ran out for alert {e['alert']}",
                "Every tier was asked and the service was still not back.",
                e.get("phase"),
                "Add a tier, or lengthen the limits to what the people can really do.",
            )
    return out


def _reason(reason: object) -> str:
    return {
        "declined": "declined the alert",
        "limit": "did not get the service back within the tier's limit",
        "no answer": "did not answer",
    }.get(str(reason), str(reason))


def _phase_of(found: list[AlertResult], alert: str) -> str | None:
    return next((a.phase for a in found if a.id == alert), None)


def _target_findings(
    started: Event,
    events: list[Event],
    found: list[AlertResult],
    responses: list[PhaseResponse],
    add: Any,
) -> None:
    targets = (started.get("on_call") or {}).get("targets") or {}
    calendar = Calendar.model_validate(started["calendar"]) if started.get("calendar") else None
    by_phase = {(r.attempt, r.phase): r for r in responses}
    attempt = 1
    for e in events:
        if e["event"] == "attempt.started":
            attempt = e["attempt"]
        if e["event"] != "alert.fired":
            continue
        alert = next(a for a in found if a.id == e["alert"])
        target = targets.get(alert.severity)
        response = by_phase.get((attempt, alert.phase or ""))
        if target is None or response is None:
            continue
        if (
            target.get("hours") == "business"
            and calendar
            and not calendar.business_open(alert.fired_at)
        ):
            continue
        person = response.responder or response.on_duty
        limit = float(target["first_response"])
        took = response.time_to_acknowledge_s
        if took is None:
            add(
                "high",
                f"Nobody responded to alert {alert.id} ({alert.severity})",
                f"{response.on_duty} was on duty; no acknowledgement and no action followed.",
                alert.phase,
                "Make sure the alert reaches the person on duty and that they act on it.",
            )
        elif took > limit:
            add(
                "high",
                f"First response by {person} took {format_duration(took)}",
                f"The target for {alert.severity} alerts is {format_duration(limit)}; "
                f"missed by {format_duration(took - limit)}.",
                alert.phase,
                "Shorten the way from alert to the person on duty.",
            )
        recovery = target.get("recovery", "rto")
        limit_s = started.get("rto_s") if recovery == "rto" else float(recovery)
        back = alert.resolved_at
        if limit_s is not None and back is not None and _s(alert.fired_at, back) > limit_s:
            add(
                "high",
                f"Recovery handled by {person} took {format_duration(_s(alert.fired_at, back))}",
                f"The recovery target for {alert.severity} alerts is "
                f"{format_duration(limit_s)}, counted from the alert.",
                alert.phase,
                "Shorten the procedure or automate its slowest steps.",
            )


def _never_fired(started: Event, events: list[Event], probes: list[ProbeHistory], add: Any) -> None:
    histories = {p.name: p for p in probes}
    for monitor in started.get("monitors") or []:
        history = histories.get(monitor["probe"])
        for start, body in _segments(events):
            if not any(e["event"] == "fault.injecting" for e in body) or history is None:
                continue
            if any(e["event"] == "alert.fired" and e["monitor"] == monitor["name"] for e in body):
                continue
            end = _at(body[-1]) if body else _at(start)
            longest = _longest_failure(history, _at(start), end)
            if longest >= float(monitor.get("after", 0.0)) + 1.0:
                add(
                    "high",
                    f"Monitor {monitor['name']} never fired",
                    f"{monitor['probe']} failed for {format_duration(longest)} in this phase; "
                    f"the monitor fires after {format_duration(float(monitor.get('after', 0)))}.",
                    start["phase"],
                    "Check the monitor's rule and that it watches the right thing.",
                    "monitoring",
                )


def _longest_failure(history: ProbeHistory, start: datetime, end: datetime) -> float:
    longest, since = 0.0, None
    for sample in history.samples:
        if not start <= sample.at <= end:
            continue
        if not sample.ok and since is None:
            since = sample.at
        elif sample.ok and since is not None:
            longest, since = max(longest, _s(since, sample.at)), None
    if since is not None:
        longest = max(longest, _s(since, end))
    return longest
