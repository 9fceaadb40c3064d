"""The findings reports: what the customer reads, what engineers read, and what CI parses."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rehearsal.report import render_reports
from rehearsal.results.model import (
    Criterion,
    FaultResult,
    Finding,
    Metrics,
    PhaseResult,
    ProbeHistory,
    ProbeSample,
    Results,
    RunbookStepResult,
    ServiceImpact,
    StepResult,
)

T0 = datetime(2025, 11, 20, 9, 0, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def probe(name: str, down_from: float, down_until: float, end: float) -> ProbeHistory:
    """Samples every 5 s: passing, then failing between the two instants, then passing again."""
    samples = [
        ProbeSample(
            at=at(t),
            ok=not down_from <= t < down_until,
            latency_s=0.02,
            detail="200 OK" if not down_from <= t < down_until else "connection refused",
        )
        for t in range(0, int(end), 5)
    ]
    return ProbeHistory(name=name, samples=samples)


def runbook_step(
    index: int, say: str, start: float, took: float, budget: float, exit_code: int
) -> RunbookStepResult:
    return RunbookStepResult(
        index=index,
        say=say,
        node="lb1",
        command=f"/opt/ops/step{index}.sh --target app2",
        status="passed" if exit_code == 0 else "failed",
        started_at=at(start),
        finished_at=at(start + took),
        duration_s=took,
        budget_s=budget,
        exit_code=exit_code,
        output="ok\n" if exit_code == 0 else 'nginx: [emerg] host not found in upstream "app2"\n',
    )


def step(
    index: int,
    kind: str,
    label: str,
    start: float,
    took: float,
    budget: float | None = None,
    status: str = "passed",
    subs: list[RunbookStepResult] | None = None,
) -> StepResult:
    return StepResult.model_validate(
        {
            "index": index,
            "type": kind,
            "label": label,
            "status": status,
            "started_at": at(start),
            "finished_at": at(start + took),
            "duration_s": took,
            "budget_s": budget,
            "detail": "" if status == "passed" else f"step {status}",
            "done_by": "tool (automated; assigned to Kim Minji)" if subs else "tool",
            "runbook_steps": subs or [],
        }
    )


def build_results(failed: bool) -> Results:
    """A drill on the webshop: app1 is stopped, the operator fails over to app2 by the runbook."""
    switch_exit, downtime = (1, 340.0) if failed else (0, 45.0)
    subs = [
        runbook_step(1, "Check which app node is down", 18, 22, 30, 0),
        runbook_step(2, "Promote the standby", 40, 180 if failed else 20, 60, 0),
        runbook_step(3, "Switch the load balancer", 220 if failed else 60, 10, 60, switch_exit),
    ]
    lose = PhaseResult(
        name="lose the active app server",
        operator="Kim Minji",
        analyst="Sato Ren",
        status="failed" if failed else "passed",
        started_at=at(5),
        finished_at=at(390),
        steps=[
            step(1, "fault", "stop app1", 5, 1),
            step(2, "wait", "wait for shop-http to fail", 6, 12, budget=30),
            step(
                3,
                "runbook",
                "run app-failover-to-standby",
                18,
                212,
                None,
                "failed" if failed else "passed",
                subs,
            ),
            step(4, "wait", "wait for shop-http to pass", 230, 80, budget=300),
        ],
    )
    confirm = PhaseResult(
        name="confirm steady state",
        operator="Kim Minji",
        analyst="Sato Ren",
        status="passed",
        started_at=at(390),
        finished_at=at(420),
        steps=[
            step(1, "check", "shop-http passes", 390, 5),
            step(2, "evidence", "collect nginx logs", 395, 0, status="skipped"),
        ],
    )
    findings = (
        [
            Finding(
                id="F-1",
                severity="high",
                category="procedure",
                title="Upstream list app1|app2 is not updated by step 3",
                detail="nginx refuses to reload because app2 is not resolvable from lb1.",
                phase="lose the active app server",
                evidence=["evidence/lb1-nginx-error.log"],
                recommendation="Add app2 to the upstream block in OPS-APP-07 step 3.",
            ),
            Finding(
                id="F-2",
                severity="medium",
                category="capacity",
                title="Promoting the standby takes three minutes",
                detail="The standby warms its cache before accepting traffic.",
                phase="lose the active app server",
                recommendation="Pre-warm the standby's cache nightly.",
            ),
        ]
        if failed
        else []
    )
    return Results(
        run_id="20251120-0900-drill",
        kind="rehearsal",
        status="failed" if failed else "passed",
        title="Loss of the active application server",
        purpose="Check that OPS-APP-07 brings checkout back within the five-minute RTO.",
        customer="Acme Retail",
        account_manager="J. Park",
        started_at=T0,
        finished_at=at(440),
        profile="examples/webshop/profile.yaml",
        scenario="examples/webshop/drill-app-node-loss.yaml",
        team={"owner": ["J. Park"], "operators": ["Kim Minji"], "analysts": ["Sato Ren"]},
        environment={"docker": "27.3.1", "base image": "debian:bookworm (offline)"},
        phases=[lose, confirm],
        faults=[
            FaultResult(
                id="fault-1",
                type="container.stop",
                targets=["app1"],
                phase="lose the active app server",
                injected_at=at(5),
                reverted_at=at(400),
                revert_status="reverted",
            )
        ],
        metrics=Metrics(
            measured_probe="shop-http",
            time_to_detect_s=12.0,
            time_to_recover_s=downtime + 5,
            outage_s=downtime,
            rto_s=300.0,
            within_rto=not failed,
        ),
        criteria=[
            Criterion(name="recover within RTO", met=not failed, detail=f"outage {downtime} s")
        ],
        findings=findings,
        services=[
            ServiceImpact(
                name="checkout",
                impact="Orders cannot be placed; about 40 orders a minute are lost.",
                probe="shop-http",
                downtime_s=downtime,
            )
        ],
        probes=[
            probe("shop-http", 10, 10 + downtime, 440),
            probe("standby-http", 220, 240, 440),
        ],
    )


def journal(results: Results, filler: int = 0) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"at": s.at.isoformat(), "event": "sample", "probe": p.name, "ok": s.ok}
        for p in results.probes
        for s in p.samples
    ]
    events += [{"at": at(i * 0.01).isoformat(), "event": "debug", "n": i} for i in range(filler)]
    return events


@pytest.fixture
def failed_run() -> Results:
    return build_results(failed=True)


@pytest.fixture
def passed_run() -> Results:
    return build_results(failed=False)


def render(results: Results, tmp_path: Path, filler: int = 0) -> dict[str, str]:
    paths = render_reports(results, journal(results, filler), tmp_path / "out")
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", html, flags=re.S)


def test_all_three_reports_are_written_to_the_out_dir(failed_run: Results, tmp_path: Path) -> None:
    paths = render_reports(failed_run, journal(failed_run), tmp_path / "run")
    assert [p.name for p in paths] == ["report.html", "report.md", "notice.md", "junit.xml"]
    assert all(p.parent == tmp_path / "run" and p.stat().st_size > 0 for p in paths)


def test_junit_counts_the_failed_step_the_skipped_step_and_the_missed_criterion(
    failed_run: Results, tmp_path: Path
) -> None:
    root = ET.fromstring(render(failed_run, tmp_path)["junit.xml"])
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "2", "0")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["lose the active app server", "confirm steady state", "criteria"]
    failed = suites["lose the active app server"].findall("testcase[failure]")
    assert [c.get("name") for c in failed] == ["run app-failover-to-standby"]
    assert failed[0].get("classname") == "rehearsal.20251120-0900-drill.lose the active app server"
    assert failed[0].get("time") == "212.000"
    assert suites["confirm steady state"].get("skipped") == "1"
    assert suites["criteria"].find("testcase/failure") is not None


def test_junit_of_a_passed_run_has_no_failures(passed_run: Results, tmp_path: Path) -> None:
    root = ET.fromstring(render(passed_run, tmp_path)["junit.xml"])
    assert (root.get("failures"), root.get("errors")) == ("0", "0")


def test_a_run_that_broke_reads_as_unfinished_and_as_an_error_in_junit(
    failed_run: Results, tmp_path: Path
) -> None:
    broken = failed_run.model_copy(
        update={"status": "error", "finished_at": None, "error": "Docker engine not reachable"}
    )
    reports = render(broken, tmp_path)
    assert (
        "The rehearsal could not finish: the test environment itself broke"
        in reports["report.html"]
    )
    assert ET.fromstring(reports["junit.xml"]).get("errors") == "1"


def test_html_gives_the_verdict_and_impact_in_plain_words(
    failed_run: Results, passed_run: Results, tmp_path: Path
) -> None:
    failed = render(failed_run, tmp_path / "f")["report.html"]
    assert (
        "The rehearsal failed: its success criterion was not met "
        "and 1 serious problem must be fixed before go-live."
    ) in failed
    assert (
        "checkout was unavailable for 5 min 40 s; the target is 5 min, so it was missed by 40.0 s."
    ) in failed
    assert "Add app2 to the upstream block in OPS-APP-07 step 3." in failed
    passed = render(passed_run, tmp_path / "p")["report.html"]
    assert "The rehearsal passed: every success criterion was met." in passed
    assert "checkout was unavailable for 45.0 s; the target is 5 min." in passed


def test_the_notice_says_how_unavailable_is_measured_beside_the_impact(
    failed_run: Results, tmp_path: Path
) -> None:
    notice = render(failed_run, tmp_path / "f")["notice.md"]
    after_impact = notice[notice.index("checkout was unavailable for 5 min 40 s") :]
    assert "\n\n_Unavailable for: from a service's first failing check to its next passing " in (
        after_impact
    )
    assert "so this can be shorter than the time to recover._\n" in after_impact


def test_html_timeline_shows_the_probe_outage_as_a_red_band(
    failed_run: Results, tmp_path: Path
) -> None:
    timeline = svgs(render(failed_run, tmp_path)["report.html"])[0]
    assert 'class="band down"' in timeline
    assert 'fill="url(#tl-down)"' in timeline
    assert "down 5 min 40 s" in timeline
    assert "detected after 12.0 s" in timeline
    assert "recovered after 5 min 45 s" in timeline


def test_html_budget_chart_marks_the_step_over_budget(failed_run: Results, tmp_path: Path) -> None:
    charts = svgs(render(failed_run, tmp_path)["report.html"])
    assert len(charts) == 2
    assert charts[1].count('class="over"') == 1
    assert "3 min of 1 min — over by 2 min" in charts[1]


def test_html_loads_nothing_from_outside(failed_run: Results, tmp_path: Path) -> None:
    html = render(failed_run, tmp_path)["report.html"]
    assert not re.search(r"<(link|script|img|iframe)\b|@import|url\(\s*['\"]?\w+:", html)
    own = re.sub(r'<details class="journal">.*?</details>|<pre>.*?</pre>', "", html, flags=re.S)
    own = own.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in own and "https://" not in own


def test_user_written_names_are_escaped_in_html_svg_and_markdown(
    failed_run: Results, tmp_path: Path
) -> None:
    phase = failed_run.phases[0].model_copy(update={"name": HOSTILE})
    hostile = failed_run.model_copy(
        update={
            "customer": HOSTILE,
            "title": HOSTILE,
            "phases": [phase, *failed_run.phases[1:]],
            "probes": [ProbeHistory(name=HOSTILE, samples=failed_run.probes[0].samples)],
            "environment": {HOSTILE: HOSTILE},
        }
    )
    reports = render(hostile, tmp_path)
    html = reports["report.html"]
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    timeline = svgs(html)[0]
    assert "<script" not in timeline and "&lt;script&gt;" in timeline
    assert "<script" not in reports["report.md"]
    ET.fromstring(reports["junit.xml"])


def test_markdown_escapes_pipes_inside_table_cells(failed_run: Results, tmp_path: Path) -> None:
    markdown = render(failed_run, tmp_path)["report.md"]
    row = next(line for line in markdown.splitlines() if line.startswith("| F-1 |"))
    assert "app1\\|app2" in row
    assert row.count(" | ") == 7  # eight columns, the owner empty
    assert "checkout was unavailable for 5 min 40 s" in markdown


def test_a_ten_thousand_event_journal_is_cut_to_its_last_events(
    failed_run: Results, tmp_path: Path
) -> None:
    html = render(failed_run, tmp_path, filler=10_000)["report.html"]
    journal_html = html[html.index('<details class="journal">') :]
    total = 10_000 + sum(len(p.samples) for p in failed_run.probes)
    assert f"{total} events; the last 2000 are shown here" in journal_html
    assert journal_html.count("<tr>") == 2001
