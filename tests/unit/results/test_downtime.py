"""A service's downtime is measured as its outage is: from when each check started, and
missing when its probe took no sample (never "stayed available")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rehearsal.journal.writer import read_journal
from rehearsal.report.markdown import render_markdown
from rehearsal.report.summary import impact_sentences
from rehearsal.report.wording import load_wording
from rehearsal.results.derive import derive_results
from tests.drill_journal import write_drill_journal


def _edited(run_dir: Path, edit: Any) -> Path:
    write_drill_journal(run_dir)
    journal = run_dir / "journal.jsonl"
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    events = [e for e in map(edit, events) if e is not None]
    journal.write_text("".join(json.dumps(e) + "\n" for e in events))
    return run_dir


def test_a_service_whose_probe_took_no_sample_is_not_measured_not_available(
    tmp_path: Path,
) -> None:
    def no_samples(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["event"] == "run.started":
            event["sla_pct"] = 99.9995
        return None if event["event"] == "probe.sample" else event

    results = derive_results(read_journal(_edited(tmp_path, no_samples)))
    [checkout] = results.services
    assert checkout.downtime_s is None
    [sentence] = impact_sentences(results, load_wording("en"))
    assert sentence == (
        "Whether checkout stayed available was not measured: its probe shop-http took no sample."
    )
    assert not [f for f in results.findings if f.id.startswith("S")]


def test_a_check_that_timed_out_counts_from_when_it_began_as_the_outage_does(
    tmp_path: Path,
) -> None:
    def timing_out(event: dict[str, Any]) -> dict[str, Any]:
        if event["event"] == "probe.sample" and not event["ok"]:
            event["latency_s"] = 0.5  # each failing check gave up half a second after it began
        return event

    results = derive_results(read_journal(_edited(tmp_path, timing_out)))
    [checkout] = results.services
    assert checkout.downtime_s == results.metrics.outage_s
    assert checkout.downtime_s is not None and checkout.downtime_s > 0


def test_the_glossary_says_what_the_outage_is_and_why_it_can_differ(tmp_path: Path) -> None:
    write_drill_journal(tmp_path)
    markdown = render_markdown(derive_results(read_journal(tmp_path)), load_wording("en"))
    assert "- Outage: the measured probe's first failing check after the fault began" in markdown
    assert "so the two can differ" in markdown
