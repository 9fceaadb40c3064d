"""A run in this process without Prefect: what ``rehearsal.run`` does for a Python caller.

The same admission, session and sequence as the CLI's flow, minus what only Prefect gives
(tasks, artifacts, the UI's cancel button, lab-host slots held across machines).
"""

from __future__ import annotations

from rehearsal.envs.docker import docker_client
from rehearsal.results.model import Results
from rehearsal.runs.admission import Admitted, admit
from rehearsal.runs.live import registered
from rehearsal.runs.session import Progress, RunOptions, RunSession, execute
from rehearsal.scenarios.planning import Plan


def run(
    plan: Plan,
    options: RunOptions,
    progress: Progress = lambda _message: None,
    run_id: str | None = None,
    force: bool = False,
) -> Results:
    """Admit the plan, build the mirror, run the scenario, tear down and write the reports.

    Raises RunRefused (the run may not start) or DockerUnavailable before anything is
    made; once the run has a folder, whatever happens is in the Results it returns.
    """
    admitted = admit(plan, force)
    if admitted.forced:
        progress(admitted.forced)
    docker_client()
    return run_admitted(admitted, options, progress, run_id)


def run_admitted(
    admitted: Admitted,
    options: RunOptions,
    progress: Progress = lambda _message: None,
    run_id: str | None = None,
) -> Results:
    """The run of a plan already admitted, once Docker answered (what the CLI checks first,
    so a refusal or an unreachable engine is said before the run has an id)."""
    session = RunSession(admitted.plan, options, progress, run_id)
    lab_hosts = admitted.plan.profile.lab_hosts()
    with registered(session.run_id, session.run_dir, options.keep, None, lab_hosts):
        return execute(session)
