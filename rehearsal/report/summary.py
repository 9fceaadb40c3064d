"""The customer's part of the story in plain sentences, shared by the HTML and Markdown reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rehearsal.models.durations import format_duration
from rehearsal.report.wording import Wording
from rehearsal.results.model import Finding, Results

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
BLOCKING = ("critical", "high")
# A finding someone accepted as a risk or marked fixed no longer needs a next step.
UNSETTLED = ("open",)


# The figures the report's glossary defines, in the order it lists them.
GLOSSARY = (
    "time_to_detect",
    "time_to_alert",
    "time_to_acknowledge",
    "handling",
    "time_to_recover",
    "outage",
    "unavailable",
    "automated",
    "scripted",
)


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


def verdict(results: Results, w: Wording) -> Verdict:
    what = w(f"kind.{results.kind}")
    missed = [c for c in results.criteria if not c.met]
    blocking = [f for f in results.findings if f.severity in BLOCKING]
    if results.status == "passed":
        tone, headline = "good", w("verdict.passed_headline")
        sentence = w("verdict.passed", what=what)
    elif results.status == "failed":
        tone, headline = "bad", w("verdict.failed_headline")
        reasons = []
        if len(results.criteria) == 1 and missed:
            reasons.append(w("verdict.one_criterion_missed"))
        elif missed:
            reasons.append(
                w("verdict.some_criteria_missed", missed=len(missed), total=len(results.criteria))
            )
        if len(blocking) == 1:
            reasons.append(w("verdict.one_serious"))
        elif blocking:
            reasons.append(w("verdict.many_serious", count=len(blocking)))
        joined = w("verdict.reasons_joiner").join(reasons) or w("verdict.see_findings")
        sentence = w("verdict.failed", what=what, reasons=joined)
    elif results.status == "stopped":
        tone, headline = "bad", w("verdict.stopped_headline")
        sentence = w("verdict.stopped", what=what, error=results.error)
    else:
        tone, headline = "unfinished", w("verdict.unfinished_headline")
        why = w(f"verdict.why_{'error' if results.status == 'error' else results.status}")
        detail = f" ({results.error})" if results.error else ""
        sentence = w("verdict.unfinished", what=what, why=why, detail=detail)
    if results.kind == "reproduction" and results.reproduced is not None:
        sentence += " " + _reproduction_sentence(results, w)
    return Verdict(tone, headline, sentence)


def _reproduction_sentence(results: Results, w: Wording) -> str:
    if not results.reproduced:
        return w("verdict.not_reproduced")
    if results.attempts and results.reproduction_rate is not None:
        hits = round(results.reproduction_rate * results.attempts)
        return w("verdict.reproduced_in", hits=hits, attempts=results.attempts)
    return w("verdict.reproduced")


def impact_sentences(results: Results, w: Wording) -> list[str]:
    """One sentence a service: how long it was down, set against the recovery target."""
    target = results.metrics.rto_s
    sentences = []
    for service in results.services:
        down = service.downtime_s
        if down is None:
            said = w("impact.not_measured", service=service.name, probe=service.probe)
            sentences.append(said + w("impact.end"))
            continue
        if down <= 0:
            said = w("impact.available", service=service.name)
        else:
            said = w("impact.unavailable", service=service.name, took=format_duration(down))
        if target is None:
            said += w("impact.no_target")
        else:
            said += w("impact.target", target=format_duration(target))
            if down > target:
                said += w("impact.missed", over=format_duration(down - target))
        if service.sla_allowance_s and down > 0:
            said += w(
                "impact.sla",
                allowance=format_duration(service.sla_allowance_s),
                used=f"{100 * down / service.sla_allowance_s:.0f}",
            )
        sentences.append(said + w("impact.end"))
    return sentences


def first_attempts_figures(results: Results) -> bool:
    """A reproduction of several attempts: its run-wide figures are its first attempt's."""
    return results.kind == "reproduction" and (results.attempts or 0) > 1


def metrics_scope(results: Results, w: Wording) -> list[str]:
    """Said beside the run-wide figures, so they are not read as every attempt's."""
    if not first_attempts_figures(results):
        return []
    return [w("heading.metrics_of_attempt", attempts=results.attempts)]


def went_well(results: Results, w: Wording) -> list[str]:
    good = [
        w("went_well.met", name=c.name, detail=c.detail)
        if c.detail
        else w("went_well.met_plain", name=c.name)
        for c in results.criteria
        if c.met
    ]
    metrics = results.metrics
    first = "_first" if first_attempts_figures(results) else ""  # said here as well
    if metrics.time_to_detect_s is not None:
        took = format_duration(metrics.time_to_detect_s)
        good.append(w(f"went_well.detected{first}", took=took, attempts=results.attempts))
    if metrics.within_rto and metrics.time_to_recover_s is not None:
        took = format_duration(metrics.time_to_recover_s)
        good.append(w(f"went_well.restored{first}", took=took, attempts=results.attempts))
    if results.faults and all(f.revert_status == "reverted" for f in results.faults):
        good.append(w("went_well.reverted"))
    good.extend(
        w("went_well.phase_in", phase=p.name, attempt=p.attempt)
        if (results.attempts or 0) > 1
        else w("went_well.phase", phase=p.name)
        for p in results.phases
        if p.status == "passed"
    )
    return good


def by_severity(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER.index(f.severity))


def must_change(results: Results) -> list[Finding]:
    """Findings the customer must act on, worst first; "info" notes stay in the technical part."""
    return by_severity([f for f in results.findings if f.severity != "info"])


def next_steps(results: Results, w: Wording) -> list[NextStep]:
    """Serious open findings, each with its owner (else the run's owner), then a re-run."""
    fallback = w("next_steps.unassigned")
    run_owner = (results.team.get("owner") or [results.account_manager or fallback])[0]
    steps = [
        NextStep(f.recommendation or w("next_steps.resolve", title=f.title), f.owner or run_owner)
        for f in must_change(results)
        if f.severity in BLOCKING and f.status in UNSETTLED
    ]
    if steps or results.status != "passed":
        steps.append(NextStep(w("next_steps.again", what=w(f"kind.{results.kind}")), run_owner))
    return steps


def offset(at: datetime | None, start: datetime) -> str:
    """Time since the run started, in words; the timeline and tables speak in offsets."""
    if at is None:
        return "—"
    seconds = (at - start).total_seconds()
    return "+0 s" if seconds <= 0 else "+" + format_duration(seconds)


def stamp(at: datetime | None) -> str:
    return "—" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
