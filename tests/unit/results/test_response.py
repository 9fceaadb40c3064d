"""Alerts, acknowledgements and escalation against a fake shop, with scripted answer delays:
the response figures are exactly the differences of the journal's timestamps, and a figure
is a person's only when a person gave the answer."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.alerts import Monitor, Notify
from rehearsal.models.durations import format_duration
from rehearsal.models.escalation import OnCall
from rehearsal.report import render_reports
from rehearsal.report.compare import compare
from rehearsal.report.trend import point_of
from rehearsal.report.wording import load_wording
from rehearsal.results.derive import derive_results
from rehearsal.runs.session import people_fields
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.people import Answer, Answerer, AnswersFile, Question, Reply
from rehearsal.scenarios.planning import load_plan
from tests.conftest import EXAMPLES
from tests.fakes import FakeShop, ShopProbe, start_run

Event = dict[str, Any]

DRILL = EXAMPLES / "webshop" / "drill-app-node-loss.yaml"


def _on_call(tier_1_within: str) -> OnCall:
    return OnCall.model_validate(
        {
            "people": [{"name": "Kim Minji"}, {"name": "Lee Jun"}, {"name": "J. Park"}],
            "escalation": [
                {"person": "Kim Minji", "within": tier_1_within},
                {"person": "Lee Jun", "within": "20s"},
            ],
            "targets": {"critical": {"first_response": "1s", "recovery": "rto"}},
        }
    )


MANUAL_STEP = """
- fault: {type: container.stop, target: app1}
- wait: {until: {probe: shop-http, status: failing}, timeout: 30s}
- action: {say: "Tell the customer", id: tell, timeout: 30s}
- runbook: app-failover-to-standby
- wait: {until: {probe: shop-http, status: passing}, timeout: 30s}
"""
TAKE_THE_ALERT_FIRST = """
- fault: {type: container.stop, target: app1}
- wait: {until: {probe: shop-http, status: failing}, timeout: 30s}
- wait: {until: {alert: checkout-down, status: acknowledged}, timeout: 2s}
- runbook: app-failover-to-standby
- wait: {until: {probe: shop-http, status: passing}, timeout: 30s}
"""


def _scenario(steps_yaml: str = MANUAL_STEP) -> Scenario:
    """Fault, detection, a manual step the operator answers 3 s late, then the runbook."""
    plan = load_plan(DRILL)
    steps = yaml.safe_load(steps_yaml)
    phase = plan.scenario.phases[0].model_dump(by_alias=True, exclude_defaults=True)
    document = plan.scenario.model_dump(by_alias=True, exclude_defaults=True)
    document["phases"] = [{**phase, "steps": steps}]
    return Scenario.model_validate(document)


@dataclass
class AtTheConsole:
    """A person at the console, whose answers (and their delays) the test writes down."""

    answers: dict[str, Answer]

    def ask(self, question: Question, cancelled: threading.Event) -> Reply | None:
        reply = AnswersFile(self.answers).ask(question, cancelled)
        return None if reply is None else Reply(reply.answer, "console")


def _run(
    tmp_path: Path,
    answers: dict[str, Answer],
    notify: list[Notify],
    tier_1_within: str,
    steps_yaml: str = MANUAL_STEP,
    answerer: type[AnswersFile] | type[AtTheConsole] = AnswersFile,
) -> list[dict[str, Any]]:
    plan = load_plan(DRILL)
    monitor = Monitor(name="checkout-down", probe="shop-http", severity="critical", notify=notify)
    profile = plan.profile.model_copy(
        update={"monitors": [monitor], "on_call": _on_call(tier_1_within)}
    )
    scenario = _scenario(steps_yaml)
    journal = Journal(tmp_path)
    start_run(journal, scenario, **people_fields(profile))
    shop = FakeShop()
    probes = {"shop-http": (ShopProbe(shop), 0.05), "standby-http": (ShopProbe(shop), 0.05)}
    Engine(
        scenario, profile, shop, journal, probes=probes, answerer=_answerer(answerer, answers),
        run_dir=tmp_path,
    ).run()  # fmt: skip
    journal.record("run.finished", outcome="completed", error=None)
    journal.close()
    return read_journal(tmp_path)


def _answerer(kind: type[AnswersFile] | type[AtTheConsole], answers: dict[str, Answer]) -> Answerer:
    return kind(answers)


def _at(events: list[dict[str, Any]], kind: str, **match: Any) -> datetime:
    event = next(
        e for e in events if e["event"] == kind and all(e.get(k) == v for k, v in match.items())
    )
    return datetime.fromisoformat(event["at"])


def test_acknowledgement_time_is_the_persons_delay_to_the_second(tmp_path: Path) -> None:
    answers = {
        "ack.checkout-down.1": Answer(after=0.5),
        "tell": Answer(after=3.0),
    }
    notify = [Notify(log="ALERT {monitor} on {probe}")]
    events = _run(tmp_path, answers, notify, "20s", answerer=AtTheConsole)
    results = derive_results(events)

    (response,) = results.response
    fired, acked = _at(events, "alert.fired"), _at(events, "person.acknowledged")
    assert response.time_to_acknowledge_s == round((acked - fired).total_seconds(), 3)
    assert 0.4 <= response.time_to_acknowledge_s <= 1.4
    assert response.responder == "Kim Minji"
    assert response.time_to_alert_s is not None and response.time_to_alert_s < 1.0
    assert response.handling_s is not None and response.handling_s >= 2.0
    assert response.waiting_for_people_s >= 3.0
    (alert,) = results.alerts
    assert alert.delivered and alert.deliveries[0].channel == "log"
    assert "ALERT checkout-down on shop-http" in (tmp_path / "alerts.log").read_text()
    assert [s.outcome for s in results.escalation] == ["acknowledged, then resolved"]
    (kim,) = [p for p in results.responders if p.person == "Kim Minji"]
    assert (kim.acknowledged, kim.answered_for_them) == (1, 0)
    assert kim.mean_time_to_acknowledge_s == response.time_to_acknowledge_s
    acknowledged = next(e for e in events if e["event"] == "person.acknowledged")
    assert acknowledged["source"] == "console"


def test_a_scripted_acknowledgement_is_shown_as_scripted_not_as_the_persons(
    tmp_path: Path,
) -> None:
    answers = {"ack.checkout-down.1": Answer(after=0.5), "tell": Answer(after=3.0)}
    events = _run(tmp_path, answers, [Notify(log="x")], "20s")
    results = derive_results(events)

    for kind in ("question.answered", "person.acknowledged"):
        assert {e["source"] for e in events if e["event"] == kind} == {"answers file"}
    (response,) = results.response
    assert (response.responder, response.time_to_acknowledge_s, response.handling_s) == (
        None,
        None,
        None,
    ), "nobody answered: no person's figure"
    fired, acked = _at(events, "alert.fired"), _at(events, "person.acknowledged")
    assert response.stand_in is not None
    assert (response.stand_in.person, response.stand_in.source) == ("Kim Minji", "answers file")
    assert response.stand_in.after_s == round((acked - fired).total_seconds(), 3)
    assert [s.outcome for s in results.escalation] == ["acknowledged (scripted), then resolved"]
    (kim,) = [p for p in results.responders if p.person == "Kim Minji"]
    assert (kim.acknowledged, kim.answered_for_them, kim.mean_time_to_acknowledge_s) == (
        0,
        1,
        None,
    )
    tell = next(q for q in results.questions if q.id == "tell")
    assert tell.source == "answers file"
    assert results.phases[0].steps[2].done_by == "answers file (scripted), for Kim Minji"
    scripted = round(sum(e["waited_s"] for e in events if e["event"] == "question.answered"), 3)
    assert scripted >= 3.0, "the answers file held the run for the tell step's 3 s"
    assert (kim.waited_for_s, response.waiting_for_people_s) == (None, None), "not Kim's wait"
    assert (response.waiting_for_stand_ins_s, results.waiting_for_stand_ins_s) == (
        scripted,
        scripted,
    )
    assert results.waiting_for_people_s is None

    render_reports(results, events, tmp_path / "en", load_wording("en"))
    notice = (tmp_path / "en" / "notice.md").read_text()
    took = format_duration(response.stand_in.after_s)
    assert (
        f"The answers file answered for Kim Minji {took} after the alert "
        "(scripted, not a person's response)." in notice
    )
    assert "first responded" not in notice and "took it on" not in notice
    report = (tmp_path / "en" / "report.md").read_text()
    assert "| answers file for Kim Minji (scripted) | critical |" in report
    assert f"| {took} (scripted) |" in report
    assert f"| — (+{format_duration(scripted)} answered for them) |" in report


def test_the_runbook_waits_for_the_operator_to_take_the_alert(tmp_path: Path) -> None:
    answers = {"ack.checkout-down.1": Answer(after=0.5)}
    events = _run(
        tmp_path, answers, [Notify(log="x")], "20s", TAKE_THE_ALERT_FIRST, answerer=AtTheConsole
    )
    results = derive_results(events)

    acked = _at(events, "person.acknowledged")
    assert _at(events, "runbook.started") >= acked
    (response,) = results.response
    assert response.responder == "Kim Minji"
    assert response.time_to_acknowledge_s is not None
    assert 0.4 <= response.time_to_acknowledge_s < 1.0, "within the 1 s first-response target"
    assert response.handling_s is not None and response.handling_s > 0
    assert not [f for f in results.findings if f.id.startswith("P")]
    waited = results.phases[0].steps[2]
    assert (waited.status, waited.done_by) == ("passed", "tool")


def test_nobody_taking_the_alert_fails_the_wait_and_is_a_finding(tmp_path: Path) -> None:
    events = _run(tmp_path, {}, [Notify(log="x")], "20s", TAKE_THE_ALERT_FIRST)
    results = derive_results(events)

    waited = results.phases[0].steps[2]
    assert waited.status == "failed"
    assert waited.detail.startswith("nobody acknowledged the checkout-down alert within 2")
    (response,) = results.response
    assert (response.responder, response.time_to_acknowledge_s) == (None, None)
    titles = [(f.severity, f.title) for f in results.findings if f.id.startswith("P")]
    assert ("critical", "Nobody acknowledged alert AL1 (critical)") in titles
    assert results.status == "failed"
    [kim] = [p for p in results.responders if p.person == "Kim Minji"]
    assert kim.waited_for_s is not None and kim.waited_for_s >= 2.0, "asked until recovery"


def test_no_answer_escalates_to_the_next_tier_who_acknowledges(tmp_path: Path) -> None:
    answers = {"ack.checkout-down.2": Answer(after=0.5), "tell": Answer(after=3.0)}
    events = _run(tmp_path, answers, [Notify(webhook="http://127.0.0.1:9/nobody")], "1s")
    results = derive_results(events)

    chain = [(s.tier, s.person, s.outcome) for s in results.escalation]
    assert chain == [
        (1, "Kim Minji", "escalated"),
        (2, "Lee Jun", "acknowledged (scripted), then resolved"),
    ]
    escalated = _at(events, "escalation.escalated")
    asked = _at(events, "question.asked", id="ack.checkout-down.1")
    assert 0.9 <= (escalated - asked).total_seconds() <= 1.5
    (alert,) = results.alerts
    assert not alert.delivered, "nothing listens on port 9"
    titles = [f.title for f in results.findings]
    assert "Alert AL1 from monitor checkout-down reached no one" in titles
    assert "Alert AL1 escalated past tier 1 (Kim Minji)" in titles
    assert not any(t.startswith("First response by") for t in titles), "no person answered"
    assert any(
        t.startswith("The answers file answered for Lee Jun") and t.endswith("(scripted)")
        for t in titles
    ), titles
    assert results.status == "failed"


def test_reports_show_the_chain_and_the_notice_tells_the_customer(tmp_path: Path) -> None:
    answers = {"ack.checkout-down.2": Answer(after=0.5), "tell": Answer(after=2.5)}
    events = _run(tmp_path, answers, [Notify(webhook="http://127.0.0.1:9/nobody")], "1s")
    results = derive_results(events)

    render_reports(results, events, tmp_path / "en", load_wording("en"))
    report = (tmp_path / "en" / "report.md").read_text()
    assert "## Response by phase" in report and "## Response by person" in report
    assert "| AL1 | 2 | Lee Jun |" in report
    assert "webhook: NO (cannot reach http://127.0.0.1:9/…redacted…" in report
    notice = (tmp_path / "en" / "notice.md").read_text()
    assert notice.startswith("Subject: ")
    assert "The alert was escalated 1 time(s): Kim Minji → Lee Jun." in notice
    assert "Alert AL1 from monitor checkout-down reached no one" in notice
    assert "Escalation" in (tmp_path / "en" / "report.html").read_text()

    render_reports(results, events, tmp_path / "ja", load_wording("ja"))
    notice_ja = (tmp_path / "ja" / "notice.md").read_text()
    assert notice_ja.startswith("件名: ")
    assert "エスカレーションされました: Kim Minji → Lee Jun" in notice_ja


def test_compare_shows_the_response_trend_by_phase_and_person(tmp_path: Path) -> None:
    answers = {"ack.checkout-down.1": Answer(after=0.5), "tell": Answer(after=0.5)}
    first = derive_results(_run(tmp_path, answers, [Notify(log="x")], "20s", answerer=AtTheConsole))
    (slow,) = first.response
    assert slow.time_to_acknowledge_s is not None
    faster = slow.model_copy(update={"time_to_acknowledge_s": slow.time_to_acknowledge_s - 0.25})
    later = first.model_copy(
        update={
            "run_id": "r-2",
            "started_at": first.started_at + timedelta(days=1),
            "response": [faster],
        }
    )
    table = compare([point_of(later), point_of(first)])

    row = next(r for r in table.rows if r.measure == f"acknowledge: {slow.phase}")
    assert row.change == "−250 ms"
    assert any(r.measure == "acknowledge (mean): Kim Minji" for r in table.rows)


def _nobody_answers_journal(
    *, asked: bool, answered_at: float | None = None, source: str | None = "console"
) -> list[Event]:
    """The demo's shape: the tool starts the runbook by itself 2 s before the monitor fires;
    the service comes back from the runbook at 9 s; the tool reverts the fault at 10 s."""

    def at(second: float) -> str:
        return (datetime(2026, 11, 26, 3, 0) + timedelta(seconds=second)).isoformat() + "+00:00"

    phase = {"phase": "p", "operator": "Kim Minji", "analyst": "Sato Ren"}
    on_call = {
        "people": [],
        "targets": {"critical": {"first_response": 60.0, "recovery": "rto", "hours": "24x7"}},
    }
    events: list[Event] = [
        {"at": at(0), "event": "run.started", "run_id": "r", "kind": "rehearsal", "title": "t",
         "customer": "c", "profile": "p", "scenario": "s", "team": {}, "rto_s": 300.0,
         "measured_probe": "shop-http", "on_call": on_call},
        {"at": at(1), "event": "phase.started", **phase},
        {"at": at(2), "event": "fault.injecting", "fault": "F1", "type": "t", "targets": [],
         "phase": "p"},
        {"at": at(2.5), "event": "fault.injected", "fault": "F1"},
        {"at": at(3), "event": "probe.sample", "probe": "shop-http", "ok": False},
        {"at": at(4), "event": "step.started", "phase": "p", "index": 0, "type": "runbook",
         "label": "runbook r"},
        {"at": at(4), "event": "runbook.started", "phase": "p", "runbook": "r",
         "operator": "Kim Minji", "steps": 1},
        {"at": at(4), "event": "runbook.step.started", "index": 0, "say": "look"},
        {"at": at(6), "event": "alert.fired", "alert": "AL1", "monitor": "m",
         "probe": "shop-http", "severity": "critical", "phase": "p"},
        {"at": at(6), "event": "alert.delivered", "alert": "AL1", "channel": "log",
         "target": "x"},
    ]  # fmt: skip
    if asked:
        events.append(
            {
                "at": at(6),
                "event": "question.asked",
                "id": "ack.m.1",
                "kind": "acknowledge",
                "phase": "p",
                "person": "Kim Minji",
                "alert": "AL1",
                "tier": 1,
                "instruction": "Acknowledge",
                "timeout_s": 180.0,
            }  # fmt: skip
        )
    if answered_at is not None:
        given = {} if source is None else {"source": source}  # None: a journal before sources
        events += [
            {"at": at(answered_at), "event": "question.answered", "id": "ack.m.1", "phase": "p",
             "person": "Kim Minji", "outcome": "done", "waited_s": answered_at - 6, **given},
            {"at": at(answered_at), "event": "person.acknowledged", "alert": "AL1", "tier": 1,
             "person": "Kim Minji", **given},
        ]  # fmt: skip
    events += [
        {"at": at(9), "event": "probe.sample", "probe": "shop-http", "ok": True},
        {"at": at(9), "event": "alert.resolved", "alert": "AL1", "monitor": "m"},
    ]
    if asked and answered_at is None:
        events += [
            {"at": at(9), "event": "question.unanswered", "id": "ack.m.1", "phase": "p",
             "person": "Kim Minji", "outcome": "recovered before an answer", "waited_s": 3.0},
            {"at": at(9), "event": "escalation.resolved", "alert": "AL1", "tier": 1,
             "person": "Kim Minji"},
        ]  # fmt: skip
    events += [
        {"at": at(9.5), "event": "step.finished", "phase": "p", "index": 0, "type": "runbook",
         "status": "passed", "detail": ""},
        {"at": at(10), "event": "fault.reverting", "fault": "F1"},
        {"at": at(11), "event": "fault.reverted", "fault": "F1", "status": "reverted"},
        {"at": at(12), "event": "run.finished", "outcome": "completed"},
    ]  # fmt: skip
    return events


def test_a_runbook_the_tool_started_is_nobodys_response() -> None:
    """The tool's runbook start (before the alert) once counted as Kim's response, clamped to
    0 ms, with 3 s of handling and the run passing; nobody answered, so none of that holds."""
    results = derive_results(_nobody_answers_journal(asked=True))

    [response] = results.response
    assert (response.time_to_detect_s, response.time_to_alert_s) == (1.0, 4.0)
    assert response.time_to_acknowledge_s is None and response.responder is None
    assert response.handling_s is None
    [kim] = results.responders
    assert (kim.acknowledged, kim.mean_time_to_acknowledge_s, kim.handling_s) == (0, None, None)
    [step] = results.escalation
    assert step.outcome == "no answer; the service came back without them"
    [finding] = [f for f in results.findings if f.id.startswith("P")]
    assert finding.title == "Nobody acknowledged alert AL1 (critical)"
    assert finding.severity == "critical"
    assert "tier 1 (Kim Minji) asked at 03:00:06 UTC" in finding.detail
    assert results.status == "failed"
    [runbook] = results.phases[0].steps
    assert runbook.done_by == "tool (automated; assigned to Kim Minji)"


@pytest.mark.parametrize("source", ["console", "prefect ui"])
def test_a_real_acknowledgement_is_the_persons_figure(tmp_path: Path, source: str) -> None:
    results = derive_results(_nobody_answers_journal(asked=True, answered_at=7.5, source=source))

    [response] = results.response
    assert (response.responder, response.time_to_acknowledge_s) == ("Kim Minji", 1.5)
    assert response.handling_s == 1.5, "from her answer at 7.5 s to the probe passing at 9 s"
    assert not [f for f in results.findings if f.id.startswith("P")]
    render_reports(results, [], tmp_path, load_wording("en"))
    notice = (tmp_path / "notice.md").read_text()
    assert "Our team first responded 1.5 s after the alert: Kim Minji took it on." in notice
    assert [s.outcome for s in results.escalation] == ["acknowledged"]


@pytest.mark.parametrize(
    ("source", "said", "marked"),
    [
        (
            "answers file",
            "The answers file answered for Kim Minji 1.5 s after the alert "
            "(scripted, not a person's response).",
            "scripted",
        ),
        (
            "tool",
            "The tool answered for Kim Minji 1.5 s after the alert "
            "(automated, not a person's response).",
            "by the tool",
        ),
        (
            None,
            "An answer for Kim Minji came 1.5 s after the alert; the journal does not say who "
            "gave it, so it is not counted as a person's response.",
            "source unknown",
        ),
    ],
)
def test_an_answer_no_person_gave_is_never_a_persons_figure(
    tmp_path: Path, source: str | None, said: str, marked: str
) -> None:
    """Scripted, the tool's, or from a journal written before answers had a source (read as
    unknown): shown as what it was, kept apart from the people's figures."""
    results = derive_results(_nobody_answers_journal(asked=True, answered_at=7.5, source=source))

    [response] = results.response
    assert (response.responder, response.time_to_acknowledge_s, response.handling_s) == (
        None,
        None,
        None,
    )
    assert response.stand_in is not None
    assert (response.stand_in.source, response.stand_in.after_s) == (source or "unknown", 1.5)
    [alert] = results.alerts
    assert alert.acknowledged_source == (source or "unknown")
    [step] = results.escalation
    assert step.outcome == f"acknowledged ({marked})"
    [kim] = results.responders
    assert (kim.acknowledged, kim.answered_for_them, kim.mean_time_to_acknowledge_s) == (0, 1, None)
    assert not [f for f in results.findings if f.id.startswith("P")], "acknowledged in time"
    render_reports(results, [], tmp_path, load_wording("en"))
    notice = (tmp_path / "notice.md").read_text()
    assert said in notice
    assert "took it on" not in notice and "Nobody acknowledged" not in notice
    report = (tmp_path / "report.md").read_text()
    assert f"| 1.5 s ({marked}) |" in report


