"""`rehearsal serve`: the deployments the Prefect UI launches, and the scheduled drills.

The launch deployment's form lists the scenarios found under the scenarios folder (an
enum in its parameter schema, so the UI shows a choice, not a free text field), each named by
customer and title, and asks only what a support engineer decides (see launch_form). Each drill
of a drills file becomes its own deployment with its schedule and fixed parameters; its
runs are unattended (answers file only), and runs after its end date do nothing. Each drift
check of the file becomes a deployment of the drift flow (``profile diff`` on a schedule).

With ``--pool`` the same deployments go to a Prefect work pool instead of being served by
this process: every worker of the pool (``prefect worker start --pool NAME``, one a Docker
host) takes runs from it, so drills run in parallel across machines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rehearsal.flows.launch_form import scenario_choices, shape_form
from rehearsal.models.calendar import Calendar
from rehearsal.models.drills import DriftCheck, Drill, ended
from rehearsal.scenarios.drill_windows import now_utc, schedule_warnings, window_crons
from rehearsal.scenarios.planning import drill_calendar, load_drift_checks, load_drills

LAUNCH = "launch"
EMERGENCY_STOP = "emergency-stop"


LAUNCH_DESCRIPTION = (
    "Rehearse a failure on a working copy of a customer's system. Pick a scenario: the run "
    "builds the copy from the customer's profile, breaks it the way the scenario says, lets "
    "the operators follow the customer's runbook (a manual step pauses the run and asks here, "
    "in the UI), reverts every fault, tears the copy down and writes a findings report: what "
    "happened, how long the business would have been down against its targets, and what to "
    "change. The report and its summary are the run's artifacts; cancelling the run still "
    "reverts the faults and writes the report."
)


def serve_warnings(drills: list[Drill], scenarios: Path) -> list[str]:
    """Drills whose schedule starts runs outside the customer's maintenance windows."""
    now = now_utc()
    return [
        line
        for drill in drills
        for line in schedule_warnings(drill, drill_calendar(drill, scenarios), now)
    ]


def build_deployments(
    scenarios: Path,
    reports: Path,
    drills: list[Drill],
    pooled: bool = False,
    drift_checks: Sequence[DriftCheck] = (),
) -> list[Any]:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.types.entrypoint import EntrypointType

    from rehearsal.flows.drift_check import rehearsal_drift
    from rehearsal.flows.launch import emergency_stop, rehearsal_launch

    choices = scenario_choices(scenarios)
    labels = {path: choice for choice, path in choices.items()}
    common = {"scenarios_dir": str(scenarios.resolve()), "reports_dir": str(reports.resolve())}
    # A worker imports the flow from the installed package, not from this checkout's files.
    entrypoint = EntrypointType.MODULE_PATH if pooled else EntrypointType.FILE_PATH
    launch = rehearsal_launch.to_deployment(
        name=LAUNCH,
        parameters=common,
        description=LAUNCH_DESCRIPTION,
        tags=["rehearsal"],
        entrypoint_type=entrypoint,
    )
    assert isinstance(launch, RunnerDeployment), "built outside an event loop"
    # Prefect marks its own fixed choices the same way (frozen parameters become an enum).
    shape_form(rehearsal_launch.fn, launch._parameter_openapi_schema, list(choices))
    stop = emergency_stop.to_deployment(
        name=EMERGENCY_STOP,
        description="EMERGENCY STOP: halt every rehearsal (here and on the pool's workers), "
        "revert every fault, refuse new runs until `rehearsal stop --lift`. Say why.",
        tags=["rehearsal", "emergency-stop"],
        entrypoint_type=entrypoint,
    )
    assert isinstance(stop, RunnerDeployment), "built outside an event loop"
    shape_form(emergency_stop.fn, stop._parameter_openapi_schema)
    deployments: list[Any] = [launch, stop]
    for drill in drills:
        calendar = drill_calendar(drill, scenarios)
        bound = {
            "scenario": drill.scenario,
            "profile": drill.profile,
            "answers": drill.answers,
            "people": "none",
            "until": drill.until.isoformat() if drill.until else None,
            "timezone": drill_timezone(drill, calendar),
        }
        scheduled = rehearsal_launch.to_deployment(
            name=drill.name,
            # None is the flow's default: left out, the drill's form shows the field empty.
            parameters={**common, **{k: v for k, v in bound.items() if v is not None}},
            schedules=_schedules(drill, calendar),
            description="Scheduled drill, unattended (answers file only): "
            f"{labels.get(drill.scenario, drill.scenario)}",
            tags=["rehearsal", "scheduled-drill"],
            entrypoint_type=entrypoint,
        )
        assert isinstance(scheduled, RunnerDeployment), "built outside an event loop"
        shape_form(rehearsal_launch.fn, scheduled._parameter_openapi_schema)
        deployments.append(scheduled)
    for check in drift_checks:
        checking = rehearsal_drift.to_deployment(
            name=check.name,
            parameters=drift_parameters(check, scenarios),
            schedules=[_schedule(check)],
            description=f"Scheduled drift check: the servers against {check.profile}; fails "
            "on a difference (the table is the run's artifact)",
            tags=["rehearsal", "drift-check"],
            entrypoint_type=entrypoint,
        )
        assert isinstance(checking, RunnerDeployment), "built outside an event loop"
        deployments.append(checking)
    return deployments


