"""notice.md: a short, email-ready message to the customer, written from the findings.

What was tested, what happened, the impact, what will change, the next steps with owners
and dates; plain, honest about bad news, in the report's language. Dates come from the
customer's calendar: the re-run is proposed for the next maintenance window.
"""

from __future__ import annotations

from datetime import datetime

from rehearsal.models.calendar import Calendar
from rehearsal.models.durations import format_duration
from rehearsal.report import response, summary
from rehearsal.report.wording import Wording
from rehearsal.results.activity import held_by_a_person
from rehearsal.results.model import Results
from rehearsal.results.response_model import StandIn


def render_notice(results: Results, w: Wording, calendar: Calendar | None = None) -> str:
    what = w(f"kind.{results.kind}")
    day = f"{results.started_at:%Y-%m-%d}"
    verdict = summary.verdict(results, w)
    lines = [
        w("notice.subject", title=results.title, what=what, date=day),
        "",
        w("notice.greeting", customer=results.customer),
        "",
        w("notice.tested", date=day, what=what, title=results.title),
    ]
    if results.purpose:
        lines.append(w("notice.purpose", purpose=results.purpose.strip()))
    lines += ["", w("notice.happened"), "", f"- **{verdict.headline}.** {verdict.sentence}"]
    lines += [f"- {s}" for s in _people(results, w, what)]
    impact = summary.impact_sentences(results, w) + response.calendar_sentences(
        results, w, to_customer=True
    )
    if impact:
        lines += ["", w("notice.impact"), "", *(f"- {s}" for s in impact)]
        if any(service.downtime_s for service in results.services):
            lines += ["", f"_{w('glossary.unavailable')}_"]
    changes = summary.must_change(results)
    lines += ["", w("notice.changes"), ""]
    if changes:
        lines += [
            f"- {f.title}" + (f": {f.recommendation}" if f.recommendation else "") for f in changes
        ]
    else:
        lines.append(w("notice.no_changes"))
        stood_in_for = _stood_in_for(results)
        if stood_in_for:
            lines.append(w("notice.no_changes_scripted", people=", ".join(stood_in_for)))
    due = _next_window(results, calendar) or w("notice.due_unset")
    steps = summary.next_steps(results, w)
    if steps:
        lines += ["", w("notice.next_steps"), ""]
        for number, step in enumerate(steps, start=1):
            when = due if number == len(steps) else w("notice.due_unset")
            lines.append(
                f"{number}. "
                + w("notice.step_line", action=step.action, owner=step.owner, due=when)
            )
    owner = (results.team.get("owner") or [results.account_manager or ""])[0]
    lines += ["", w("notice.closing"), "", w("notice.signature"), owner]
    return "\n".join(lines).rstrip() + "\n"


def _stood_in_for(results: Results) -> list[str]:
    """Whom an answers file or the tool answered for: a pass they did not live through."""
    names = [q.person for q in results.questions if not held_by_a_person(q.source)]
    names += [r.stand_in.person for r in results.response if r.stand_in]
    return sorted(set(names))


def _people(results: Results, w: Wording, what: str) -> list[str]:
    said = []
    if results.alerts:
        first = next((r for r in results.response if r.time_to_acknowledge_s is not None), None)
        stood_in = next((r.stand_in for r in results.response if r.stand_in), None)
        if stood_in is not None:
            said.append(_stand_in(stood_in, w))
        if first is None and stood_in is None:
            said.append(w("notice.no_response", what=what))
        elif first is not None:
            assert first.time_to_acknowledge_s is not None
            took = format_duration(first.time_to_acknowledge_s)
            said.append(w("notice.response", took=took, person=first.responder))
            asked = {s.alert for s in results.escalation}
            ignored = [a.label for a in results.alerts if a.id in asked and not a.acknowledged_by]
            if ignored:
                said.append(w("notice.unacknowledged", alerts=", ".join(ignored)))
    escalated = [s for s in results.escalation if s.passed_on]
    if escalated:
        chain = " → ".join(s.person for s in results.escalation)
        said.append(w("notice.escalated", count=len(escalated), chain=chain))
    return said


def _stand_in(stood_in: StandIn, w: Wording) -> str:
    """The first answer no person gave, said as what it was: scripted, the tool's, unknown."""
    key = {"answers file": "scripted_response", "tool": "tool_response"}.get(
        stood_in.source, "unknown_response"
    )
    return w(f"notice.{key}", took=format_duration(stood_in.after_s), person=stood_in.person)


def _next_window(results: Results, calendar: Calendar | None) -> str | None:
    if calendar is None:
        return None
    opens: datetime | None = calendar.next_maintenance(results.finished_at or results.started_at)
    return None if opens is None else f"{opens:%Y-%m-%d %H:%M} {calendar.timezone}"