def test_reports_print_a_dash_and_the_notice_says_nobody_acknowledged(tmp_path: Path) -> None:
    results = derive_results(_nobody_answers_journal(asked=True))
    render_reports(results, [], tmp_path, load_wording("en"))

    report = (tmp_path / "report.md").read_text()
    assert "| Kim Minji | p | 0 | — | — |" in report
    assert "0 ms" not in report
    assert "| tool (automated; assigned to Kim Minji) |" in report
    assert "## How the figures are measured" in report
    notice = (tmp_path / "notice.md").read_text()
    assert "Nobody acknowledged the alert during the rehearsal, and nobody acted on it" in notice
    assert "responded" not in notice.split("Nobody acknowledged")[0]


def test_recovery_that_came_only_from_the_revert_is_no_ones_handling() -> None:
    events = [
        e
        for e in _nobody_answers_journal(asked=True, answered_at=7.5)
        if not (e["event"] == "probe.sample" and e["ok"])
    ]
    last = next(i for i, e in enumerate(events) if e["event"] == "fault.reverted")
    events.insert(last + 1, {**events[last], "event": "probe.sample", "probe": "shop-http",
                             "ok": True})  # fmt: skip
    [response] = derive_results(events).response
    assert response.time_to_acknowledge_s == 1.5
    assert response.handling_s is None


