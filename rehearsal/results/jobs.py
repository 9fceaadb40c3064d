"""Batch jobs in the results: each run from its ``job.*`` events, the faults in force while
it ran, and a finding for each job that failed, overran its limit or its schedule."""

from __future__ import annotations

from datetime import datetime

from rehearsal.journal.events import Event
from rehearsal.models.durations import format_duration
from rehearsal.results.findings import FindingMaker
from rehearsal.results.model import FaultResult, Finding, JobResult


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def jobs(events: list[Event], faults: list[FaultResult]) -> list[JobResult]:
    found: list[JobResult] = []
    open_runs: dict[tuple[int, str, str], int] = {}
    attempt = 1
    for event in events:
        kind = event["event"]
        if kind == "attempt.started":
            attempt = event["attempt"]
        elif kind in ("job.started", "job.skipped"):
            skipped = kind == "job.skipped"
            key = (attempt, event["job"], event.get("trigger", "schedule"))
            if not skipped:
                open_runs[key] = len(found)
            found.append(
                JobResult(
                    name=event["job"],
                    node=event["node"],
                    phase=event.get("phase"),
                    trigger=key[2],
                    scheduled_for=_at(event.get("scheduled_for")),
                    command=event.get("command"),
                    status="skipped" if skipped else "running",
                    started_at=datetime.fromisoformat(event["at"]),
                    finished_at=None,
                    duration_s=None,
                    timeout_s=event.get("timeout_s"),
                    exit_code=None,
                    output=event.get("reason", ""),
                    attempt=attempt,
                )
            )
        elif kind == "job.finished":
            index = open_runs.pop((attempt, event["job"], event.get("trigger", "schedule")), None)
            if index is not None:
                found[index] = found[index].model_copy(
                    update={
                        "status": event["status"],
                        "finished_at": datetime.fromisoformat(event["at"]),
                        "duration_s": event.get("duration_s"),
                        "exit_code": event.get("exit_code"),
                        "output": event.get("output", ""),
                    }
                )
    return [run.model_copy(update={"faults_active": _active(run, faults)}) for run in found]


def _active(run: JobResult, faults: list[FaultResult]) -> list[str]:
    """Faults injected before the job ended and not reverted before it began."""
    end = run.started_at if run.status == "skipped" else run.finished_at
    return [
        f"{fault.id} {fault.type} on {', '.join(fault.targets)}"
        for fault in faults
        if fault.injected_at is not None
        and (end is None or fault.injected_at <= end)
        and (fault.reverted_at is None or fault.reverted_at >= run.started_at)
    ]


def job_findings(runs: list[JobResult]) -> list[Finding]:
    """One finding a job run that failed, timed out or could not start (ids J1, J2, ...)."""
    findings = FindingMaker("J")
    for run in runs:
        if run.status in ("failed", "timed out", "skipped"):
            _finding(findings, run)
    return findings.made


def _finding(findings: FindingMaker, run: JobResult) -> None:
    where = f"in phase {run.phase!r}" if run.phase else "between phases"
    how = "by its schedule" if run.trigger == "schedule" else "by the scenario"
    if run.scheduled_for is not None:
        how += f" (due {run.scheduled_for:%Y-%m-%d %H:%M} customer time)"
    under = (
        f"Faults active: {'; '.join(run.faults_active)}."
        if run.faults_active
        else "No fault was active: it fails in normal operation too."
    )
    if run.status == "skipped":
        findings.add(
            severity="medium",
            category="capacity",
            title=f"Batch job {run.name} overran its schedule on {run.node}",
            detail=f"Job {run.name} came due {where} while its previous run was still going, "
            f"so it was not started again. {under}",
            phase=run.phase,
            recommendation="Make the job faster, space its schedule out, or make sure a slow "
            "run cannot pile up behind another.",
            about={"job": run.name, "node": run.node, "outcome": "overran"},
        )
        return
    took = format_duration(run.duration_s or 0.0)
    if run.status == "timed out":
        title = f"Batch job {run.name} did not finish in time on {run.node}"
        result = f"was stopped at its limit of {format_duration(run.timeout_s or 0.0)}"
        category = "capacity"
    else:
        title = f"Batch job {run.name} failed on {run.node}"
        result = f"exited {run.exit_code} after {took}"
        category = "configuration"
    fix = (
        "Make the job survive this fault (retry, wait for what it needs, alert when it "
        "fails), or plan the cutover so that it does not run while the fault can happen."
        if run.faults_active
        else "Fix the job's command or what it needs on the node: it fails with nothing broken."
    )
    findings.add(
        severity="high",
        category=category,
        title=title,
        detail=f"Job {run.name} was started {how} {where}: `{run.command}` on {run.node} "
        f"{result}. {under} Output: {run.output.strip()[-500:] or '(none)'}",
        phase=run.phase,
        recommendation=fix,
        about={"job": run.name, "node": run.node, "outcome": run.status},
    )
