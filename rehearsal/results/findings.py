"""Where every finding of the results is made: from the run's ``finding`` events, by the
derivations that judge figures against targets (each numbering its own under its prefix),
and from people's ``finding.added`` and ``finding.edited`` events applied in order.

People triage findings once a run is over (who owns it, accepted, fixed); those decisions
are appended to the journal like everything else, so results stay a function of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from rehearsal.journal.events import Event
from rehearsal.journal.finding_ids import FindingNumbers
from rehearsal.results.model import FidelityFact, Finding, FindingChange

# Fields a person may set on a finding after the run; the rest describe what happened.
EDITABLE = ("severity", "category", "title", "detail", "phase", "recommendation", "owner", "status")


def finding_key(category: str, about: Mapping[str, str]) -> str:
    """The same problem's name in every run: its category and what it is about (a runbook
    step, node, monitor, probe...), never its wording or its run-local id, so a reworded
    title or a renumbered F1/D2 still finds its earlier runs."""
    parts = ",".join(f"{name}={_plain(value)}" for name, value in sorted(about.items()))
    return f"{category}:{parts}"


def _plain(value: str) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().lower()


class FindingMaker:
    """Makes one derivation's findings, numbered in order under its prefix (P1, P2, ...),
    each with the key that follows it across runs."""

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
        about: Mapping[str, str],
    ) -> Finding:
        finding = Finding(
            id=self._ids.next(self._prefix),
            key=finding_key(category, about),
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
    """The findings the run recorded as it went (``finding`` events), ids as written, each
    keyed by the ``about`` it was recorded with; a journal older than ``about`` is keyed by
    what the run was doing when the finding came, the same in most cases."""
    found = []
    subject: dict[str, str] = {}
    faults: dict[str, dict[str, str]] = {}
    for e in events:
        kind = e["event"]
        if kind == "finding":
            found.append(
                Finding(
                    phase=e.get("phase"),
                    key=finding_key(e["category"], e.get("about") or _older(e, subject)),
                    **{k: v for k, v in e.items() if k in RECORDED},
                )
            )
        elif kind == "fault.injecting":
            faults[e["fault"]] = {"fault": e["type"], "target": ",".join(sorted(e["targets"]))}
        else:
            subject = _subject(e, faults) or subject
    return found


def _older(finding: Event, subject: dict[str, str]) -> dict[str, str]:
    if finding.get("source", "automatic") != "automatic":
        return {**subject, "by": "analyst"}
    return subject or {"phase": finding.get("phase") or "run"}


def _subject(event: Event, faults: Mapping[str, dict[str, str]]) -> dict[str, str] | None:
    """What a finding recorded right after ``event`` is about, or None when ``event`` does
    not change it (a probe sample between a wait's start and its finding)."""
    kind = event["event"]
    fault = faults.get(str(event.get("fault")), {"fault": str(event.get("fault"))})
    if kind == "step.started":
        return {"phase": str(event.get("phase")), "step": event["label"]}
    if kind == "runbook.step.finished":
        return {"runbook": str(event.get("runbook")), "step": str(event.get("index", 0) + 1)}
    if kind == "runbook.finished":
        return {"runbook": str(event.get("runbook")), "took": "longer than the rto"}
    if kind == "action.command":
        return {"node": str(event.get("node")), "command": str(event.get("command"))}
    if kind in ("question.answered", "question.unanswered"):
        # A page answered in the background is not what the step in progress found.
        ack = str(event.get("id", "")).startswith("ack.")
        return None if ack else {"question": str(event.get("id"))}
    if kind == "fault.injected" and event.get("error"):
        return {**fault, "stage": "inject"}
    if kind == "fault.reverted" and event.get("status") == "failed":
        return {**fault, "stage": "revert"}
    if kind == "steady_state.checked":
        return {"steady state": ",".join(sorted(event.get("failing") or []))}
    if kind == "environment.lost":
        return {"environment": "lost"}
    return None


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
    """A person's finding: keyed by its title, the only thing it says it is about."""
    fields = {key: event[key] for key in EDITABLE if event.get(key) is not None}
    return Finding.model_validate(
        {
            "id": event["id"],
            "key": finding_key(event["category"], {"title": event["title"]}),
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
            about={"node": node},
            recommendation="Fix the role or the profile so the mirror matches the customer's "
            "system, then run again; `rehearsal env check RUN_ID` re-checks a kept mirror.",
        )
    return findings.made
