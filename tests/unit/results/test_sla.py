"""The profile's SLA, set against a run's outage: the month's downtime allowance, how much
of it one outage used (in the report's words), and a finding when one outage uses it all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rehearsal.errors import InvalidInput
from rehearsal.journal.writer import read_journal
from rehearsal.models.loading import load_profile
from rehearsal.report.summary import impact_sentences
from rehearsal.report.wording import load_wording
from rehearsal.results.derive import derive_results
from tests.drill_journal import write_drill_journal


def _with_sla(run_dir: Path, sla: float) -> Path:
    write_drill_journal(run_dir)
    journal = run_dir / "journal.jsonl"
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    lines[0]["sla_pct"] = sla
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return run_dir


def test_an_outage_longer_than_the_months_allowance_is_a_finding(tmp_path: Path) -> None:
    results = derive_results(read_journal(_with_sla(tmp_path, 99.9995)))
    [checkout] = results.services
    assert checkout.sla_allowance_s == 13.0  # 0.0005 % of 30 days
    assert checkout.downtime_s > checkout.sla_allowance_s
    [finding] = [f for f in results.findings if f.id.startswith("S")]
    assert finding.title == "One outage like this breaks the SLA for checkout"
    assert "an availability of 99.9995 % allows 13.0 s of downtime" in finding.detail


def test_within_the_allowance_the_report_says_how_much_of_it_was_used(tmp_path: Path) -> None:
    results = derive_results(read_journal(_with_sla(tmp_path, 99.9)))
    [checkout] = results.services
    assert checkout.sla_allowance_s == 2592.0
    assert not [f for f in results.findings if f.id.startswith("S")]
    used = round(100 * checkout.downtime_s / 2592.0)
    [sentence] = impact_sentences(results, load_wording("en"))
    assert (
        f"the SLA allows 43 min 12 s of downtime a month, and this outage used {used} % of it"
        in (sentence)
    )
    assert "SLA" in impact_sentences(results, load_wording("ja"))[0]


def test_without_an_sla_nothing_is_said_of_one(tmp_path: Path) -> None:
    write_drill_journal(tmp_path)
    results = derive_results(read_journal(tmp_path))
    assert results.services[0].sla_allowance_s is None
    assert "SLA" not in impact_sentences(results, load_wording("en"))[0]


@pytest.mark.parametrize(("given", "ok"), [("99.9%", True), (99.95, True), ("100%", False)])
def test_an_sla_is_a_percentage_below_100(tmp_path: Path, given: object, ok: bool) -> None:
    text = (
        "customer: {name: A}\n"
        f"business: {{targets: {{rto: 1m, sla: {json.dumps(given)}}}}}\n"
        "nodes: [{name: web1, role: nginx, networks: [front]}]\n"
        "networks: [{name: front}]\n"
    )
    (tmp_path / "profile.yaml").write_text(text)
    if ok:
        assert load_profile(tmp_path / "profile.yaml").business.targets.sla in (99.9, 99.95)
    else:
        with pytest.raises(InvalidInput, match=r"profile\.yaml:2:.*sla"):
            load_profile(tmp_path / "profile.yaml")
