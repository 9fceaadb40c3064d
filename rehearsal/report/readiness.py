"""Go-live readiness of each customer, from every run in a reports folder: what was rehearsed
per business service, how recovery compares with the RTO over the series, what is still
open, which scheduled drills ran, and a go / no-go verdict whose rule is stated with it.

    folder = read_folder(Path("reports"))
    page = readiness(folder, now=datetime.now(UTC), rule=Rule(max_age_days=30))

The verdict never passes on a missing figure: a recovery not measured, or a customer with
no run, makes it "no-go: not measured", which says what to measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from rehearsal.models.durations import format_duration
from rehearsal.report.finding_history import (
    FollowedFinding,
    ReportsFolder,
    Series,
    Skipped,
    followed,
)
from rehearsal.results.model import Results

VerdictState = Literal["go", "no-go", "no-go: not measured"]
DrillState = Literal["ran", "missed", "scheduled"]
RAN_WITHIN = timedelta(hours=6)
"""A run of the drill's scenario this soon after a scheduled start counts as that drill."""
NO_SERVICE = "(no business service measured)"


@dataclass(frozen=True)
class Rule:
    max_age_days: int = 30

    def sentences(self) -> list[str]:
        return [
            "No critical or high finding is open (accepted and won't-fix decisions count as "
            "closed; a finding a later run no longer made counts as fixed).",
            f"Every runbook was rehearsed within the last {self.max_age_days} days.",
            "The last run of every rehearsal recovered within the RTO.",
            "A figure that was not measured is never a pass: it makes the verdict "
            '"no-go: not measured".',
        ]


@dataclass(frozen=True)
class DrillSlot:
    """One start of a scheduled drill, as its schedule gives it (worked out by the caller)."""

    drill: str
    scenario: str
    """The drill's scenario file, relative to the scenarios folder."""
    at: datetime


@dataclass(frozen=True)
class DrillCheck:
    drill: str
    scenario: str
    at: datetime
    state: DrillState
    run_id: str | None


@dataclass(frozen=True)
class RecoveryPoint:
    run_id: str
    at: datetime
    time_to_recover_s: float | None
    rto_s: float | None


@dataclass(frozen=True)
class Rehearsal:
    """One scenario's series, as the page shows it."""

    title: str
    scenario: str
    fault_types: list[str]
    runbooks: list[str]
    last: Results
    recovery: list[RecoveryPoint]


@dataclass(frozen=True)
class ServiceReadiness:
    name: str
    impact: str
    rehearsals: list[Rehearsal]


@dataclass(frozen=True)
class Verdict:
    state: VerdictState
    reasons: list[str]


@dataclass(frozen=True)
class CustomerReadiness:
    customer: str
    account_manager: str | None
    services: list[ServiceReadiness]
    open_findings: list[FollowedFinding]
    runbooks: dict[str, datetime]
    """Each runbook and when it was last rehearsed."""
    drills: list[DrillCheck]
    verdict: Verdict


@dataclass(frozen=True)
class Readiness:
    generated_at: datetime
    cutover: date | None
    rule: Rule
    customers: list[CustomerReadiness]
    skipped: list[Skipped] = field(default_factory=list)


def readiness(
    folder: ReportsFolder,
    now: datetime,
    rule: Rule | None = None,
    cutover: date | None = None,
    slots: Sequence[DrillSlot] = (),
    customer: str | None = None,
) -> Readiness:
    rule = rule or Rule()
    names = sorted({s.customer for s in folder.series if customer in (None, s.customer)})
    if customer is not None and customer not in names:
        names.append(customer)  # asked for, never run: a no-go to show, not an empty page
    customers = [
        _customer(name, [s for s in folder.series if s.customer == name], now, rule, slots)
        for name in names
    ]
    return Readiness(now, cutover, rule, customers, folder.skipped)


def _customer(
    name: str, series: list[Series], now: datetime, rule: Rule, slots: Sequence[DrillSlot]
) -> CustomerReadiness:
    rehearsals = [_rehearsal(s) for s in series]
    open_findings = sorted(
        (f for s in series for f in followed(s) if f.open),
        key=lambda f: (_rank(f.severity), f.first_seen.at),
    )
    runbooks: dict[str, datetime] = {}
    for s in series:
        for run in s.runs:
            for runbook in _runbooks(run):
                runbooks[runbook] = max(runbooks.get(runbook, run.started_at), run.started_at)
    drills = [_drill(slot, series, now) for slot in slots if _drill_for(slot, series)]
    return CustomerReadiness(
        customer=name,
        account_manager=next(
            (r.last.account_manager for r in reversed(rehearsals) if r.last.account_manager),
            None,
        ),
        services=_services(rehearsals),
        open_findings=open_findings,
        runbooks=runbooks,
        drills=drills,
        verdict=_verdict(rehearsals, open_findings, runbooks, now, rule),
    )