def drift_parameters(check: DriftCheck, scenarios: Path) -> dict[str, Any]:
    """The drift flow's parameters, its files absolute (a worker runs elsewhere)."""

    def under(value: str | None) -> str | None:
        return str((scenarios / value).resolve()) if value is not None else None

    bound = {
        "profile": under(check.profile),
        "hosts": check.hosts,
        "inventory": under(check.inventory),
        "key": under(check.key),
        "known_hosts": check.known_hosts,
        "host_keys": check.host_keys,
        "check": check.name,
    }
    return {name: value for name, value in bound.items() if value is not None}


def _schedule(check: DriftCheck) -> Any:
    from prefect.schedules import Cron, RRule

    if check.rrule is not None:
        return RRule(check.rrule, timezone=check.timezone)
    assert check.cron is not None, "a drift check without a schedule is refused when loaded"
    return Cron(check.cron, timezone=check.timezone)


def drill_timezone(drill: Drill, calendar: Calendar | None) -> str:
    """The clock a drill runs on, which its ``until`` is read in: its own ``timezone``, or
    the calendar's when it runs as the maintenance windows open."""
    if drill.cron is not None or drill.rrule is not None or calendar is None:
        return drill.timezone
    return calendar.timezone


def _schedules(drill: Drill, calendar: Calendar | None) -> list[Any]:
    from prefect.schedules import Cron, RRule

    active = not ended(drill.until, drill_timezone(drill, calendar), now_utc())
    if drill.rrule is not None:
        rule = drill.rrule
        if drill.until is not None and "UNTIL=" not in rule.upper():
            rule += f";UNTIL={drill.until.strftime('%Y%m%d')}T235959"
        return [RRule(rule, timezone=drill.timezone, active=active)]
    if drill.cron is not None or calendar is None:
        assert drill.cron is not None, "load_drills refuses a drill with no schedule"
        return [Cron(drill.cron, timezone=drill.timezone, active=active)]
    return [Cron(c, timezone=calendar.timezone, active=active) for c in window_crons(calendar)]


def serve(scenarios: Path, reports: Path, drills_file: Path | None, limit: int | None) -> None:
    from prefect import serve as prefect_serve

    drills = load_drills(drills_file, scenarios) if drills_file else []
    checks = load_drift_checks(drills_file, scenarios) if drills_file else []
    reports.mkdir(parents=True, exist_ok=True)
    prefect_serve(*build_deployments(scenarios, reports, drills, drift_checks=checks), limit=limit)


def deploy_to_pool(scenarios: Path, reports: Path, drills_file: Path | None, pool: str) -> None:
    """Register the deployments on ``pool`` (a process work pool, made if missing)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import deploy
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    drills = load_drills(drills_file, scenarios) if drills_file else []
    reports.mkdir(parents=True, exist_ok=True)
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                WorkPoolCreate(name=pool, type="process", base_job_template=template)
            )
    checks = load_drift_checks(drills_file, scenarios) if drills_file else []
    deployments = build_deployments(scenarios, reports, drills, pooled=True, drift_checks=checks)
    deploy(
        *deployments,
        work_pool_name=pool,
        build=False,
        push=False,
        print_next_steps_message=False,
        ignore_warnings=True,
    )
