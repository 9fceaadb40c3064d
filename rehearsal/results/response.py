"""Response figures from the journal alone: alerts and their delivery, the escalation chain,
per-phase and per-person times, findings for missed targets, and the calendar note."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from rehearsal.journal.events import Event
from rehearsal.models.calendar import Calendar
from rehearsal.models.durations import format_duration
from rehearsal.results.activity import answer_source, by_a_person, stand_in_note, waits
from rehearsal.results.findings import FindingMaker
from rehearsal.results.model import Finding, ProbeHistory, QuestionResult, ServiceImpact
from rehearsal.results.response_model import (
    AlertResult,
    CalendarNote,
    DeliveryResult,
    EscalationStep,
    PersonResponse,
    PhaseResponse,
    RunClockResult,
    StandIn,
)

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
                attempt=e.get("attempt", 1),
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
                update={
                    "acknowledged_by": e["person"],
                    "acknowledged_at": _at(e),
                    "acknowledged_source": answer_source(e),
                }
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
            source = answer_source(e)
            steps[key] = steps[key].model_copy(
                update={
                    "acknowledged_at": _at(e),
                    "acknowledged_source": source,
                    "outcome": f"acknowledged{stand_in_note(source)}",
                }
            )
        elif kind in ends and steps[key].ended_at is None:
            outcome = ends[kind]
            step = steps[key]
            if step.acknowledged_at is not None:
                outcome = f"acknowledged{stand_in_note(step.acknowledged_source)}, then {outcome}"
            elif outcome == "resolved":
                outcome = "no answer; the service came back without them"
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


def first_sample(
    history: ProbeHistory | None, ok: bool, after: datetime, until: datetime | None = None
) -> datetime | None:
    """When the first sample with this outcome in [after, until] started: its journal time
    less its latency, so a check that failed by timing out is placed where the outage was."""
    if history is None:
        return None
    for sample in history.samples:
        taken = sample.started
        if taken >= after and sample.ok == ok and (until is None or taken <= until):
            return taken
    return None


FAULT_BEGINS = "fault.injecting"
"""The one clock start of every outage figure (time to detect, alert, recover): when the tool
began to break the node, not when it finished verifying the fault, since a slow-to-verify
fault can show (and alert) before its ``fault.injected`` event is written."""


def histories_for(probes: list[ProbeHistory], attempt: int) -> dict[str, ProbeHistory]:
    """The probe histories a phase of ``attempt`` reads: its attempt's own in a parallel
    reproduction (whose attempts each have theirs), else the run's."""
    own = {p.name: p for p in probes if p.attempt == attempt}
    return own or {p.name: p for p in probes}


def fault_began(events: list[Event]) -> datetime | None:
    begun = [_at(e) for e in events if e["event"] == FAULT_BEGINS]
    return min(begun) if begun else None


def phase_responses(
    events: list[Event], found: list[AlertResult], probes: list[ProbeHistory], measured: str | None
) -> list[PhaseResponse]:
    by_id = {a.id: a for a in found}
    responses = []
    for start, body in _segments(events):
        attempt = start.get("attempt", 1)
        histories = histories_for(probes, attempt)
        reverting = [
            _at(e)
            for e in events
            if e["event"] == "fault.reverting" and e.get("attempt", attempt) == attempt
        ]
        fired = [by_id[e["alert"]] for e in body if e["event"] == "alert.fired"]
        alert = fired[0] if fired else None
        first = fault_began(body)
        probe = alert.probe if alert else measured
        down = (
            first_sample(
                histories.get(probe or ""),
                False,
                first,
                min((at for at in reverting if at >= first), default=None),
            )
            if first
            else None
        )
        answers = _first_answers(alert, body, start["operator"])
        person = next((a for a in answers if by_a_person(a.source)), None)
        stand_in = next((a for a in answers if not by_a_person(a.source)), None)
        if person is not None and stand_in is not None and stand_in.at > person.at:
            stand_in = None  # a person had already answered: nothing stood in for them
        ack_at = person.at if person else None
        back = _recovered_by_people(histories, alert, body)
        people_s, stand_ins_s = waits(
            (e.get("waited_s"), None if e["event"] == "question.unanswered" else answer_source(e))
            for e in body
            if e["event"] in ("question.answered", "question.unanswered")
        )
        responses.append(
            PhaseResponse(
                phase=start["phase"],
                attempt=start.get("attempt", 1),
                on_duty=start["operator"],
                responder=person.person if person else None,
                severity=alert.severity if alert else None,
                time_to_detect_s=_s(first, down) if first and down else None,
                time_to_alert_s=_s(first, alert.fired_at) if first and alert else None,
                time_to_acknowledge_s=_s(alert.fired_at, ack_at) if alert and ack_at else None,
                handling_s=_s(ack_at, back) if ack_at and back and back >= ack_at else None,
                waiting_for_people_s=people_s,
                waiting_for_stand_ins_s=stand_ins_s,
                stand_in=StandIn(
                    person=stand_in.person,
                    source=stand_in.source,
                    after_s=_s(alert.fired_at, stand_in.at),
                )
                if alert and stand_in
                else None,
            )
        )
    return responses