def _rank(severity: str) -> int:
    return ("critical", "high", "medium", "low", "info").index(severity)


def _rehearsal(series: Series) -> Rehearsal:
    runs = series.runs
    return Rehearsal(
        title=series.title,
        scenario=series.scenario,
        fault_types=sorted({f.type for r in runs for f in r.faults}),
        runbooks=sorted({name for r in runs for name in _runbooks(r)}),
        last=runs[-1],
        recovery=[
            RecoveryPoint(r.run_id, r.started_at, r.metrics.time_to_recover_s, r.metrics.rto_s)
            for r in runs
        ],
    )


def _runbooks(run: Results) -> list[str]:
    return [
        step.label.removeprefix("runbook ")
        for phase in run.phases
        for step in phase.steps
        if step.type == "runbook"
    ]


def _services(rehearsals: list[Rehearsal]) -> list[ServiceReadiness]:
    """Each business service with the rehearsals that measured it (by its probe)."""
    services: dict[str, ServiceReadiness] = {}
    for rehearsal in rehearsals:
        measured = rehearsal.last.metrics.measured_probe
        service = next((s for s in rehearsal.last.services if s.probe == measured), None)
        name = service.name if service else NO_SERVICE
        if name not in services:
            services[name] = ServiceReadiness(name, service.impact if service else "", [])
        services[name].rehearsals.append(rehearsal)
    return sorted(services.values(), key=lambda s: (s.name == NO_SERVICE, s.name))


def _drill_for(slot: DrillSlot, series: list[Series]) -> bool:
    return any(_same_scenario(slot.scenario, s.scenario) for s in series)


def _same_scenario(drill_scenario: str, run_scenario: str) -> bool:
    """A drill names its scenario relative to the scenarios folder; a run records the path
    it was given: the same file when one path ends with the other."""
    ours = drill_scenario.replace("\\", "/").lstrip("./")
    theirs = run_scenario.replace("\\", "/")
    return theirs == ours or theirs.endswith("/" + ours)


def _drill(slot: DrillSlot, series: list[Series], now: datetime) -> DrillCheck:
    if slot.at > now:
        return DrillCheck(slot.drill, slot.scenario, slot.at, "scheduled", None)
    ran = next(
        (
            run
            for s in series
            if _same_scenario(slot.scenario, s.scenario)
            for run in s.runs
            if slot.at <= run.started_at < slot.at + RAN_WITHIN
        ),
        None,
    )
    state: DrillState = "ran" if ran else "missed"
    return DrillCheck(slot.drill, slot.scenario, slot.at, state, ran.run_id if ran else None)


def _verdict(
    rehearsals: list[Rehearsal],
    open_findings: list[FollowedFinding],
    runbooks: dict[str, datetime],
    now: datetime,
    rule: Rule,
) -> Verdict:
    failed: list[str] = []
    unmeasured: list[str] = []
    if not rehearsals:
        unmeasured.append("Nothing was rehearsed: there is no run in the reports folder.")
    serious = [f for f in open_findings if f.severity in ("critical", "high")]
    for finding in serious:
        owner = f"owner {finding.owner}" if finding.owner else "no owner"
        failed.append(
            f"Open {finding.severity} finding: {finding.title} ({finding.scenario}; {owner}; "
            f"open for {finding.age_days(now)} days)."
        )
    limit = timedelta(days=rule.max_age_days)
    for runbook, last in sorted(runbooks.items()):
        if now - last > limit:
            failed.append(
                f"Runbook {runbook} was last rehearsed {(now - last).days} days ago "
                f"({last:%Y-%m-%d}); the rule is within {rule.max_age_days} days."
            )
    if rehearsals and not runbooks:
        unmeasured.append("No runbook was rehearsed in any run.")
    for rehearsal in rehearsals:
        metrics = rehearsal.last.metrics
        when = f"{rehearsal.last.started_at:%Y-%m-%d}"
        if metrics.time_to_recover_s is None or metrics.rto_s is None:
            missing = "recovery" if metrics.time_to_recover_s is None else "RTO"
            unmeasured.append(
                f"The last run of {rehearsal.title} ({when}) did not measure the {missing}."
            )
        elif metrics.time_to_recover_s > metrics.rto_s:
            failed.append(
                f"The last run of {rehearsal.title} ({when}) recovered in "
                f"{format_duration(metrics.time_to_recover_s)}; the RTO is "
                f"{format_duration(metrics.rto_s)}."
            )
    if failed:
        return Verdict("no-go", failed + unmeasured)
    if unmeasured:
        return Verdict("no-go: not measured", unmeasured)
    return Verdict("go", ["Every rule below is met."])
