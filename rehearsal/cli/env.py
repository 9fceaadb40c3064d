"""`rehearsal env` (customer mirrors built, checked, listed and removed by hand) and
`rehearsal gc` (what dead runs left behind)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rehearsal.cli.console import Reporter, err, out
from rehearsal.cli.options import DEFAULT_OUT, OutDir, run_folder

env_app = typer.Typer(help="Build, list and remove customer mirrors by hand.", no_args_is_help=True)


@env_app.command("up")
def env_up(
    profile: Annotated[Path, typer.Argument(help="the customer profile")],
    out_dir: OutDir = DEFAULT_OUT,
    fresh: Annotated[
        bool,
        typer.Option(help="converge with Ansible; use and make no converged snapshots"),
    ] = False,
) -> None:
    """Build a customer mirror and leave it running."""
    from rehearsal.models.loading import load_profile

    loaded = load_profile(profile)
    from rehearsal.flows.adapters import install
    from rehearsal.runs.standalone import bring_up

    install()
    reporter = Reporter()
    with reporter.status:
        run_id, addresses = bring_up(loaded, profile, out_dir, reporter, fresh)
    out.print(f"environment {run_id} is up:", highlight=False)
    for node, address in addresses.items():
        out.print(f"  {node:12} {address}", highlight=False)
    from rehearsal.envs.routes import engine_route

    engine = engine_route().engine
    if engine != "local":
        out.print(f"(addresses on the engine's networks: {engine})", highlight=False)
    out.print(f"remove it with `rehearsal env down {run_id}`", highlight=False)


@env_app.command("check")
def env_check(
    run: Annotated[str, typer.Argument(help="a run id (see env ls), or a run folder")],
    out_dir: OutDir = DEFAULT_OUT,
) -> None:
    """Check a kept mirror against its profile: package versions, parameters read back from
    the running products, networks, CPU and memory limits. Exit 1 when something differs."""
    from rich.table import Table

    from rehearsal.envs.docker import docker_client
    from rehearsal.runs.standalone import check_kept

    run_dir = run_folder(run, out_dir)
    facts = check_kept(docker_client(), run_dir.resolve())
    table = Table("node", "what", "name", "profile", "mirror", "matches")
    for fact in facts:
        verdict = "yes" if fact.matches else "[bold red]NO[/]"
        table.add_row(fact.node, fact.aspect, fact.name, fact.expected, fact.actual, verdict)
    out.print(table)
    differing = sum(not fact.matches for fact in facts)
    out.print(f"{len(facts) - differing} of {len(facts)} facts match", highlight=False)
    if differing:
        raise typer.Exit(1)


@env_app.command("down")
def env_down(run_id: Annotated[str, typer.Argument(help="the run id (see env ls)")]) -> None:
    """Remove every container, network and volume of a run, its side-by-side attempts' too."""
    from rehearsal.envs.docker import docker_client, remove_with_attempts

    removed = remove_with_attempts(docker_client(), run_id)
    if not removed:
        err.print(
            f"nothing is labelled rehearsal.run={run_id}; see `rehearsal env ls`", highlight=False
        )
        raise typer.Exit(2)
    out.print(f"removed {removed} resource(s) of {run_id}", highlight=False)


@env_app.command("ls")
def env_ls() -> None:
    """List environments on this Docker engine, with their owner and whether it is alive."""
    from rich.table import Table

    from rehearsal.envs import labels as L
    from rehearsal.envs.docker import docker_client, labelled_runs

    runs = labelled_runs(docker_client())
    table = Table("run", "owner", "kept", "folder")
    for run_id, found in sorted(runs.items()):
        owner = "running" if L.owner_alive(found) else "gone"
        table.add_row(run_id, owner, found.get(L.KEEP, ""), found.get(L.RUN_DIR, ""))
    out.print(table)


def gc(
    include_kept: Annotated[
        bool, typer.Option(help="also remove environments kept with --keep")
    ] = False,
) -> None:
    """Remove every Docker resource and data volume left by runs whose process is gone."""
    from rehearsal.runs.gc import collect

    removed = collect(include_kept, lambda run_id: out.print(f"removed {run_id}", highlight=False))
    out.print(f"{removed} resource(s) removed", highlight=False)