def _recovered_by_people(
    histories: dict[str, ProbeHistory], alert: AlertResult | None, body: list[Event]
) -> datetime | None:
    """When the alert's probe passed again, unless that came only after the tool began
    reverting the fault: a recovery the tool caused is not a person's handling."""
    if alert is None:
        return None
    reverting = [_at(e) for e in body if e["event"] == "fault.reverting"]
    until = min((at for at in reverting if at >= alert.fired_at), default=None)
    return first_sample(histories.get(alert.probe), True, alert.fired_at, until)


@dataclass(frozen=True, order=True)
class _Answer:
    at: datetime
    person: str
    source: str


def _first_answers(alert: AlertResult | None, body: list[Event], operator: str) -> list[_Answer]:
    """The answers to the alert, first first: each acknowledgement, and the on-duty
    operator's answers to steps they were asked to do (done or failed: either way someone
    acted), after the alert fired. Each keeps its source, so the caller can tell a person's
    response from a scripted one. Runbook steps and commands the tool ran by itself are no
    answer at all."""
    if alert is None:
        return []
    found = [
        _Answer(_at(e), e["person"], answer_source(e))
        for e in body
        if e["event"] == "person.acknowledged" and e.get("alert") == alert.id
    ]
    found += [
        _Answer(_at(e), operator, answer_source(e))
        for e in body
        if e["event"] == "question.answered"
        and e.get("person") == operator
        and e.get("outcome") in ("done", "failed")
        and not str(e.get("id", "")).startswith("ack.")
    ]
    return sorted(a for a in found if a.at >= alert.fired_at)


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
                acknowledged=sum(
                    1
                    for s in steps
                    if s.person == name and s.acknowledged_at and by_a_person(s.acknowledged_source)
                ),
                mean_time_to_acknowledge_s=round(sum(acks) / len(acks), 3) if acks else None,
                handling_s=_total([r.handling_s for r in mine]),
                waited_for_s=waits((q.waited_s, q.source) for q in asked if q.person == name)[0],
                escalated_past=sum(1 for s in steps if s.person == name and s.passed_on),
                answered_for_them=sum(
                    1
                    for s in steps
                    if s.person == name
                    and s.acknowledged_at
                    and not by_a_person(s.acknowledged_source)
                ),
            )
        )
    return result


def _total(figures: list[float | None]) -> float | None:
    """The sum of what was measured; None (a dash) when nothing was."""
    measured = [f for f in figures if f is not None]
    return round(sum(measured), 3) if measured else None


def run_clock(events: list[Event]) -> RunClockResult | None:
    """The customer time the run stood for, as its first ``run.clock`` mapped it."""
    event = next((e for e in events if e["event"] == "run.clock"), None)
    if event is None:
        return None
    return RunClockResult(
        customer_at=datetime.fromisoformat(event["customer_at"]),
        timezone=event["timezone"],
        speed=float(event["speed"]),
        wall_at=datetime.fromisoformat(event["wall_at"]),
    )


def customer_time(clock: RunClockResult | None, wall: datetime) -> datetime:
    """The customer's hour at ``wall``: the run's clock when the scenario set one, else the
    real time."""
    return wall if clock is None else clock.customer(wall)


