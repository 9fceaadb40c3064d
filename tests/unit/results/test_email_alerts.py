"""Alerts by e-mail in a run (fake shop, real SMTP server on loopback): the monitor's mail
and the escalation tier's mail are delivered and journaled; a refusing server and a closed
port are undelivered, the alert "reached no one", and the run carries on to its end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.alerts import Monitor, Notify
from rehearsal.models.escalation import OnCall
from rehearsal.results.derive import derive_results
from rehearsal.runs.session import people_fields, write_results
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.people import Answer, AnswersFile
from rehearsal.scenarios.planning import load_plan
from rehearsal.secrets.redaction import redactor_for
from tests.conftest import EXAMPLES
from tests.fakes import FakeShop, ShopProbe, start_run
from tests.smtp_server import PASSWORD, USER, free_port, smtp_server

DRILL = EXAMPLES / "webshop" / "drill-app-node-loss.yaml"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _email(port: int, to: str, **extra: Any) -> Notify:
    return Notify.model_validate(
        {"email": {"host": "127.0.0.1", "port": port, "security": "none",
                   "from": "alerts@acme.example", "to": to, **extra}}
    )  # fmt: skip


def _login(notify: Notify) -> Notify:
    assert notify.email is not None
    return notify.model_copy(update={"email": notify.email.with_password(PASSWORD)})


def _run(tmp_path: Path, notify: list[Notify], tier_2: list[Notify]) -> list[dict[str, Any]]:
    plan = load_plan(DRILL)
    monitor = Monitor(name="checkout-down", probe="shop-http", severity="critical", notify=notify)
    on_call = OnCall.model_validate(
        {
            "people": [{"name": "Kim Minji"}, {"name": "Lee Jun"}],
            "escalation": [
                {"person": "Kim Minji", "within": "1s"},
                {"person": "Lee Jun", "within": "20s"},
            ],
        }
    )
    tiers = [on_call.escalation[0], on_call.escalation[1].model_copy(update={"notify": tier_2})]
    profile = plan.profile.model_copy(
        update={"monitors": [monitor], "on_call": on_call.model_copy(update={"escalation": tiers})}
    )
    journal = Journal(tmp_path, redactor_for(profile) or None)
    start_run(journal, plan.scenario, **people_fields(profile))
    shop = FakeShop()
    probes = {"shop-http": (ShopProbe(shop), 0.05), "standby-http": (ShopProbe(shop), 0.05)}
    answers = AnswersFile({"ack.checkout-down.2": Answer(after=0.3)})
    Engine(
        plan.scenario, profile, shop, journal, probes=probes, answerer=answers, run_dir=tmp_path
    ).run()
    journal.record("run.finished", outcome="completed", error=None)
    journal.close()
    return read_journal(tmp_path)


def test_the_monitor_and_the_tier_asked_are_mailed_and_it_is_journaled(tmp_path: Path) -> None:
    with smtp_server(login=True) as server:
        monitor_mail = _login(_email(server.port, "oncall@acme.example", user=USER,
                                     password_secret="smtp_password"))  # fmt: skip
        tier_mail = _login(
            _email(server.port, "lee.jun@acme.example", user=USER, password_secret="smtp_password",
                   subject="Tier {{ tier }}: {{ person }}, please take {{ alert }}")
        )  # fmt: skip
        events = _run(tmp_path, [monitor_mail], [tier_mail])

    delivered = [e for e in events if e["event"] == "alert.delivered"]
    assert sorted(e["target"] for e in delivered) == [
        f"lee.jun@acme.example via 127.0.0.1:{server.port}",
        f"oncall@acme.example via 127.0.0.1:{server.port}",
    ]
    assert {(e["channel"], e["alert"]) for e in delivered} == {("email", "AL1")}
    subjects = sorted(str(m["Subject"]) for m in server.messages())
    assert subjects == [
        "Tier 2: Lee Jun, please take AL1",
        "[critical] checkout-down: shop-http is failing (AL1)",
    ]
    assert sorted(server.recipients) == [["lee.jun@acme.example"], ["oncall@acme.example"]]
    results = write_results(tmp_path)
    assert not any("reached no one" in f.title for f in results.findings)
    for path in tmp_path.iterdir():
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_a_refusing_server_and_a_closed_port_reach_no_one_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    closed = free_port()
    with smtp_server(refuse=True) as refusing:
        events = _run(
            tmp_path,
            [_email(refusing.port, "oncall@acme.example"), _email(closed, "noc@acme.example")],
            [],
        )

    undelivered = {e["target"]: e["detail"] for e in events if e["event"] == "alert.undelivered"}
    assert undelivered == {
        f"oncall@acme.example via 127.0.0.1:{refusing.port}": f"127.0.0.1:{refusing.port} "
        "refused the mail (550 5.7.1 relaying denied); see the server's log for why",
        f"noc@acme.example via 127.0.0.1:{closed}": f"127.0.0.1:{closed} refused the "
        "connection; check host: and port: (nothing listens there)",
    }
    kinds = [e["event"] for e in events]
    assert "runbook.finished" in kinds and kinds[-1] == "run.finished"
    results = derive_results(events)
    assert [s.status for s in results.phases[0].steps][-1] == "passed", "recovered as usual"
    [reached] = [f for f in results.findings if "reached no one" in f.title]
    assert reached.title == "Alert AL1 from monitor checkout-down reached no one"
    assert reached.severity == "high" and "550 5.7.1 relaying denied" in reached.detail
