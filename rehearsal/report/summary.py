"""The customer's part of the story in plain sentences, shared by the HTML and Markdown reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rehearsal.models.durations import format_duration
from rehearsal.results import Finding, Results

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
BLOCKING = ("critical", "high")


@dataclass(frozen=True)
class Verdict:
    """The one-sentence outcome and the tone ("good", "bad", "unfinished") it is shown in."""

    tone: str
    headline: str
    sentence: str


@dataclass(frozen=True)
class NextStep:
    action: str
    owner: str


def verdict(results: Results) -> Verdict:
    what = "reproduction" if results.kind == "reproduction" else "rehearsal"
    missed = [c for c in results.criteria if not c.met]
    blocking = [f for f in results.findings if f.severity in BLOCKING]
    if results.status == "passed":
        tone, headline = "good", "Passed"
        sentence = f"The {what} passed: every success criterion was met."
    elif results.status == "failed":
        tone, headline = "bad", "Failed"
        reasons = []
        if len(results.criteria) == 1 and missed:
            reasons.append("its success criterion was not met")
        elif missed:
            total = len(results.criteria)
            reasons.append(f"{len(missed)} of {total} success criteria were not met")
        if blocking:
            reasons.append(
                f"{_count(len(blocking), 'serious problem')} must be fixed before go-live"
            )
        sentence = f"The {what} failed: {' and '.join(reasons) or 'see the findings below'}."
    elif results.status == "stopped":
        tone, headline = "bad", "Stopped"
        sentence = (
            f"The {what} was stopped by one of its safety limits ({results.error}); every "
            "fault was undone."
        )
    else:
        tone, headline = "unfinished", "Could not finish"
        why = {
            "cancelled": "it was cancelled before the end",
            "incomplete": "it stopped before the end",
            "error": "the test environment itself broke",
        }[results.status]
        detail = f" ({results.error})" if results.error else ""
        sentence = f"The {what} could not finish: {why}{detail}, so its result is not conclusive."
    if results.kind == "reproduction" and results.reproduced is not None:
        sentence += " " + _reproduction_sentence(results)
    return Verdict(tone, headline, sentence)


def _reproduction_sentence(results: Results) -> str:
    if not results.reproduced:
        return "The reported symptom was not reproduced."
    if results.attempts and results.reproduction_rate is not None:
        hits = round(results.reproduction_rate * results.attempts)
        return f"The reported symptom was reproduced in {hits} of {results.attempts} attempts."
    return "The reported symptom was reproduced."


def impact_sentences(results: Results) -> list[str]:
    """One sentence a service: how long it was down, set against the recovery target."""
    target = results.metrics.rto_s
    sentences = []
    for service in results.services:
        if service.downtime_s <= 0:
            said = f"{service.name} stayed available throughout"
        else:
            said = f"{service.name} was unavailable for {format_duration(service.downtime_s)}"
        if target is None:
            said += "; no recovery target is set"
        else:
            said += f"; the target is {format_duration(target)}"
            if service.downtime_s > target:
                said += f", so it was missed by {format_duration(service.downtime_s - target)}"
        sentences.append(said + ".")
    return sentences


def went_well(results: Results) -> list[str]:
    good = [
        f"Met: {c.name} ({c.detail})." if c.detail else f"Met: {c.name}."
        for c in results.criteria
        if c.met
    ]
    metrics = results.metrics
    if metrics.time_to_detect_s is not None:
        good.append(f"The outage was noticed after {format_duration(metrics.time_to_detect_s)}.")
    if metrics.within_rto and metrics.time_to_recover_s is not None:
        good.append(
            f"Service was restored after {format_duration(metrics.time_to_recover_s)}, "
            "within the recovery target."
        )
    if results.faults and all(f.revert_status == "reverted" for f in results.faults):
        good.append("Every deliberate failure was undone cleanly afterwards.")
    good.extend(
        f"Phase “{p.name}” went as planned." for p in results.phases if p.status == "passed"
    )
    return good


def by_severity(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER.index(f.severity))


def must_change(results: Results) -> list[Finding]:
    """Findings the customer must act on, worst first; "info" notes stay in the technical part."""
    return by_severity([f for f in results.findings if f.severity != "info"])


def next_steps(results: Results) -> list[NextStep]:
    # Results carries no per-finding owner, so fixes go to the run's owner when one is named.
    owner = (results.team.get("owner") or [results.account_manager or "not assigned yet"])[0]
    steps = [
        NextStep(f.recommendation or f"Resolve: {f.title}", owner)
        for f in must_change(results)
        if f.severity in BLOCKING
    ]
    if steps or results.status != "passed":
        what = "reproduction" if results.kind == "reproduction" else "rehearsal"
        steps.append(NextStep(f"Run the {what} again once these are done.", owner))
    return steps


def offset(at: datetime | None, start: datetime) -> str:
    """Time since the run started, in words; the timeline and tables speak in offsets."""
    if at is None:
        return "—"
    seconds = (at - start).total_seconds()
    return "+0 s" if seconds <= 0 else "+" + format_duration(seconds)


def stamp(at: datetime | None) -> str:
    return "not finished" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
