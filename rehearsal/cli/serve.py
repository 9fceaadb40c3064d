"""`rehearsal serve` and `rehearsal resume`: the Prefect side, where runs are launched from
the UI or on schedules, and paused runs answered."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from rehearsal.cli.console import out, say_plainly
from rehearsal.cli.options import DEFAULT_OUT, DEFAULT_SCENARIOS

SERVED_LOG_LEVELS = (
    "PREFECT_LOGGING_LEVEL",
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL",
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL",
)


def serve(
    scenarios: Annotated[
        Path, typer.Option(help="folder searched for scenarios the UI can launch")
    ] = DEFAULT_SCENARIOS,
    reports: Annotated[Path, typer.Option(help="folder for run folders")] = DEFAULT_OUT,
    drills: Annotated[
        Path | None, typer.Option(help="drills file: scheduled, unattended runs and drift checks")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="runs at once on this machine")] = None,
    pool: Annotated[
        str | None,
        typer.Option(
            help="put the deployments on this Prefect work pool (made if missing) and return; "
            "workers started with `prefect worker start --pool NAME` run them"
        ),
    ] = None,
) -> None:
    """Register and serve the Prefect deployments: a launch form, scheduled drills and drift
    checks.

    Needs a Prefect server (PREFECT_API_URL); runs until stopped, or with --pool registers
    the deployments for the pool's workers and returns.
    """
    # The runs' progress lines are the logs an operator reads in the UI (a CLI run keeps
    # its terminal quiet with WARNING instead). The run loggers are set by name as well: a
    # WARNING inherited from a parent that imported rehearsal's flows would keep every
    # progress line from the server.
    for level in SERVED_LOG_LEVELS:
        os.environ.setdefault(level, "INFO")
    from rehearsal.flows.deployments import serve_warnings
    from rehearsal.scenarios.planning import load_drills

    if drills is not None:
        for warning in serve_warnings(load_drills(drills, scenarios), scenarios):
            say_plainly(warning)
    if pool is not None:
        from rehearsal.flows.deployments import deploy_to_pool

        deploy_to_pool(scenarios, reports, drills, pool)
        out.print(
            f"deployments registered on work pool {pool}; start workers with "
            f"`prefect worker start --pool {pool}`",
            highlight=False,
        )
        return
    from rehearsal.flows.deployments import serve as serve_deployments

    serve_deployments(scenarios, reports, drills, limit)


def resume(
    run_id: Annotated[str, typer.Argument(help="the run id (the flow run's name)")],
    outcome: Annotated[str, typer.Option(help="done, failed or 'not done'")] = "done",
    notes: Annotated[str, typer.Option(help="what the person says")] = "",
    finding: Annotated[str, typer.Option(help="analysts: title of a finding to record")] = "",
    severity: Annotated[str, typer.Option(help="the finding's severity")] = "medium",
) -> None:
    """Answer a run paused for a person (a manual step or an observation) and continue it."""
    from rehearsal.flows.resume import resume_run

    resume_run(run_id, outcome, notes, finding, severity)
    out.print(f"{run_id} resumed", highlight=False)
