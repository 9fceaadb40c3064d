"""`rehearsal stop` and `rehearsal recover`: acting on runs from outside, while they are hung
or after they crashed, from what their journals say is still injected."""

from __future__ import annotations

from typing import Annotated

import typer

from rehearsal.cli.console import err, out
from rehearsal.cli.options import DEFAULT_OUT, OutDir, run_folder


def recover(
    run: Annotated[str, typer.Argument(help="a run id, or a run folder")],
    out_dir: OutDir = DEFAULT_OUT,
    force: Annotated[bool, typer.Option(help="even while the run's process is alive")] = False,
) -> None:
    """Revert every fault the run's journal says is still injected (after a crash or kill)."""
    from rehearsal.envs.docker import docker_client
    from rehearsal.runs.recovery import recover as recover_run

    run_dir = run_folder(run, out_dir)
    recovered = recover_run(docker_client(), run_dir.resolve(), force)
    for item in recovered:
        verdict = f"FAILED: {item.error}" if item.error else "reverted"
        out.print(f"{item.fault} {item.label}: {verdict}", markup=False, highlight=False)
    out.print(f"{len(recovered)} fault(s) were still injected", highlight=False)
    if any(item.error for item in recovered):
        raise typer.Exit(3)


def stop(
    run_id: Annotated[
        str | None, typer.Argument(help="stop this one run (see `rehearsal env ls`)")
    ] = None,
    all_runs: Annotated[
        bool,
        typer.Option(
            "--all",
            help="EMERGENCY STOP: every run here and on the pool's workers; refuse "
            "new runs until --lift",
        ),
    ] = False,
    lift: Annotated[bool, typer.Option(help="lift the emergency stop: runs may start again")] = (
        False
    ),
    why: Annotated[str, typer.Option(help="why: goes into every stopped run's journal")] = (
        "no reason given"
    ),
    by: Annotated[str | None, typer.Option(help="who stops (default: your user name)")] = None,
) -> None:
    """Stop runs now: freeze them, revert every fault from their journals (works when a run
    is hung), tear down (or keep, as each run said) and journal `emergency_stop`.

    `stop --all` also refuses every new run until `stop --lift`.
    """
    import getpass

    from rehearsal.flows.adapters import install
    from rehearsal.runs.live import Stop, lift_stop, raise_stop

    install()
    if sum([run_id is not None, all_runs, lift]) != 1:
        err.print("give one of: RUN_ID, --all or --lift", highlight=False)
        raise typer.Exit(2)
    who = by or getpass.getuser()
    if lift:
        lifted = lift_stop()
        out.print(f"lifted the {lifted.sentence()}; runs may start again", highlight=False)
        return
    from rehearsal.runs.emergency import stop_all, stop_run

    if all_runs:
        stopped = stop_all(raise_stop(who, why))
    else:
        from datetime import UTC, datetime

        assert run_id is not None
        now = datetime.now(UTC).isoformat(timespec="seconds")
        stopped = [stop_run(run_id, Stop(who, why, now))]
    for run in stopped:
        verdict = f"{len(run.reverted)} fault(s) reverted" if run.where == "here" else "cancelled"
        if run.failed:
            verdict += f", {len(run.failed)} FAILED to revert: {'; '.join(run.failed)}"
        if run.kept:
            verdict += ", environment kept"
        out.print(f"stopped {run.run_id} ({run.where}): {verdict}", markup=False, highlight=False)
    if all_runs:
        out.print(
            f"{len(stopped)} run(s) stopped; new runs are refused until `rehearsal stop --lift`",
            highlight=False,
        )
    if any(run.failed for run in stopped):
        raise typer.Exit(3)
