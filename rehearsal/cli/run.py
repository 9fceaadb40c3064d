"""`rehearsal run`: the plan loaded and admitted here, once, before Prefect is imported; the
run itself is the Prefect flow, whose Results are summed up on the terminal."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from rehearsal.cli.console import Reporter, err, out, say_plainly
from rehearsal.cli.options import DEFAULT_OUT, Locale, OutDir

if TYPE_CHECKING:
    from rehearsal.results.model import Results

EXIT_CODES = {"passed": 0, "failed": 1, "stopped": 1}
"""A run's status as the exit code; any other status (error, cancelled…) exits 3."""


def run(
    scenario: Annotated[Path, typer.Argument(help="the scenario YAML")],
    profile: Annotated[Path | None, typer.Option(help="use this profile instead")] = None,
    out_dir: OutDir = DEFAULT_OUT,
    keep: Annotated[bool, typer.Option(help="leave the environment up afterwards")] = False,
    answers: Annotated[
        Path | None, typer.Option(help="answers for manual steps and observations (YAML)")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="seed for random choices (replays a run)")
    ] = None,
    people: Annotated[
        str | None,
        typer.Option(
            help="who answers manual steps the answers file does not: 'terminal', 'ui' "
            "(pause the flow run for the Prefect UI) or 'none' (default: terminal when "
            "there is one)"
        ),
    ] = None,
    locale: Locale = None,
    dry_run: Annotated[
        bool, typer.Option(help="validate, resolve fault targets, print the plan; change nothing")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="run even outside the profile's calendar.lab_windows")
    ] = False,
    fresh: Annotated[
        bool,
        typer.Option(help="converge every node with Ansible; use and make no converged snapshots"),
    ] = False,
) -> None:
    """Build the mirror, run the scenario, tear down, and write the findings report.

    Exit 0: every criterion met; 1: findings or failed criteria; 2: bad input; 3: the run
    itself broke (environment, Docker, interrupted).
    """
    from rehearsal import load_plan
    from rehearsal.report.wording import load_wording

    if people not in (None, "terminal", "ui", "none"):
        err.print(f"--people {people!r}: choose terminal, ui or none", highlight=False)
        raise typer.Exit(2)
    plan = load_plan(scenario, profile, answers)
    load_wording(locale or "en")
    if dry_run:
        from rehearsal.scenarios.dryrun import dry_run as describe_plan

        for line in describe_plan(plan, seed):
            out.print(line, markup=False, highlight=False)
        return
    from rehearsal.envs.docker import docker_client
    from rehearsal.flows.adapters import install
    from rehearsal.runs.admission import admit

    install()
    admitted = admit(plan, force)
    if admitted.forced:
        say_plainly(admitted.forced)
    docker_client()
    _terminate_as_interrupt()
    from rehearsal.flows.launch import Handover, Launch, head_start, rehearsal_run
    from rehearsal.flows.temporary_server import start_temporary_server
    from rehearsal.runs.session import new_run_id

    run_id = new_run_id(scenario)
    asker = people or ("terminal" if sys.stdin.isatty() else "none")
    reporter = Reporter(spinner=asker != "terminal")
    err.print(f"run [bold]{run_id}[/bold]", highlight=False)
    launch = Launch(
        str(scenario.resolve()),
        str(profile.resolve()) if profile else None,
        str(out_dir.resolve()),
        keep,
        run_id,
        seed,
        str(answers.resolve()) if answers else None,
        asker,
        locale=locale or "en",
        fresh=fresh,
    )
    with reporter.status:
        # The run's start and images are made while Prefect's server gets ready to answer.
        answering = start_temporary_server()
        ahead = head_start(launch, admitted, reporter)
        try:
            if answering is not None:
                answering()
            results = rehearsal_run(
                launch.scenario,
                launch.profile,
                launch.out_dir,
                keep,
                run_id,
                Handover(admitted, reporter, ahead),
                seed=seed,
                answers=launch.answers,
                people=asker,
                locale=launch.locale,
                fresh=fresh,
            )
        except BaseException as error:
            if ahead is None or ahead.executing:
                raise
            abandoned = ahead.abandon(error)
            if abandoned is None or not isinstance(error, KeyboardInterrupt):
                raise
            results = abandoned  # interrupted before the flow ran: told like any cancel
    _summarise(results, out_dir.resolve() / run_id, keep)


def _terminate_as_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C, so faults are reverted and the mirror torn down."""

    def handler(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _summarise(results: Results, run_dir: Path, kept: bool) -> NoReturn:
    metrics = results.metrics
    colour = {"passed": "green", "failed": "red"}.get(results.status, "yellow")
    out.print(f"[bold {colour}]{results.status.upper()}[/] {results.title}")
    if metrics.time_to_detect_s is not None:
        out.print(f"  time to detect  {metrics.time_to_detect_s:.1f} s")
    if metrics.time_to_recover_s is not None:
        out.print(
            f"  time to recover {metrics.time_to_recover_s:.1f} s (RTO {metrics.rto_s:.0f} s)"
        )
    if results.reproduced is not None:
        out.print(
            f"  reproduced in {results.reproduction_rate:.0%} of "
            f"{results.attempts} attempt(s): {results.symptom}",
            markup=False,
        )
    for finding in results.findings:
        out.print(f"  [{finding.severity}] {finding.title}", markup=False)
    if results.error:
        out.print(f"  error: {results.error}", markup=False)
    out.print(f"report: {run_dir / 'report.html'}", highlight=False)
    if kept:
        out.print(
            f"environment kept: enter a node with `docker exec -it "
            f"rh-{results.run_id.rsplit('-', 1)[-1]}-NODE bash`; remove it with "
            f"`rehearsal env down {results.run_id}`",
            markup=False,
        )
    raise typer.Exit(EXIT_CODES.get(results.status, 3))