def test_time_to_detect_is_counted_from_when_injection_began_in_every_table() -> None:
    results = derive_results(_nobody_answers_journal(asked=False))
    [response] = results.response
    assert results.metrics.time_to_detect_s == response.time_to_detect_s == 1.0


def test_nobody_responding_without_an_escalation_is_still_a_finding() -> None:
    results = derive_results(_nobody_answers_journal(asked=False))
    titles = [(f.severity, f.title) for f in results.findings if f.id.startswith("P")]
    assert titles == [("critical", "Nobody responded to alert AL1 (critical)")]


def test_a_tier_still_waiting_when_the_run_ends_says_so() -> None:
    from rehearsal.results.response import escalation

    asked = {"at": "2026-11-26T03:00:00+00:00", "event": "question.asked", "kind": "acknowledge",
             "alert": "AL1", "tier": 1, "person": "Kim Minji"}  # fmt: skip
    stopped = {"at": "2026-11-26T03:00:05+00:00", "event": "escalation.stopped", "alert": "AL1",
               "tier": 1, "person": "Kim Minji"}  # fmt: skip
    [step] = escalation([asked, stopped])
    assert (step.outcome, step.passed_on) == ("run ended", False)
    assert step.ended_at is not None and (step.ended_at - step.asked_at).total_seconds() == 5.0


