"""Where every finding of the results is made: from the run's ``finding`` events, by the
derivations that judge figures against targets (each numbering its own under its prefix),
and from people's ``finding.added`` and ``finding.edited`` events applied in order.

People triage findings once a run is over (who owns it, accepted, fixed); those decisions
are appended to the journal like everything else, so results stay a function of it.
"""

from __future__ import annotations

from datetime import datetime

from rehearsal.journal.events import Event
from rehearsal.journal.finding_ids import FindingNumbers
from rehearsal.results.model import FidelityFact, Finding, FindingChange

# Fields a person may set on a finding after the run; the rest describe what happened.
EDITABLE = ("severity", "category", "title", "detail", "phase", "recommendation", "owner", "status")


class FindingMaker:
    """Makes one derivation's findings, numbered in order under its prefix (P1, P2, ...)."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._ids = FindingNumbers()
        self.made: list[Finding] = []

    def add(
        self,
        *,
        severity: str,
        category: str,
        title: str,
        detail: str,
        phase: str | None,
        recommendation: str,
    ) -> Finding:
        finding = Finding(
            id=self._ids.next(self._prefix),
            severity=severity,
            category=category,
            title=title,
            detail=detail,
            phase=phase,
            recommendation=recommendation,
        )
        self.made.append(finding)
        return finding


RECORDED = ("id", "severity", "category", "title", "detail", "evidence", "recommendation")
"""What a ``finding`` event gives its Finding besides its phase (which an older journal may
lack); owner and status come from triage."""


def recorded(events: list[Event]) -> list[Finding]:
    """The findings the run recorded as it went (``finding`` events), ids as written."""
    return [
        Finding(phase=e.get("phase"), **{k: v for k, v in e.items() if k in RECORDED})
        for e in events
        if e["event"] == "finding"
    ]


def apply_lifecycle(findings: list[Finding], events: list[Event]) -> list[Finding]:
    """The findings with every later addition and edit applied, in journal order."""
    by_id = {finding.id: finding for finding in findings}
    for event in events:
        kind = event["event"]
        if kind == "finding.added" and event["id"] not in by_id:
            by_id[event["id"]] = _added(event)
        elif kind == "finding.edited" and event["id"] in by_id:
            by_id[event["id"]] = _edited(by_id[event["id"]], event)
    return list(by_id.values())


def _added(event: Event) -> Finding:
    fields = {key: event[key] for key in EDITABLE if event.get(key) is not None}
    return Finding.model_validate(
        {
            "id": event["id"],
            "detail": "",
            "phase": None,
            **fields,
            "history": [_change(event, {"added": fields.get("title", "")})],
        }
    )


def _edited(finding: Finding, event: Event) -> Finding:
    changes = {k: v for k, v in event.get("changes", {}).items() if k in EDITABLE}
    updated = Finding.model_validate({**finding.model_dump(), **changes})
    history = [*finding.history, _change(event, {k: str(v) for k, v in changes.items()})]
    return updated.model_copy(update={"history": history})


def _change(event: Event, changes: dict[str, str]) -> FindingChange:
    return FindingChange(
        at=datetime.fromisoformat(event["at"]), by=event.get("by") or "unknown", changes=changes
    )


def fidelity_findings(facts: list[FidelityFact]) -> list[Finding]:
    """One finding a node whose mirror differs from the profile (ids D1, D2, ...; F names
    faults): what was rehearsed there may not hold for the customer's system."""
    differing: dict[str, list[FidelityFact]] = {}
    for fact in facts:
        if not fact.matches:
            differing.setdefault(fact.node, []).append(fact)
    findings = FindingMaker("D")
    for node, found in differing.items():
        findings.add(
            severity="medium",
            category="environment",
            title=f"The mirror of {node} differs from the profile",
            detail="; ".join(
                f"{fact.name}: profile {fact.expected}, mirror {fact.actual}" for fact in found
            ),
            phase=None,
            recommendation="Fix the role or the profile so the mirror matches the customer's "
            "system, then run again; `rehearsal env check RUN_ID` re-checks a kept mirror.",
        )
    return findings.made
