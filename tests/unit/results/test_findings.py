"""Every derived finding is made by one maker that numbers it under its prefix."""

from __future__ import annotations

from rehearsal.results.findings import FindingMaker, recorded


def test_a_maker_numbers_its_findings_in_order_under_its_prefix() -> None:
    findings = FindingMaker("P")
    for title in ("first", "second"):
        findings.add(
            severity="high",
            category="monitoring",
            title=title,
            detail="d",
            phase=None,
            recommendation="r",
            about={"monitor": title},
        )
    assert [(f.id, f.title, f.status) for f in findings.made] == [
        ("P1", "first", "open"),
        ("P2", "second", "open"),
    ]


def test_findings_recorded_during_the_run_keep_their_ids() -> None:
    event = {
        "at": "2026-01-01T00:00:00+00:00",
        "event": "finding",
        "id": "R2.3",
        "severity": "low",
        "category": "procedure",
        "title": "t",
        "detail": "d",
    }
    [finding] = recorded([event, {**event, "event": "probe.sample"}])
    assert (finding.id, finding.phase, finding.evidence, finding.recommendation) == (
        "R2.3",
        None,
        [],
        None,
    )