def test_an_alert_of_a_later_attempt_reads_as_its_id_and_attempt() -> None:
    events = _nobody_answers_journal(asked=True)
    for event in events:
        if event.get("alert") == "AL1":
            event["alert"] = "AL1-a2"
        if event["event"] == "alert.fired":
            event["attempt"] = 2
    results = derive_results(events)

    [alert] = results.alerts
    assert (alert.id, alert.label) == ("AL1-a2", "AL1 of attempt 2")
    titles = [f.title for f in results.findings if f.id.startswith("P")]
    assert titles == ["Nobody acknowledged alert AL1 of attempt 2 (critical)"]


def test_a_failure_first_seen_after_the_revert_is_not_the_faults_outage() -> None:
    """A reproduction's next mirror settling once showed as a 1 min 48 s detection and an
    outage of the attempt before it: the fault was reverted before the probe ever failed."""
    events = [
        e
        for e in _nobody_answers_journal(asked=False)
        if not (e["event"] == "probe.sample" and not e["ok"])
    ]
    finished = next(i for i, e in enumerate(events) if e["event"] == "run.finished")
    settling = (datetime(2026, 11, 26, 3, 0, 11, 500000)).isoformat() + "+00:00"
    events.insert(finished, {"at": settling, "event": "probe.sample", "probe": "shop-http",
                             "ok": False})  # fmt: skip
    results = derive_results(events)
    assert (results.metrics.time_to_detect_s, results.metrics.outage_s) == (None, None)
    [response] = results.response
    assert response.time_to_detect_s is None


