"""The people side of a report: response figures by phase and by person, alerts and their
delivery, the escalation chain (technical tables), and the run set against the customer's
calendar (customer-facing sentences)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rehearsal.models.durations import format_duration
from rehearsal.report.wording import Wording
from rehearsal.results.activity import stand_in_note
from rehearsal.results.model import Results
from rehearsal.results.response_model import PhaseResponse


def _s(value: float | None) -> str:
    return "—" if value is None else format_duration(value)


def _offset(at: datetime | None, results: Results) -> str:
    return "—" if at is None else f"+{format_duration((at - results.started_at).total_seconds())}"


def rehearsed_as_at(results: Results, w: Wording) -> str | None:
    """The customer time the run stood for, beside when it really ran; None without a clock."""
    clock = results.clock
    if clock is None:
        return None
    try:
        local = clock.customer_at.astimezone(ZoneInfo(clock.timezone))
    except (ZoneInfoNotFoundError, ValueError):  # no calendar: the offset 'at:' was written in
        local = clock.customer_at
    return w(
        "heading.rehearsed_as_at",
        when=f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}",
        ran=f"{results.started_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
    )


def calendar_sentences(results: Results, w: Wording, to_customer: bool = False) -> list[str]:
    """The hour against the customer's calendar; ``to_customer``: said to them (the notice),
    so their business hours are "your" hours."""
    note = results.calendar
    if note is None:
        return []
    verb = "as_at" if note.as_at else "ran"  # the hour the drill stood for, or really ran
    said = [
        w(f"calendar.{verb}_in_window", when=note.ran_at_local, window=note.maintenance_window)
        if note.maintenance_window
        else w(f"calendar.{verb}_outside_window", when=note.ran_at_local)
    ]
    if note.business_hours:
        whose = "your" if to_customer else "business"
        said.append(w(f"calendar.{verb}_in_{whose}_hours", hours=note.business_hours_text))
    for service in results.services:
        if not service.downtime_s:  # up throughout, or not measured: no hour it cost
            continue
        sentence = w(
            f"calendar.{'as_at' if note.as_at else 'at'}_this_hour"
            if note.business_hours
            else "calendar.had_it_happened",
            hours=note.business_hours_text,
            service=service.name,
            took=format_duration(service.downtime_s),
            impact=service.impact,
        )
        if service.name in note.estimates:
            sentence += w("calendar.estimate", estimate=note.estimates[service.name])
        said.append(sentence)
    return said


Table = tuple[Sequence[str], list[Sequence[str]]]


def _responded(r: PhaseResponse) -> str:
    """The person who responded; else what stood in for one, marked as such; else nobody."""
    if r.responder:
        return r.responder
    if r.stand_in:
        return f"{r.stand_in.source} for {r.stand_in.person}{stand_in_note(r.stand_in.source)}"
    return "nobody"


def _acknowledged(r: PhaseResponse) -> str:
    """A person's figure as measured; a stand-in's figure kept apart, marked as not theirs."""
    if r.time_to_acknowledge_s is None and r.stand_in:
        return f"{format_duration(r.stand_in.after_s)}{stand_in_note(r.stand_in.source)}"
    return _s(r.time_to_acknowledge_s)


def _waited(people_s: float | None, stand_ins_s: float | None) -> str:
    """The wait people held the run for; a stand-in's wait beside it, marked as not theirs."""
    if not stand_ins_s:
        return _s(people_s)
    return f"{_s(people_s)} (+{format_duration(stand_ins_s)} answered for them)"


def tables(results: Results) -> list[tuple[str, Table]]:
    """(heading, (headers, rows)) for each table that has something to show."""
    out: list[tuple[str, Table]] = []
    if results.response and (results.alerts or any(r.time_to_detect_s for r in results.response)):
        out.append(
            (
                "Response by phase",
                (
                    (
                        "phase",
                        "on duty",
                        "responded",
                        "severity",
                        "detect",
                        "alert",
                        "acknowledge",
                        "handling",
                        "waiting for people",
                    ),  # fmt: skip
                    [
                        (
                            r.phase if r.attempt == 1 else f"{r.attempt}: {r.phase}",
                            r.on_duty,
                            _responded(r),
                            r.severity or "—",
                            _s(r.time_to_detect_s),
                            _s(r.time_to_alert_s),
                            _acknowledged(r),
                            _s(r.handling_s),
                            _waited(r.waiting_for_people_s, r.waiting_for_stand_ins_s),
                        )
                        for r in results.response
                    ],
                ),
            )
        )
    if results.responders:
        out.append(
            (
                "Response by person",
                (
                    (
                        "person",
                        "phases",
                        "acknowledged",
                        "mean time to acknowledge",
                        "handling",
                        "kept waiting",
                        "escalated past",
                        "answered for them (not by them)",
                    ),  # fmt: skip
                    [
                        (
                            p.person,
                            ", ".join(p.phases) or "—",
                            str(p.acknowledged),
                            _s(p.mean_time_to_acknowledge_s),
                            _s(p.handling_s),
                            _s(p.waited_for_s),
                            str(p.escalated_past),
                            str(p.answered_for_them),
                        )
                        for p in results.responders
                    ],
                ),
            )
        )
    if results.alerts:
        out.append(
            (
                "Alerts",
                (
                    ("alert", "monitor", "severity", "phase", "fired", "delivered", "resolved"),
                    [
                        (
                            a.label,
                            a.monitor,
                            a.severity,
                            a.phase or "—",
                            _offset(a.fired_at, results),
                            "; ".join(
                                f"{d.channel}: {'yes' if d.delivered else 'NO'} ({d.detail})"
                                for d in a.deliveries
                            )
                            or "NO (no notify channel)",
                            _offset(a.resolved_at, results),
                        )
                        for a in results.alerts
                    ],
                ),
            )
        )
    if results.escalation:
        labels = {a.id: a.label for a in results.alerts}
        out.append(
            (
                "Escalation",
                (
                    (
                        "alert",
                        "tier",
                        "person",
                        "asked",
                        "acknowledged after",
                        "ended after",
                        "outcome",
                    ),  # fmt: skip
                    [
                        (
                            labels.get(s.alert, s.alert),
                            str(s.tier),
                            s.person,
                            _offset(s.asked_at, results),
                            _s((s.acknowledged_at - s.asked_at).total_seconds())
                            if s.acknowledged_at
                            else "—",
                            _s((s.ended_at - s.asked_at).total_seconds()) if s.ended_at else "—",
                            s.outcome,
                        )
                        for s in results.escalation
                    ],
                ),
            )
        )
    return out
