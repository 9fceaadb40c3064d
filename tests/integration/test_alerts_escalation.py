"""A small drill on real containers: a port is blocked, the monitor fires, the alert is
POSTed to a webhook receiver this test starts on loopback, tier 1 does not answer in time,
tier 2 acknowledges, and the reports show the chain and the figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rehearsal.envs.docker import DockerEnvironment
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.calendar import Calendar
from rehearsal.models.profile import Profile
from rehearsal.models.scenario import WeekdayAt
from rehearsal.runs.session import people_fields, write_results
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.people import Answer, AnswersFile
from tests.fakes import start_run
from tests.integration.conftest import HTTP_PORT
from tests.integration.webhooks import receiving
from tests.smtp_server import free_port, smtp_server

pytestmark = pytest.mark.docker


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[Any]]]:
    """A webhook receiver on 127.0.0.1: its URL, and every JSON body POSTed to it."""
    with receiving() as found:
        yield f"http://127.0.0.1:{found.port}/alerts", found.bodies


def _profile(webhook: str, notify: list[dict[str, Any]] | None = None) -> Profile:
    return Profile.model_validate(
        {
            "customer": {"name": "Test"},
            "business": {"targets": {"rto": "1m"}},
            "nodes": [
                {"name": "n1", "role": "web", "networks": ["front"]},
                {"name": "n2", "role": "web", "networks": ["front", "back"]},
                {"name": "n3", "role": "store", "networks": ["back"]},
            ],
            "networks": [{"name": "front"}, {"name": "back", "internal": True}],
            "probes": [
                {"name": "n1-http", "tcp": {"host": "n1", "port": HTTP_PORT}, "interval": 0.2}
            ],
            "monitors": [
                {
                    "name": "n1-down",
                    "probe": "n1-http",
                    "after": "500ms",
                    "severity": "critical",
                    "notify": notify
                    or [{"webhook": webhook}, {"webhook": "http://127.0.0.1:9/closed"}],
                }
            ],
            "on_call": {
                "people": [{"name": "o"}, {"name": "t2"}],
                "escalation": [{"person": "o", "within": "1s"}, {"person": "t2", "within": "1m"}],
                "targets": {"critical": {"first_response": "1m"}},
            },
        }
    )


SCENARIO = Scenario.model_validate(
    {
        "kind": "rehearsal",
        "profile": "-",
        "team": {"operators": [{"name": "o"}], "analysts": [{"name": "a"}]},
        "steady_state": ["n1-http"],
        "steady_state_timeout": 10,
        "phases": [
            {
                "name": "n1 unreachable",
                "operator": "o",
                "analyst": "a",
                "steps": [
                    {
                        "fault": {
                            "type": "network.port-block",
                            "target": "n1",
                            "port": HTTP_PORT,
                            "duration": "4s",
                        }
                    },
                    {"wait": {"until": {"probe": "n1-http", "status": "failing"}, "timeout": "5s"}},
                    {
                        "wait": {
                            "until": {"probe": "n1-http", "status": "passing"},
                            "timeout": "20s",
                        }
                    },
                ],
            }
        ],
    }
)


def test_alert_reaches_the_webhook_and_escalates_to_tier_2(
    nodes: DockerEnvironment, tmp_path: Path, receiver: tuple[str, list[Any]]
) -> None:
    url, received = receiver
    profile = _profile(url)
    with Journal(tmp_path) as journal:
        start_run(journal, SCENARIO, measured_probe="n1-http", **people_fields(profile))
        answers = AnswersFile({"ack.n1-down.2": Answer(after=0.3, notes="on it")})
        Engine(SCENARIO, profile, nodes, journal, answerer=answers, run_dir=tmp_path).run()
        journal.record("run.finished", outcome="completed", error=None)
    results = write_results(tmp_path)

    [posted] = received
    assert posted["monitor"] == "n1-down" and posted["severity"] == "critical"
    [alert] = results.alerts
    delivered = {d.target: d.delivered for d in alert.deliveries}
    # Shown by host: the path of a webhook URL is where services put their token.
    shown = url.removesuffix("/alerts") + "/…redacted…"
    assert delivered == {shown: True, "http://127.0.0.1:9/…redacted…": False}
    assert alert.resolved_at is not None
    chain = [(s.tier, s.person, s.outcome) for s in results.escalation]
    assert chain == [(1, "o", "escalated"), (2, "t2", "acknowledged (scripted), then resolved")]
    [response] = results.response
    assert (response.responder, response.time_to_acknowledge_s) == (None, None), "scripted"
    assert response.time_to_detect_s is not None and response.time_to_alert_s is not None
    # times count from when injection began; the alert waits 500 ms of failure after detection
    assert response.time_to_detect_s < response.time_to_alert_s < 3
    assert response.stand_in is not None
    assert (response.stand_in.person, response.stand_in.source) == ("t2", "answers file")
    assert 1.0 <= response.stand_in.after_s < 3
    titles = [f.title for f in results.findings]
    assert "Alert AL1 was not delivered by webhook" in titles
    assert not any("reached no one" in t or "never fired" in t for t in titles)
    report = (tmp_path / "report.md").read_text()
    assert "## Escalation" in report and "| AL1 | 2 | t2 |" in report
    assert "escalated 1 time(s): o → t2" in (tmp_path / "notice.md").read_text()


def test_a_drill_set_at_monday_morning_reports_that_hour(
    nodes: DockerEnvironment, tmp_path: Path, receiver: tuple[str, list[Any]]
) -> None:
    """The same drill with ``at: {weekday: mon, time: "10:30"}`` on a Seoul calendar: the
    journal maps the first phase to the next Monday 10:30 there, and the report says so."""
    url, _ = receiver
    calendar = Calendar.model_validate(
        {
            "timezone": "Asia/Seoul",
            "business_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00",
                                "to": "18:00"}],
        }
    )  # fmt: skip
    profile = _profile(url).model_copy(update={"calendar": calendar})
    scenario = SCENARIO.model_copy(
        update={"at": WeekdayAt.model_validate({"weekday": "mon", "time": "10:30"})}
    )
    with Journal(tmp_path) as journal:
        start_run(journal, scenario, measured_probe="n1-http", **people_fields(profile))
        answers = AnswersFile({"ack.n1-down.2": Answer(after=0.3)})
        Engine(scenario, profile, nodes, journal, answerer=answers, run_dir=tmp_path).run()
        journal.record("run.finished", outcome="completed", error=None)
    results = write_results(tmp_path)

    events = read_journal(tmp_path)
    [clock] = [e for e in events if e["event"] == "run.clock"]
    first_phase = next(e for e in events if e["event"] == "phase.started")
    wall = datetime.fromisoformat(clock["wall_at"])
    assert results.started_at <= wall <= datetime.fromisoformat(first_phase["at"])
    seoul = ZoneInfo("Asia/Seoul")
    customer = datetime.fromisoformat(clock["customer_at"]).astimezone(seoul)
    assert (f"{customer:%a %H:%M}", clock["timezone"], clock["speed"]) == (
        "Mon 10:30",
        "Asia/Seoul",
        1.0,
    )
    assert timedelta(0) <= customer - wall < timedelta(days=7), "the next Monday 10:30"
    assert results.calendar is not None and results.calendar.business_hours
    line = (
        f"Rehearsed as at {customer:%a %Y-%m-%d %H:%M} KST "
        f"(run on {results.started_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
    )
    assert line in (tmp_path / "report.md").read_text()
    assert line in (tmp_path / "report.html").read_text()


def test_the_alert_is_mailed_and_a_closed_mail_port_is_a_finding_not_a_crash(
    nodes: DockerEnvironment, tmp_path: Path
) -> None:
    """The same drill with two email: channels: one to an SMTP server on loopback, one to a
    port nobody listens on. The mail arrives and parses; the other is one journaled line."""
    closed = free_port()

    def email(port: int, to: str) -> dict[str, Any]:
        mail = {"host": "127.0.0.1", "port": port, "security": "none", "to": to}
        return {"email": mail | {"from": "alerts@test.example"}}

    with smtp_server() as server:
        notify = [email(server.port, "oncall@test.example"), email(closed, "noc@test.example")]
        profile = _profile("http://unused.example/", notify)
        with Journal(tmp_path) as journal:
            start_run(journal, SCENARIO, measured_probe="n1-http", **people_fields(profile))
            answers = AnswersFile({"ack.n1-down.2": Answer(after=0.3)})
            Engine(SCENARIO, profile, nodes, journal, answerer=answers, run_dir=tmp_path).run()
            journal.record("run.finished", outcome="completed", error=None)
    results = write_results(tmp_path)

    [mail] = server.messages()
    assert mail["Subject"] == "[critical] n1-down: n1-http is failing (AL1)"
    assert "probe n1-http is failing" in mail.get_content()
    [alert] = results.alerts
    delivered = {d.target: (d.delivered, d.detail) for d in alert.deliveries}
    assert delivered == {
        f"oncall@test.example via 127.0.0.1:{server.port}": (
            True, f"accepted by 127.0.0.1:{server.port} for 1 recipient(s)"
        ),
        f"noc@test.example via 127.0.0.1:{closed}": (
            False, f"127.0.0.1:{closed} refused the connection; check host: and port: "
            "(nothing listens there)"
        ),
    }  # fmt: skip
    titles = [f.title for f in results.findings]
    assert "Alert AL1 was not delivered by email" in titles
    assert not any("reached no one" in t for t in titles)
    assert [p.status for p in results.phases] == ["passed"], "the run went on to the end"
