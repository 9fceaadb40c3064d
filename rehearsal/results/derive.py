"""Results as a pure function of the journal: the same events always give the same results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rehearsal.journal.events import Event
from rehearsal.models.durations import format_duration
from rehearsal.results import activity, response
from rehearsal.results.attempt_order import by_attempt
from rehearsal.results.findings import FindingMaker, apply_lifecycle, fidelity_findings, recorded
from rehearsal.results.jobs import job_findings, jobs
from rehearsal.results.model import (
    Criterion,
    FaultResult,
    FidelityFact,
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


def _at(event: Event) -> datetime:
    return datetime.fromisoformat(event["at"])


def _seconds(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)


def derive_results(events: list[Event]) -> Results:
    events = by_attempt(events)
    started = next((e for e in events if e["event"] == "run.started"), None)
    if started is None:
        raise ValueError("the journal has no run.started event; it is not a rehearsal journal")
    finished = next((e for e in reversed(events) if e["event"] == "run.finished"), None)
    probes = _probe_histories(events)
    faults = _faults(events)
    # The run-wide figures are the first attempt's (a parallel one's events are tagged).
    reverting = [
        _at(e) for e in events if e["event"] == "fault.reverting" and e.get("attempt", 1) == 1
    ]
    first_revert = min(reverting) if reverting else None
    first_began = response.fault_began([e for e in events if e.get("attempt", 1) == 1])
    metrics = _metrics(started, probes, first_began, first_revert)
    fired = response.alerts(events)
    per_phase = response.phase_responses(events, fired, probes, started.get("measured_probe"))
    chain = response.escalation(events)
    clock = response.run_clock(events)
    people_findings = response.response_findings(
        started, events, fired, chain, per_phase, probes, clock
    )
    fidelity = _fidelity(events)
    ran = jobs(events, faults)
    services = _services(started, probes)
    findings = apply_lifecycle(
        recorded(events)
        + _metric_findings(metrics)
        + _sla_findings(started, services)
        + people_findings
        + job_findings(ran)
        + fidelity_findings(fidelity),
        events,
    )
    criteria = _criteria(started, metrics)
    status = _status(finished, criteria, findings)
    asked = activity.questions(events)
    people_s, stand_ins_s = activity.waits((q.waited_s, q.source) for q in asked)
    return Results(
        run_id=started["run_id"],
        kind=started["kind"],
        status=status,
        title=started["title"],
        purpose=started.get("purpose"),
        customer=started["customer"],
        account_manager=started.get("account_manager"),
        started_at=_at(started),
        finished_at=_at(finished) if finished else (_at(events[-1]) if events else None),
        profile=started["profile"],
        scenario=started["scenario"],
        team=started["team"],
        environment=_environment(events),
        fidelity=fidelity,
        phases=_phases(events, activity.symptom_by_phase(events)),
        faults=faults,
        metrics=metrics,
        criteria=criteria,
        findings=findings,
        services=services,
        probes=probes,
        loads=activity.loads(events),
        jobs=ran,
        questions=asked,
        waiting_for_people_s=people_s,
        waiting_for_stand_ins_s=stand_ins_s,
        alerts=fired,
        escalation=chain,
        response=per_phase,
        responders=response.people(per_phase, chain, asked),
        calendar=response.calendar_note(started, services, clock),
        clock=clock,
        seed=started.get("seed"),
        notes=started.get("notes") or "",
        error=finished.get("error") if finished else "the run stopped before it finished",
        **_reproduction(started, events),
    )


def _reproduction(started: Event, events: list[Event]) -> dict[str, Any]:
    if started["kind"] != "reproduction":
        return {}
    tries = activity.attempts(events)
    reproduced = sum(attempt.reproduced for attempt in tries)
    return {
        "symptom": started.get("symptom"),
        "reproduced": reproduced > 0,
        "attempts": len(tries),
        "reproduction_rate": round(reproduced / len(tries), 3) if tries else 0.0,
        "attempt_results": tries,
    }


def _status(finished: Event | None, criteria: list[Criterion], findings: list[Finding]) -> Any:
    if finished is None:
        return "incomplete"
    if finished.get("outcome") in ("error", "cancelled", "stopped"):
        return finished["outcome"]
    serious = any(f.severity in ("critical", "high") for f in findings)
    return "failed" if serious or not all(c.met for c in criteria) else "passed"


def _environment(events: list[Event]) -> dict[str, str]:
    found: dict[str, str] = {}
    for event in events:
        if event["event"] == "environment.ready":
            found.update({str(k): str(v) for k, v in event.get("facts", {}).items()})
        elif event["event"] == "mirror.source":
            found["mirror"] = _mirror_source(event)
        elif event["event"] == "snapshot.saved":
            saved = event.get("error") is None
            found["snapshot"] = (
                f"saved {event.get('key', '-')} in {event.get('seconds', '-')} s"
                if saved
                else f"not saved: {event['error']}"
            )
    return found


def _mirror_source(event: Event) -> str:
    """How the mirror got its configuration; a later attempt's line replaces an earlier's."""
    key = event.get("key") or "-"
    if event["source"] == "snapshot":
        return f"restored from converged snapshots (key {key}); Ansible skipped"
    return f"converged with Ansible (key {key}): {event.get('reason') or '-'}"


def _phases(events: list[Event], symptoms: dict[tuple[int, str], bool]) -> list[PhaseResult]:
    phases: list[PhaseResult] = []
    for event in events:
        kind = event["event"]
        if kind == "phase.started":
            phases.append(
                PhaseResult(
                    attempt=event.get("attempt", 1),
                    symptom_present=symptoms.get((event.get("attempt", 1), event["phase"])),
                    name=event["phase"],
                    operator=event["operator"],
                    analyst=event["analyst"],
                    status="running",
                    started_at=_at(event),
                    finished_at=None,
                    steps=[],
                )
            )
        elif not phases:
            continue
        elif kind == "phase.finished":
            phases[-1] = phases[-1].model_copy(
                update={"status": event["status"], "finished_at": _at(event)}
            )
        elif kind == "step.started":
            phases[-1].steps.append(
                StepResult(
                    index=event["index"],
                    type=event["type"],
                    label=event["label"],
                    status="running",
                    started_at=_at(event),
                    finished_at=None,
                    duration_s=None,
                    budget_s=None,
                    detail="",
                    done_by="tool",
                )
            )
        elif kind in ("runbook.started", "action.command") and phases[-1].steps:
            phases[-1].steps[-1].done_by = f"tool (automated; assigned to {phases[-1].operator})"
        elif (
            kind in ("question.answered", "question.unanswered")
            and phases[-1].steps
            and phases[-1].steps[-1].type in ("action", "observe")
            and not str(event.get("id", "")).startswith("ack.")  # a page, not this step
        ):
            answered = kind == "question.answered" and event.get("outcome") != "not done"
            phases[-1].steps[-1].done_by = (
                activity.answered_by(activity.answer_source(event), event["person"])
                if answered
                else f"nobody ({event['person']} was asked)"
            )
        elif kind == "step.finished" and phases[-1].steps:
            step = phases[-1].steps[-1]
            phases[-1].steps[-1] = step.model_copy(
                update={
                    "status": event["status"],
                    "finished_at": _at(event),
                    "duration_s": _seconds(step.started_at, _at(event)),
                    "budget_s": event.get("budget_s"),
                    "detail": event.get("detail", ""),
                }
            )
        elif kind in ("runbook.step.started", "runbook.step.skipped") and phases[-1].steps:
            phases[-1].steps[-1].runbook_steps.append(
                RunbookStepResult(
                    index=event["index"],
                    say=event["say"],
                    node=event.get("node"),
                    command=event.get("command"),
                    status="running" if kind.endswith("started") else "skipped",
                    started_at=_at(event),
                    finished_at=None,
                    duration_s=None,
                    budget_s=event.get("budget_s"),
                    exit_code=None,
                    output="",
                )
            )
        elif kind == "runbook.step.finished" and phases[-1].steps:
            runbook_steps = phases[-1].steps[-1].runbook_steps
            if runbook_steps:
                runbook_steps[-1] = runbook_steps[-1].model_copy(
                    update={
                        "status": event["status"],
                        "finished_at": _at(event),
                        "duration_s": event.get("duration_s"),
                        "exit_code": event.get("exit_code"),
                        "output": event.get("output", ""),
                    }
                )
    return phases


def _faults(events: list[Event]) -> list[FaultResult]:
    faults: dict[str, FaultResult] = {}
    for event in events:
        kind = event["event"]
        if kind == "fault.injecting":
            faults[event["fault"]] = FaultResult(
                id=event["fault"],
                type=event["type"],
                targets=event["targets"],
                phase=event["phase"],
                injected_at=None,
                reverted_at=None,
                revert_status="not reverted",
            )
        elif kind == "fault.injected" and event["fault"] in faults:
            faults[event["fault"]] = faults[event["fault"]].model_copy(
                update={"injected_at": _at(event)}
            )
        elif kind == "fault.reverted" and event["fault"] in faults:
            faults[event["fault"]] = faults[event["fault"]].model_copy(
                update={"reverted_at": _at(event), "revert_status": event["status"]}
            )
    return list(faults.values())


def _probe_histories(events: list[Event]) -> list[ProbeHistory]:
    """Each probe's samples; a parallel reproduction's attempts (whose samples are tagged)
    each have their own history, since their mirrors were up at the same time."""
    samples: dict[tuple[int | None, str], list[ProbeSample]] = {}
    for event in events:
        if event["event"] == "probe.sample":
            samples.setdefault((event.get("attempt"), event["probe"]), []).append(
                ProbeSample(
                    at=_at(event),
                    ok=event["ok"],
                    latency_s=event.get("latency_s", 0.0),
                    detail=event.get("detail", ""),
                )
            )
    return [
        ProbeHistory(name=name, samples=found, attempt=attempt)
        for (attempt, name), found in samples.items()
    ]


def _outage(
    history: ProbeHistory | None, since: datetime, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """When the first failing sample after ``since`` (and before ``until``) was taken, and
    the first passing one after it.

    A sample is timed from when it started (its journal time less its latency): a check that
    fails by timing out saw the outage when it began, not when it gave up, so detection is
    accurate to the probe interval whatever the probe's timeout. A recovery seen only after
    the tool reverted the fault (``until``) is the tool's doing, not the operators', so it
    does not count; nor does a failure first seen after it, which the fault did not cause
    (the next attempt's mirror settling, say).
    """
    down = response.first_sample(history, False, since, until)
    if down is None:
        return None, None
    return down, response.first_sample(history, True, down, until)


def _metrics(
    started: Event,
    probes: list[ProbeHistory],
    first: datetime | None,
    first_revert: datetime | None,
) -> Metrics:
    measured = started.get("measured_probe")
    rto = started.get("rto_s")
    history = next((p for p in probes if p.name == measured), None)
    if first is None:
        return Metrics(
            measured_probe=measured,
            time_to_detect_s=None,
            time_to_recover_s=None,
            outage_s=None,
            rto_s=rto,
            within_rto=None,
        )
    down, up = _outage(history, first, first_revert)
    recover = _seconds(first, up) if up else None
    return Metrics(
        measured_probe=measured,
        time_to_detect_s=_seconds(first, down) if down else None,
        time_to_recover_s=recover,
        outage_s=_seconds(down, up) if down and up else None,
        rto_s=rto,
        within_rto=(recover <= rto) if recover is not None and rto is not None else None,
    )


def _fidelity(events: list[Event]) -> list[FidelityFact]:
    checks = [e for e in events if e["event"] == "fidelity.checked"]
    if not checks:
        return []
    facts = []
    for fact in checks[-1].get("facts", []):
        try:
            facts.append(FidelityFact.model_validate(fact))
        except ValueError:  # a damaged or older journal: keep what can be read
            continue
    return facts


def _metric_findings(metrics: Metrics) -> list[Finding]:
    findings = FindingMaker("M")
    if metrics.within_rto is False and metrics.time_to_recover_s and metrics.rto_s:
        findings.add(
            severity="high",
            category="procedure",
            title="Recovery took longer than the RTO",
            detail=f"The service came back after {format_duration(metrics.time_to_recover_s)}; "
            f"the RTO is {format_duration(metrics.rto_s)}.",
            phase=None,
            recommendation="Shorten the procedure or automate its slowest steps.",
            about={"measure": "time to recover", "target": "rto"},
        )
    return findings.made


def _criteria(started: Event, metrics: Metrics) -> list[Criterion]:
    criteria: list[Criterion] = []
    for criterion in started.get("criteria", []):
        limit = criterion["recover_within"]
        limit_s = metrics.rto_s if limit == "rto" else float(limit)
        name = f"recover within {'the RTO' if limit == 'rto' else format_duration(float(limit))}"
        took = metrics.time_to_recover_s
        if took is None or limit_s is None:
            criteria.append(Criterion(name=name, met=False, detail="recovery was not observed"))
            continue
        criteria.append(
            Criterion(
                name=name,
                met=took <= limit_s,
                detail=f"recovered after {format_duration(took)} "
                f"(limit {format_duration(limit_s)})",
            )
        )
    return criteria


MONTH_S = 30 * 86400


def _services(started: Event, probes: list[ProbeHistory]) -> list[ServiceImpact]:
    sla = started.get("sla_pct")
    allowance = round(MONTH_S * (100 - sla) / 100, 1) if sla is not None else None
    impacts = []
    for service in started.get("services", []):
        history = next((p for p in probes if p.name == service["probe"]), None)
        impacts.append(
            ServiceImpact(
                name=service["name"],
                impact=service["impact"],
                probe=service["probe"],
                downtime_s=_downtime(history) if history and history.samples else None,
                sla_allowance_s=allowance,
            )
        )
    return impacts


def _sla_findings(started: Event, services: list[ServiceImpact]) -> list[Finding]:
    """An outage that alone uses up the month's SLA allowance: one such incident a month
    breaks the contract, whatever the RTO says."""
    findings = FindingMaker("S")
    for service in services:
        down, allowed = service.downtime_s, service.sla_allowance_s
        if down is None or allowed is None or down <= allowed:
            continue
        findings.add(
            severity="high",
            category="capacity",
            title=f"One outage like this breaks the SLA for {service.name}",
            detail=f"{service.name} was down {format_duration(down)}; an "
            f"availability of {started['sla_pct']:g} % allows "
            f"{format_duration(allowed)} of downtime in a 30-day month.",
            phase=None,
            recommendation="Detect and recover faster (automate the slowest runbook steps), "
            "or agree an SLA the system can keep.",
            about={"service": service.name, "target": "sla"},
        )
    return findings.made


def _downtime(history: ProbeHistory) -> float:
    """Time from each failing sample to the next sample, summed, each timed from when it
    started (as the outage and time to detect are): a check that failed by timing out saw the
    service down when it began, not when it gave up."""
    started = [s.started for s in history.samples]
    total = 0.0
    for current, began, following in zip(history.samples, started, started[1:], strict=False):
        if not current.ok:
            total += (following - began).total_seconds()
    return round(total, 3)