def test_a_pass_the_answers_file_answered_for_tells_the_customer_no_person_did(
    tmp_path: Path,
) -> None:
    answers = {"ack.checkout-down.1": Answer(after=0.2), "tell": Answer(after=0.2)}
    results = derive_results(_run(tmp_path, answers, [Notify(log="x")], "20s"))
    assert (results.status, results.findings) == ("passed", [])

    render_reports(results, read_journal(tmp_path), tmp_path / "en", load_wording("en"))
    notice = (tmp_path / "en" / "notice.md").read_text()
    assert "Nothing needs to change: no problems were found." in notice
    assert "No person answered for Kim Minji in this run" in notice
    assert "rehearse it once with them" in notice


def test_a_pass_people_answered_themselves_needs_no_rehearsal_with_them(tmp_path: Path) -> None:
    answers = {"ack.checkout-down.1": Answer(after=0.2), "tell": Answer(after=0.2)}
    events = _run(tmp_path, answers, [Notify(log="x")], "20s", answerer=AtTheConsole)
    results = derive_results(events)
    assert (results.status, results.findings) == ("passed", [])

    render_reports(results, events, tmp_path / "en", load_wording("en"))
    notice = (tmp_path / "en" / "notice.md").read_text()
    assert "Nothing needs to change: no problems were found." in notice
    assert "No person answered" not in notice
