"""The Prefect face of a run: the same sequence as the CLI, with each part a task.

Without a configured server Prefect starts a temporary local one, so a CLI run is a flow
run either way and shows up in the UI whenever a server is configured.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect gives its temporary server 20 s to answer; on a busy 2-core machine it needs more,
# and a CLI run would then fail before building anything (seen with three runs at once).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from rehearsal.models.loading import load_plan
from rehearsal.session import RunOptions, RunSession, execute


def _as_task(name: str, action: Callable[[], Any]) -> Any:
    as_task = task(name=name, task_run_name=name, cache_policy=NO_CACHE, persist_result=False)
    return as_task(action)()


@flow(
    name="rehearsal-run", flow_run_name="{run_id}", persist_result=False, validate_parameters=False
)
def rehearsal_run(
    scenario: str,
    profile: str | None,
    out_dir: str,
    keep: bool,
    run_id: str,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build the mirror, run the scenario, tear down and report."""
    logger = get_run_logger()

    def say(message: str) -> None:
        logger.info(message)
        if progress is not None:
            progress(message)

    plan = load_plan(Path(scenario), Path(profile) if profile else None)
    session = RunSession(plan, RunOptions(Path(out_dir), keep), say, run_id=run_id)
    results = execute(session, _as_task)
    report = session.run_dir / "report.html"
    create_link_artifact(
        key="findings-report", link=report.as_uri(), link_text=f"Findings report for {run_id}"
    )
    create_markdown_artifact(
        key="findings-summary", markdown=(session.run_dir / "report.md").read_text()
    )
    return {"run_id": results.run_id, "status": results.status, "run_dir": str(session.run_dir)}
