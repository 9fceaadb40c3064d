"""A webhook URL carries its service's token: a run shows which hook it was (scheme and
host) and writes the token nowhere, while the webhook itself gets its whole URL."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.alerts import Monitor, Notify
from rehearsal.models.urls import shown_url
from rehearsal.runs.session import people_fields, write_results
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.notify import ALERTS_LOG, deliver
from rehearsal.scenarios.planning import load_plan
from rehearsal.secrets.redaction import MASK, Redactor, redactor_of, scrub_folder
from tests.conftest import EXAMPLES
from tests.drill_journal import write_drill_journal
from tests.fakes import FakeShop, ShopProbe, start_run

TOKEN = "wh-tok-5e81c0d7a2f94b36"
KEY = "wh-key-90b1f2e4c7d3a658"
HOOK = f"http://127.0.0.1:9/services/{TOKEN}?key={KEY}"  # port 9: nobody listens
SHOWN = "http://127.0.0.1:9/…redacted…"
DRILL = EXAMPLES / "webshop" / "drill-app-node-loss.yaml"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.example.com/services/T0/B0/XyZ", "https://hooks.example.com/…redacted…"),
        ("https://bot:pa55@hooks.example.com/", "https://hooks.example.com/…redacted…"),
        ("https://hooks.example.com:8443/?token=abc", "https://hooks.example.com:8443/…redacted…"),
        ("https://hooks.example.com/#abc", "https://hooks.example.com/…redacted…"),
        ("https://hooks.example.com/", "https://hooks.example.com/"),
        ("http://[::1]:8080/hook", "http://[::1]:8080/…redacted…"),
    ],
)
def test_a_webhook_is_shown_by_scheme_and_host_and_the_rest_is_masked(url: str, shown: str) -> None:
    assert shown_url(url) == shown
    assert Notify(webhook=url).target == shown


def test_the_redactor_shows_the_url_and_masks_its_token_wherever_it_appears_alone() -> None:
    redact = Redactor(["hunter2-pw"], [HOOK])
    said = f"POST {HOOK} failed; sent /services/{TOKEN}?key={KEY}, key {KEY}, pw hunter2-pw"
    assert redact.text(said) == f"POST {SHOWN} failed; sent {MASK}, key {MASK}, pw {MASK}"
    # Short path words are no token: they are masked only as part of the URL.
    assert redact.text("services are up") == "services are up"
    assert redact.data(b"\xff " + HOOK.encode()) == b"\xff " + SHOWN.encode()


def test_scrubbing_a_folder_replaces_the_webhook_in_every_file(tmp_path: Path) -> None:
    (tmp_path / "vars.json").write_text(f'{{"hook": "{HOOK}"}}')
    scrub_folder(tmp_path, Redactor([], [HOOK]))
    assert (tmp_path / "vars.json").read_text() == f'{{"hook": "{SHOWN}"}}'


def test_delivery_reports_a_failed_webhook_without_its_token_and_logs_no_secret(
    tmp_path: Path,
) -> None:
    failed = deliver(Notify(webhook=HOOK), {"monitor": "m"}, tmp_path)
    assert not failed.delivered
    assert failed.detail.startswith(f"cannot reach {SHOWN}: ")
    assert TOKEN not in failed.detail and KEY not in failed.detail
    logged = deliver(
        Notify(log="ALERT {monitor}: {detail}"),
        {"monitor": "m", "detail": "dsn=shop:hunter2-pw@db1"},
        tmp_path,
        Redactor(["hunter2-pw"]).text,
    )
    assert logged.delivered
    assert (tmp_path / ALERTS_LOG).read_text().endswith(f"ALERT m: dsn=shop:{MASK}@db1\n")


def test_a_webhook_token_reaches_no_file_of_a_run(tmp_path: Path) -> None:
    """The webshop drill on the fake shop, its monitor posting to a webhook nobody answers
    (the outage lasts a second, so the monitor sees it): the journal, results and every
    report name the hook by host, and hold no token."""
    plan = load_plan(DRILL)
    monitor = Monitor(name="checkout-down", probe="shop-http", notify=[Notify(webhook=HOOK)])
    profile = plan.profile.model_copy(update={"monitors": [monitor]})
    steps = yaml.safe_load(
        """
        - fault: {type: container.stop, target: app1}
        - wait: {until: {probe: shop-http, status: failing}, timeout: 30s}
        - wait: {for: 1s}
        - runbook: app-failover-to-standby
        - wait: {until: {probe: shop-http, status: passing}, timeout: 30s}
        """
    )
    phase = plan.scenario.phases[0].model_dump(by_alias=True, exclude_defaults=True)
    document = plan.scenario.model_dump(by_alias=True, exclude_defaults=True)
    document["phases"] = [{**phase, "steps": steps}]
    scenario = Scenario.model_validate(document)
    run_dir = tmp_path / "reports" / "run-1"
    # No redactor given: the journal is clean from where the URL enters it, not only after.
    with Journal(run_dir) as journal:
        start_run(journal, scenario, **people_fields(profile))
        shop = FakeShop()
        probes = {"shop-http": (ShopProbe(shop), 0.05), "standby-http": (ShopProbe(shop), 0.05)}
        Engine(scenario, profile, shop, journal, probes=probes, run_dir=run_dir).run()
        journal.record("run.finished", outcome="completed", error=None)
    results = write_results(run_dir)

    [alert] = results.alerts
    [delivery] = alert.deliveries
    assert (delivery.channel, delivery.target, delivery.delivered) == ("webhook", SHOWN, False)
    assert f"webhook: NO (cannot reach {SHOWN}: " in (run_dir / "report.md").read_text()
    started = next(e for e in read_journal(run_dir) if e["event"] == "run.started")
    assert started["monitors"][0]["notify"] == [
        {"webhook": SHOWN, "log": None, "prefect": False, "email": None}
    ]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"journal.jsonl", "results.json", "report.md", "report.html"} <= {p.name for p in files}
    leaked = [p.name for p in files if any(s.encode() in p.read_bytes() for s in (TOKEN, KEY))]
    assert not leaked, leaked


def test_reports_of_a_journal_that_holds_the_whole_url_show_it_masked(tmp_path: Path) -> None:
    """A journal written before webhooks were masked: the reports rebuilt from it mask the
    URL the profile names."""
    profile = yaml.safe_load((EXAMPLES / "webshop" / "profile.yaml").read_text())
    profile["monitors"] = [{"name": "m", "probe": "shop-http", "notify": [{"webhook": HOOK}]}]
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump(profile))
    run_dir = write_drill_journal(
        tmp_path / "reports" / "old", profile=tmp_path / "profile.yaml", log_line=f"POST {HOOK}"
    )
    write_results(run_dir)
    for name in ("results.json", "report.html", "report.md", "notice.md", "junit.xml"):
        text = (run_dir / name).read_text()
        assert TOKEN not in text and KEY not in text, name


def test_an_escalation_tiers_webhook_is_masked_like_a_monitors() -> None:
    hook = "https://pager.acme.example/hooks/T0kenT0kenT0ken123456"
    profile = {
        "monitors": [],
        "on_call": {"people": [{"name": "o"}], "escalation": [
            {"person": "o", "within": "1m", "notify": [{"webhook": hook}]}
        ]},
    }  # fmt: skip
    masked = redactor_of(profile).text(f"posted to {hook}")
    assert masked == "posted to https://pager.acme.example/…redacted…"