def calendar_note(
    started: Event, services: list[ServiceImpact], clock: RunClockResult | None
) -> CalendarNote | None:
    raw = started.get("calendar")
    if not raw:
        return None
    calendar = Calendar.model_validate(raw)
    when = clock.customer_at if clock else _at(started)
    local = calendar.local(when)
    window = calendar.maintenance_window(when)
    estimates = {}
    for service in services:
        rate = RATE.search(service.impact)
        if service.downtime_s and rate:
            lost = float(rate.group(1).replace(",", "")) * service.downtime_s / 60
            estimates[service.name] = f"about {max(1, round(lost)):,} {rate.group(2)}"
    return CalendarNote(
        timezone=calendar.timezone,
        ran_at_local=f"{local:%a %Y-%m-%d %H:%M} {calendar.timezone}",
        as_at=clock is not None,
        business_hours=calendar.business_open(when),
        holiday=local.date() in calendar.holidays,
        maintenance_window=(window.name or window.describe()) if window else None,
        business_hours_text="; ".join(w.describe() for w in calendar.business_hours) or "24x7",
        estimates=estimates,
    )


def response_findings(
    started: Event,
    events: list[Event],
    found: list[AlertResult],
    chain: list[EscalationStep],
    responses: list[PhaseResponse],
    probes: list[ProbeHistory],
    clock: RunClockResult | None,
) -> list[Finding]:
    findings = FindingMaker("P")
    _target_findings(started, events, found, chain, responses, findings, clock)
    for alert in found:
        if not alert.delivered:
            tried = ", ".join(f"{d.channel} {d.target}: {d.detail}" for d in alert.deliveries)
            findings.add(
                severity="high",
                category="monitoring",
                title=f"Alert {alert.label} from monitor {alert.monitor} reached no one",
                detail=f"It fired at {alert.fired_at:%H:%M:%S} UTC but was not delivered"
                + (f" ({tried})." if tried else ": the monitor has no 'notify:'."),
                phase=alert.phase,
                recommendation="Fix the notification path and test it before go-live.",
                about={"monitor": alert.monitor, "delivered": "to no one"},
            )
        for delivery in alert.deliveries:
            if not delivery.delivered and alert.delivered:
                findings.add(
                    severity="low",
                    category="monitoring",
                    title=f"Alert {alert.label} was not delivered by {delivery.channel}",
                    detail=f"{delivery.target}: {delivery.detail}",
                    phase=alert.phase,
                    recommendation="Fix or remove that notification channel.",
                    about={"monitor": alert.monitor, "channel": delivery.channel},
                )
    _never_fired(started, events, probes, findings)
    _unacknowledged(found, chain, findings)
    labels = {a.id: a.label for a in found}
    monitors = {a.id: a.monitor for a in found}
    for e in events:
        if e["event"] == "escalation.escalated":
            to = f"tier {e['to_tier']} ({e['to_person']})" if e.get("to_person") else "nobody"
            label = labels.get(e["alert"], e["alert"])
            findings.add(
                severity="medium",
                category="procedure",
                title=f"Alert {label} escalated past tier {e['tier']} ({e['person']})",
                detail=f"{e['person']} {_reason(e.get('reason'))}; it went to {to}.",
                phase=_phase_of(found, e["alert"]),
                recommendation="Check why the first tier could not handle it in time.",
                about={"monitor": monitors.get(e["alert"], ""), "escalated past": e["person"]},
            )
        elif e["event"] == "escalation.exhausted":
            findings.add(
                severity="high",
                category="procedure",
                title=f"Escalation ran out for alert {labels.get(e['alert'], e['alert'])}",
                detail="Every tier was asked and the service was still not back.",
                phase=e.get("phase"),
                recommendation="Add a tier, or lengthen the limits to what the people can "
                "really do.",
                about={"monitor": monitors.get(e["alert"], ""), "escalation": "ran out"},
            )
    return findings.made


