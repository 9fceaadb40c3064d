"""The go-live readiness page: what was rehearsed per service, the verdict and its rule (a
missing measurement is never a pass), drills that ran or not, skipped folders."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.report.finding_history import read_folder
from rehearsal.report.readiness import DrillSlot, Rule, readiness
from rehearsal.report.readiness_page import (
    readiness_artifact,
    render_readiness_html,
    render_readiness_markdown,
)
from tests.drill_journal import T0
from tests.reports_folder import at, decision, finding, rewrite, write_run

runner = CliRunner()
HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(2)>"
STEP = {"runbook": "app-failover-to-standby", "step": "1"}


def page_of(reports: Path, days_after: float = 3, **options: object) -> object:
    return readiness(read_folder(reports), T0 + timedelta(days=days_after), **options)  # type: ignore[arg-type]


def test_recent_runs_within_the_rto_with_nothing_serious_open_are_a_go(tmp_path: Path) -> None:
    write_run(tmp_path, 1, switch_took_s=40.0)
    write_run(tmp_path, 2, switch_took_s=20.0)
    page = page_of(tmp_path)
    (customer,) = page.customers  # type: ignore[attr-defined]
    assert customer.customer == "Acme Retail" and customer.verdict.state == "go"
    (service,) = customer.services
    (rehearsal,) = service.rehearsals
    assert service.name == "checkout" and rehearsal.fault_types == ["container.stop"]
    assert [p.time_to_recover_s is not None for p in rehearsal.recovery] == [True, True]
    assert customer.open_findings[0].severity == "medium"  # the pool finding: not a blocker


def test_an_open_high_finding_is_a_no_go_naming_it_and_its_owner(tmp_path: Path) -> None:
    write_run(tmp_path, 1, [finding(at(1), "R5", "Runbook step 1 failed", STEP),
                            decision(at(1.2), "R5", owner="Kim Minji")])  # fmt: skip
    verdict = page_of(tmp_path).customers[0].verdict  # type: ignore[attr-defined]
    assert verdict.state == "no-go"
    assert any("Runbook step 1 failed" in r and "owner Kim Minji" in r for r in verdict.reasons)


def test_an_accepted_high_finding_does_not_block(tmp_path: Path) -> None:
    write_run(tmp_path, 1, [finding(at(1), "R5", "Runbook step 1 failed", STEP),
                            decision(at(1.2), "R5", status="accepted")])  # fmt: skip
    assert page_of(tmp_path).customers[0].verdict.state == "go"  # type: ignore[attr-defined]


def test_a_runbook_not_rehearsed_within_the_window_is_a_no_go(tmp_path: Path) -> None:
    write_run(tmp_path, 1)
    verdict = page_of(tmp_path, days_after=45).customers[0].verdict  # type: ignore[attr-defined]
    assert verdict.state == "no-go"
    assert any(
        "rehearsed 44 days ago (2026-11-21)" in r and "within 30 days" in r for r in verdict.reasons
    )
    later = page_of(tmp_path, days_after=45, rule=Rule(max_age_days=60))
    assert later.customers[0].verdict.state == "go"  # type: ignore[attr-defined]


def test_a_last_recovery_slower_than_the_rto_is_a_no_go(tmp_path: Path) -> None:
    write_run(tmp_path, 1)
    rewrite(tmp_path, "run-1", time_to_recover_s=412.0, within_rto=False)
    verdict = page_of(tmp_path).customers[0].verdict  # type: ignore[attr-defined]
    assert verdict.state == "no-go"
    assert any("the RTO is 5 min" in r for r in verdict.reasons), verdict.reasons


def test_a_recovery_not_measured_is_no_go_not_measured_never_a_pass(tmp_path: Path) -> None:
    write_run(tmp_path, 1, samples=0)  # no probe sample: nothing measured the outage
    page = page_of(tmp_path)
    verdict = page.customers[0].verdict  # type: ignore[attr-defined]
    assert verdict.state == "no-go: not measured"
    assert any("did not measure the recovery" in r for r in verdict.reasons)
    html = render_readiness_html(page)  # type: ignore[arg-type]
    assert 'class="missing"' in html and "recovery not measured" in html
    assert "0 s</td>" not in html  # the missing figure is a dash, not 0


def test_a_customer_asked_for_without_runs_is_not_measured(tmp_path: Path) -> None:
    write_run(tmp_path, 1)
    page = page_of(tmp_path, customer="Globex")
    (customer,) = page.customers  # type: ignore[attr-defined]
    assert customer.customer == "Globex" and customer.verdict.state == "no-go: not measured"


def test_drills_before_the_cutover_say_whether_they_ran(tmp_path: Path) -> None:
    write_run(tmp_path, 1)
    scenario = "webshop/drill-app-node-loss.yaml"
    slots = [
        DrillSlot("nightly", scenario, T0 + timedelta(days=1)),  # run-1 started then
        DrillSlot("nightly", scenario, T0 + timedelta(days=2)),  # nothing ran
        DrillSlot("nightly", scenario, T0 + timedelta(days=4)),  # after "now"
        DrillSlot("other", "globex/drill.yaml", T0 + timedelta(days=1)),  # not this customer's
    ]
    page = page_of(tmp_path, slots=slots, cutover=date(2026, 12, 1))
    drills = page.customers[0].drills  # type: ignore[attr-defined]
    assert [(d.state, d.run_id) for d in drills] == [
        ("ran", "run-1"),
        ("missed", None),
        ("scheduled", None),
    ]
    markdown = render_readiness_markdown(page)  # type: ignore[arg-type]
    assert "Cutover: 2026-12-01" in markdown and "| nightly |" in markdown


def test_the_page_is_self_contained_states_its_rule_and_escapes_findings(tmp_path: Path) -> None:
    write_run(tmp_path, 1, [finding(at(1), "R5", HOSTILE, STEP)])
    write_run(tmp_path, 2)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{")
    page = page_of(tmp_path)
    html = render_readiness_html(page)  # type: ignore[arg-type]
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" not in html  # fixed in run-2: not open
    assert not re.search(r"<link|src=|href=\"http|@import|url\(http", html)
    assert html.count("<svg") == 1 and "RTO 5 min" in html
    assert "The verdict is <strong>go</strong> only when every rule holds" in html
    assert "Skipped folders" in html and "broken" in html
    markdown = render_readiness_markdown(page)  # type: ignore[arg-type]
    assert "## The rule" in markdown and "## Skipped folders" in markdown


def test_an_open_hostile_finding_is_shown_as_text(tmp_path: Path) -> None:
    write_run(tmp_path, 1, [finding(at(1), "R5", HOSTILE, STEP)])
    html = render_readiness_html(page_of(tmp_path))  # type: ignore[arg-type]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_readiness_command_writes_both_pages_even_with_a_damaged_folder(tmp_path: Path) -> None:
    reports, out = tmp_path / "reports", tmp_path / "out"
    write_run(reports, 1)
    (reports / "foreign").mkdir()
    (reports / "foreign" / "results.json").write_text('{"tool": "other"}')
    drills = Path(__file__).parents[3] / "examples" / "drills.yaml"
    result = runner.invoke(
        app,
        ["readiness", str(reports), "--out", str(out), "--drills", str(drills),
         "--scenarios", str(drills.parent), "--cutover", "2027-01-15"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "Acme Retail: " in result.output
    assert (out / "readiness.html").stat().st_size > 0
    assert "Cutover: 2027-01-15" in (out / "readiness.md").read_text()
    bad = runner.invoke(app, ["readiness", str(reports), "--cutover", "soon"])
    assert bad.exit_code == 2


def test_the_artifact_a_run_publishes_is_its_customers_readiness(tmp_path: Path) -> None:
    write_run(tmp_path, 1)
    (tmp_path / "broken").mkdir()
    markdown = readiness_artifact(tmp_path, "Acme Retail", T0 + timedelta(days=3))
    assert markdown.startswith("# Go-live readiness — 2026-11-23")
    assert "## Acme Retail: GO" in markdown and "### checkout" in markdown
    assert "## The rule" in markdown and "broken" in markdown
    assert "run by run: 26.0 s." in markdown


def test_markdown_keeps_a_finding_title_as_text_in_its_table(tmp_path: Path) -> None:
    write_run(tmp_path, 1, [finding(at(1), "R5", "Pool | exhausted <b>now</b>", STEP)])
    markdown = render_readiness_markdown(page_of(tmp_path))  # type: ignore[arg-type]
    assert "| Pool \\| exhausted &lt;b>now&lt;/b> |" in markdown