def _unacknowledged(
    found: list[AlertResult], chain: list[EscalationStep], findings: FindingMaker
) -> None:
    """An acknowledgement asked of people and given by none: a finding as serious as the
    alert, naming each tier that was asked and how it ended for them."""
    for alert in found:
        asked = [s for s in chain if s.alert == alert.id]
        if not asked or any(s.acknowledged_at is not None for s in asked):
            continue
        tiers = "; ".join(
            f"tier {s.tier} ({s.person}) asked at {s.asked_at:%H:%M:%S} UTC: {s.outcome}"
            for s in asked
        )
        findings.add(
            severity=alert.severity,
            category="procedure",
            title=f"Nobody acknowledged alert {alert.label} ({alert.severity})",
            detail=f"{tiers}. No response time can be given for it.",
            phase=alert.phase,
            recommendation="Make sure the alert reaches the person on duty and that they take "
            "it on.",
            about={"monitor": alert.monitor, "acknowledged": "by nobody"},
        )


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
    chain: list[EscalationStep],
    responses: list[PhaseResponse],
    findings: FindingMaker,
    clock: RunClockResult | None,
) -> None:
    targets = (started.get("on_call") or {}).get("targets") or {}
    calendar = Calendar.model_validate(started["calendar"]) if started.get("calendar") else None
    by_phase = {(r.attempt, r.phase): r for r in responses}
    asked_of_someone = {s.alert for s in chain}
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
            and not calendar.business_open(customer_time(clock, alert.fired_at))
        ):
            continue
        asked = alert.id in asked_of_someone
        limit = float(target["first_response"])
        took = response.time_to_acknowledge_s
        stand_in = response.stand_in
        if took is None and stand_in is not None and stand_in.after_s > limit:
            findings.add(
                severity="high",
                category="procedure",
                title=f"The {stand_in.source} answered for {stand_in.person} "
                f"{format_duration(stand_in.after_s)} after alert {alert.label}"
                f"{stand_in_note(stand_in.source)}",
                detail=f"The target for {alert.severity} alerts is {format_duration(limit)}; "
                f"missed by {format_duration(stand_in.after_s - limit)}. No person answered: "
                "this is the pace the drill was scripted with, not a person's response.",
                phase=alert.phase,
                recommendation="Script the answer as fast as the person on duty really "
                "responds, or have a person answer the drill.",
                about={"monitor": alert.monitor, "first response": "slower than the target"},
            )
        elif took is None and stand_in is None and not asked:
            findings.add(
                severity=alert.severity,
                category="procedure",
                title=f"Nobody responded to alert {alert.label} ({alert.severity})",
                detail=f"{response.on_duty} was on duty; no acknowledgement and no action "
                "followed.",
                phase=alert.phase,
                recommendation="Make sure the alert reaches the person on duty and that they "
                "act on it.",
                about={"monitor": alert.monitor, "responded": "nobody"},
            )
        elif took is not None and took > limit:
            findings.add(
                severity="high",
                category="procedure",
                title=f"First response by {response.responder} took {format_duration(took)}",
                detail=f"The target for {alert.severity} alerts is {format_duration(limit)}; "
                f"missed by {format_duration(took - limit)}.",
                phase=alert.phase,
                recommendation="Shorten the way from alert to the person on duty.",
                about={"monitor": alert.monitor, "first response": "slower than the target"},
            )
        recovery = target.get("recovery", "rto")
        limit_s = started.get("rto_s") if recovery == "rto" else float(recovery)
        back = alert.resolved_at
        if limit_s is not None and back is not None and _s(alert.fired_at, back) > limit_s:
            took_back = format_duration(_s(alert.fired_at, back))
            if response.responder:
                who = f"{response.responder} had taken the alert on."
            elif response.stand_in:
                who = (
                    f"The {response.stand_in.source} had answered for {response.stand_in.person}"
                    f"{stand_in_note(response.stand_in.source)}; no person had responded."
                )
            else:
                who = "Nobody had responded to the alert."
            findings.add(
                severity="high",
                category="procedure",
                title=f"Recovery took {took_back} from alert {alert.label}",
                detail=f"The recovery target for {alert.severity} alerts is "
                f"{format_duration(limit_s)}, counted from the alert. {who}",
                phase=alert.phase,
                recommendation="Shorten the procedure or automate its slowest steps.",
                about={"monitor": alert.monitor, "recovery": "slower than the target"},
            )


def _never_fired(
    started: Event, events: list[Event], probes: list[ProbeHistory], findings: FindingMaker
) -> None:
    for monitor in started.get("monitors") or []:
        for start, body in _segments(events):
            history = histories_for(probes, start.get("attempt", 1)).get(monitor["probe"])
            if not any(e["event"] == "fault.injecting" for e in body) or history is None:
                continue
            if any(e["event"] == "alert.fired" and e["monitor"] == monitor["name"] for e in body):
                continue
            end = _at(body[-1]) if body else _at(start)
            longest = _longest_failure(history, _at(start), end)
            if longest >= float(monitor.get("after", 0.0)) + 1.0:
                findings.add(
                    severity="high",
                    category="monitoring",
                    title=f"Monitor {monitor['name']} never fired",
                    detail=f"{monitor['probe']} failed for {format_duration(longest)} in this "
                    "phase; "
                    f"the monitor fires after {format_duration(float(monitor.get('after', 0)))}.",
                    phase=start["phase"],
                    recommendation="Check the monitor's rule and that it watches the right thing.",
                    about={"monitor": monitor["name"], "fired": "never"},
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
