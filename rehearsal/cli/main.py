"""The ``rehearsal`` command. Heavy libraries (Prefect, Docker, Ansible) load only in the
commands that use them, so ``--help`` and ``validate`` answer at once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

# No pydantic plugins are used; skipping their entry-point scan keeps `validate` quick.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer
from rich.console import Console

from rehearsal.cli.reports import cases_app, compare, findings_app
from rehearsal.errors import RehearsalError

app = typer.Typer(
    name="rehearsal",
    help="Mirror a customer's system, break it on purpose, rehearse the runbook, and report "
    "what was found.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
env_app = typer.Typer(help="Build, list and remove customer mirrors by hand.", no_args_is_help=True)
images_app = typer.Typer(help="The node images.", no_args_is_help=True)
app.add_typer(env_app, name="env")
app.add_typer(images_app, name="images")
app.add_typer(findings_app, name="findings")
app.add_typer(cases_app, name="cases")
app.command()(compare)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DEFAULT_OUT = Path("reports")
DEFAULT_SCENARIOS = Path("examples")
Locale = Annotated[str | None, typer.Option(help="language of the customer-facing wording: en, ja")]


def _fail(error: RehearsalError) -> NoReturn:
    for line in str(error).splitlines() or [type(error).__name__]:
        err.print(line, markup=False, highlight=False)
    raise typer.Exit(error.exit_code)


class Reporter:
    """Prints top-level progress with elapsed time; details only move the spinner."""

    def __init__(self, spinner: bool = True) -> None:
        self.started = time.monotonic()
        self.status: Any = err.status("starting") if spinner else contextlib.nullcontext()

    def __call__(self, message: str) -> None:
        if message.startswith("  "):
            if hasattr(self.status, "update"):
                self.status.update(message.strip()[:100])
            return
        elapsed = time.monotonic() - self.started
        err.print(f"[dim]{elapsed:6.1f}s[/dim] {message}", highlight=False)
        if hasattr(self.status, "update"):
            self.status.update(message)


def _terminate_as_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C, so faults are reverted and the mirror torn down."""

    def handler(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


@app.command()
def validate(
    files: Annotated[
        list[Path], typer.Argument(help="profiles, scenarios, drills files and answers files")
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(help="check answers files against this scenario (else their 'scenario:')"),
    ] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            help="folder a drills file's paths are relative to (as for serve; default: the "
            "drills file's own folder)"
        ),
    ] = None,
) -> None:
    """Check profiles, scenarios, drills files and answers files (told apart by their
    shape); print FILE:LINE:COL: message for each problem (and each warning, which does not
    fail the check)."""
    raise typer.Exit(_validate(files, scenario, scenarios))


def _validate(
    files: list[Path], scenario: Path | None = None, scenarios: Path | None = None
) -> int:
    """Print one plain, never-wrapped line a problem (editors and CI parse them), then the
    warnings; the exit status."""
    from rehearsal.scenarios.planning import file_warnings, validate_file

    problems = list(
        dict.fromkeys(
            problem for path in files for problem in validate_file(path, scenario, scenarios)
        )
    )
    for problem in problems:
        print(problem)
    if problems:
        return 2
    for warning in (warning for path in files for warning in file_warnings(path, scenarios)):
        print(warning)
    print(f"{len(files)} file(s) valid")
    return 0


@app.command()
def schema() -> None:
    """Print the JSON Schema of profiles and scenarios (for editors)."""
    from rehearsal.models.profile import Profile
    from rehearsal.scenarios.document import Scenario

    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rehearsal profile or scenario",
        "anyOf": [{"$ref": "#/$defs/Profile"}, {"$ref": "#/$defs/Scenario"}],
        "$defs": {
            "Profile": Profile.model_json_schema(ref_template="#/$defs/Profile/$defs/{model}"),
            "Scenario": Scenario.model_json_schema(ref_template="#/$defs/Scenario/$defs/{model}"),
        },
    }
    out.print_json(json.dumps(document))


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="the scenario YAML")],
    profile: Annotated[Path | None, typer.Option(help="use this profile instead")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="folder for run folders")] = DEFAULT_OUT,
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
) -> None:
    """Build the mirror, run the scenario, tear down, and write the findings report.

    Exit 0: every criterion met; 1: findings or failed criteria; 2: bad input; 3: the run
    itself broke (environment, Docker, interrupted).
    """
    from rehearsal.scenarios.planning import load_plan

    if people not in (None, "terminal", "ui", "none"):
        err.print(f"--people {people!r}: choose terminal, ui or none", highlight=False)
        raise typer.Exit(2)
    try:
        plan = load_plan(scenario, profile, answers)
        from rehearsal.report.wording import load_wording

        load_wording(locale or "en")
        if dry_run:
            from rehearsal.scenarios.dryrun import dry_run as describe_plan

            for line in describe_plan(plan, seed):
                out.print(line, markup=False, highlight=False)
            return
        from rehearsal.flows.adapters import install
        from rehearsal.runs.live import refuse_if_stopped

        install()
        refuse_if_stopped()

        from datetime import UTC, datetime

        from rehearsal.runs.lab_window import check_lab_window

        forced = check_lab_window(plan.profile, datetime.now(UTC), force)
        if forced:
            err.print(forced, markup=False, highlight=False)
        from rehearsal.envs.docker import docker_client
        from rehearsal.secrets.resolve import resolve_secrets

        resolve_secrets(plan.profile)
        docker_client()
    except RehearsalError as error:
        _fail(error)
    _terminate_as_interrupt()
    from rehearsal.flows.launch import rehearsal_run
    from rehearsal.runs.session import new_run_id

    run_id = new_run_id(scenario)
    asker = people or ("terminal" if sys.stdin.isatty() else "none")
    reporter = Reporter(spinner=asker != "terminal")
    err.print(f"run [bold]{run_id}[/bold]", highlight=False)
    with reporter.status:
        outcome = rehearsal_run(
            str(scenario.resolve()),
            str(profile.resolve()) if profile else None,
            str(out_dir.resolve()),
            keep,
            run_id,
            seed=seed,
            answers=str(answers.resolve()) if answers else None,
            people=asker,
            locale=locale or "en",
            progress=reporter,
        )
    _summarise(Path(outcome["run_dir"]), keep)


def _summarise(run_dir: Path, kept: bool) -> NoReturn:
    results = json.loads((run_dir / "results.json").read_text())
    metrics = results["metrics"]
    colour = {"passed": "green", "failed": "red"}.get(results["status"], "yellow")
    out.print(f"[bold {colour}]{results['status'].upper()}[/] {results['title']}")
    if metrics.get("time_to_detect_s") is not None:
        out.print(f"  time to detect  {metrics['time_to_detect_s']:.1f} s")
    if metrics.get("time_to_recover_s") is not None:
        out.print(
            f"  time to recover {metrics['time_to_recover_s']:.1f} s (RTO {metrics['rto_s']:.0f} s)"
        )
    if results.get("reproduced") is not None:
        out.print(
            f"  reproduced in {results['reproduction_rate']:.0%} of "
            f"{results['attempts']} attempt(s): {results['symptom']}",
            markup=False,
        )
    for finding in results["findings"]:
        out.print(f"  [{finding['severity']}] {finding['title']}", markup=False)
    if results.get("error"):
        out.print(f"  error: {results['error']}", markup=False)
    out.print(f"report: {run_dir / 'report.html'}", highlight=False)
    if kept:
        out.print(
            f"environment kept: enter a node with `docker exec -it "
            f"rh-{results['run_id'].rsplit('-', 1)[-1]}-NODE bash`; remove it with "
            f"`rehearsal env down {results['run_id']}`",
            markup=False,
        )
    raise typer.Exit({"passed": 0, "failed": 1, "stopped": 1}.get(results["status"], 3))


@app.command()
def serve(
    scenarios: Annotated[
        Path, typer.Option(help="folder searched for scenarios the UI can launch")
    ] = DEFAULT_SCENARIOS,
    reports: Annotated[Path, typer.Option(help="folder for run folders")] = DEFAULT_OUT,
    drills: Annotated[
        Path | None, typer.Option(help="drills file: scheduled, unattended runs")
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
    """Register and serve the Prefect deployments: a launch form and scheduled drills.

    Needs a Prefect server (PREFECT_API_URL); runs until stopped, or with --pool registers
    the deployments for the pool's workers and returns.
    """
    # The runs' progress lines are the logs an operator reads in the UI (a CLI run keeps
    # its terminal quiet with WARNING instead).
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    from rehearsal.flows.deployments import serve_warnings
    from rehearsal.scenarios.planning import load_drills

    try:
        if drills is not None:
            for warning in serve_warnings(load_drills(drills, scenarios), scenarios):
                err.print(warning, markup=False, highlight=False)
    except RehearsalError as error:
        _fail(error)
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


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="the run id (the flow run's name)")],
    outcome: Annotated[str, typer.Option(help="done, failed or 'not done'")] = "done",
    notes: Annotated[str, typer.Option(help="what the person says")] = "",
    finding: Annotated[str, typer.Option(help="analysts: title of a finding to record")] = "",
    severity: Annotated[str, typer.Option(help="the finding's severity")] = "medium",
) -> None:
    """Answer a run paused for a person (a manual step or an observation) and continue it."""
    from rehearsal.flows.resume import resume_run

    try:
        resume_run(run_id, outcome, notes, finding, severity)
    except RehearsalError as error:
        _fail(error)
    out.print(f"{run_id} resumed", highlight=False)


@app.command()
def recover(
    run: Annotated[str, typer.Argument(help="a run id, or a run folder")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for run folders")] = DEFAULT_OUT,
    force: Annotated[bool, typer.Option(help="even while the run's process is alive")] = False,
) -> None:
    """Revert every fault the run's journal says is still injected (after a crash or kill)."""
    from rehearsal.envs.docker import docker_client
    from rehearsal.runs.recovery import recover as recover_run

    run_dir = Path(run) if Path(run).is_dir() else out_dir / run
    if not (run_dir / "journal.jsonl").is_file():
        err.print(f"{run_dir}: no journal.jsonl here; pass a run id or folder", highlight=False)
        raise typer.Exit(2)
    try:
        recovered = recover_run(docker_client(), run_dir.resolve(), force)
    except RehearsalError as error:
        _fail(error)
    for item in recovered:
        verdict = f"FAILED: {item.error}" if item.error else "reverted"
        out.print(f"{item.fault} {item.label}: {verdict}", markup=False, highlight=False)
    out.print(f"{len(recovered)} fault(s) were still injected", highlight=False)
    if any(item.error for item in recovered):
        raise typer.Exit(3)


@app.command()
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
    try:
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
    except RehearsalError as error:
        _fail(error)
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


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="a run folder")],
    locale: Locale = None,
    wording: Annotated[
        Path | None, typer.Option(help="a YAML file overriding wording keys (see locales/en.yaml)")
    ] = None,
    pdf: Annotated[bool, typer.Option(help="also print report.pdf with headless Chromium")] = False,
) -> None:
    """Rebuild results.json, the reports and the case-library entry from a run's journal.

    A journal cut short or from an older version still gives a report, which says what the
    journal lacked.
    """
    from rehearsal.errors import PdfUnavailable
    from rehearsal.journal.check import NotAJournal
    from rehearsal.report.rebuild import ReportOptions, rebuild

    if not (run_dir / "journal.jsonl").is_file():
        err.print(f"{run_dir}: no journal.jsonl here; pass a run folder", highlight=False)
        raise typer.Exit(2)
    try:
        done = rebuild(run_dir, ReportOptions(locale, wording, pdf))
    except NotAJournal as not_one:
        err.print(str(not_one), markup=False, highlight=False)
        raise typer.Exit(2) from None
    except RehearsalError as error:
        _fail(error)
    for problem in done.results.journal_problems:
        err.print(f"note: {problem}", markup=False, highlight=False)
    for note in done.notes:
        err.print(note, markup=False, highlight=False)
    out.print(f"{done.results.status}: {run_dir / 'report.html'}", highlight=False)
    if pdf and not any(path.suffix == ".pdf" for path in done.paths):
        raise typer.Exit(PdfUnavailable.exit_code)


@app.command()
def gc(
    include_kept: Annotated[
        bool, typer.Option(help="also remove environments kept with --keep")
    ] = False,
) -> None:
    """Remove every Docker resource left by runs whose process is gone."""
    from rehearsal.envs import labels as L
    from rehearsal.envs.docker import docker_client, labelled_runs, remove_run

    try:
        client = docker_client()
    except RehearsalError as error:
        _fail(error)
    removed = 0
    for run_id, found in labelled_runs(client).items():
        if L.owner_alive(found) or (found.get(L.KEEP) == "true" and not include_kept):
            continue
        removed += remove_run(client, run_id)
        out.print(f"removed {run_id}", highlight=False)
    out.print(f"{removed} resource(s) removed", highlight=False)


@images_app.command("bootstrap")
def images_bootstrap() -> None:
    """Make the base node image: pulled when a registry answers, else built with mmdebstrap."""
    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.images import BASE_IMAGE, base_image_present, ensure_base_image

    try:
        client = docker_client()
        if base_image_present(client):
            out.print(f"{BASE_IMAGE} is already there", highlight=False)
            return
        reporter = Reporter()
        with reporter.status:
            image = ensure_base_image(client, reporter)
    except RehearsalError as error:
        _fail(error)
    out.print(f"{BASE_IMAGE} built ({image[:19]})", highlight=False)


@images_app.command("ls")
def images_ls() -> None:
    """List the cached role images: role, version, size, whether current, containers using it."""
    from rich.table import Table

    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.image_cache import cached_role_images
    from rehearsal.models.loading import playbooks_dir

    try:
        images = cached_role_images(docker_client(), playbooks_dir())
    except RehearsalError as error:
        _fail(error)
    table = Table("image", "role", "version", "size", "created", "state", "containers")
    for image in images:
        state = "current" if image.current else "stale"
        size = f"{image.size_bytes / 1e6:.0f} MB"
        table.add_row(
            image.tag, image.role, image.version, size, image.created, state, str(image.in_use)
        )
    out.print(table)


@images_app.command("prune")
def images_prune(
    everything: Annotated[
        bool, typer.Option("--all", help="also remove current images no container uses")
    ] = False,
    role: Annotated[str | None, typer.Option(help="only images of this role")] = None,
) -> None:
    """Remove stale role images (made from older role files or an older base image)."""
    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.image_cache import prune
    from rehearsal.models.loading import playbooks_dir

    try:
        removed = prune(docker_client(), playbooks_dir(), everything, role)
    except RehearsalError as error:
        _fail(error)
    for image in removed:
        out.print(f"removed {image.tag}", highlight=False)
    freed = sum(image.size_bytes for image in removed) / 1e6
    out.print(f"{len(removed)} image(s) removed ({freed:.0f} MB)", highlight=False)


@env_app.command("up")
def env_up(
    profile: Annotated[Path, typer.Argument(help="the customer profile")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for run folders")] = DEFAULT_OUT,
) -> None:
    """Build a customer mirror and leave it running."""
    from rehearsal.models.loading import load_profile

    try:
        loaded = load_profile(profile)
    except RehearsalError as error:
        _fail(error)
    from rehearsal.flows.adapters import install
    from rehearsal.runs.standalone import bring_up

    install()
    reporter = Reporter()
    try:
        with reporter.status:
            run_id, addresses = bring_up(loaded, profile, out_dir, reporter)
    except RehearsalError as error:
        _fail(error)
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
    out_dir: Annotated[Path, typer.Option("--out", help="folder for run folders")] = DEFAULT_OUT,
) -> None:
    """Check a kept mirror against its profile: package versions, parameters read back from
    the running products, networks, CPU and memory limits. Exit 1 when something differs."""
    from rich.table import Table

    from rehearsal.envs.docker import docker_client
    from rehearsal.runs.standalone import check_kept

    run_dir = Path(run) if Path(run).is_dir() else out_dir / run
    if not (run_dir / "journal.jsonl").is_file():
        err.print(f"{run_dir}: no journal.jsonl here; pass a run id or folder", highlight=False)
        raise typer.Exit(2)
    try:
        facts = check_kept(docker_client(), run_dir.resolve())
    except RehearsalError as error:
        _fail(error)
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
    """Remove every container, network and volume of a run."""
    from rehearsal.envs.docker import docker_client, remove_run

    try:
        removed = remove_run(docker_client(), run_id)
    except RehearsalError as error:
        _fail(error)
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

    try:
        runs = labelled_runs(docker_client())
    except RehearsalError as error:
        _fail(error)
    table = Table("run", "owner", "kept", "folder")
    for run_id, found in sorted(runs.items()):
        owner = "running" if L.owner_alive(found) else "gone"
        table.add_row(run_id, owner, found.get(L.KEEP, ""), found.get(L.RUN_DIR, ""))
    out.print(table)


def main() -> None:
    args = sys.argv[1:]
    if len(args) > 1 and args[0] == "validate" and not any(a.startswith("-") for a in args):
        # Typer builds a validator for every parameter of every command on each call (~0.1 s):
        # the command editors and CI call most skips it; its help and options still go there.
        sys.exit(_validate([Path(arg) for arg in args[1:]]))
    try:
        app()
    except RehearsalError as error:
        for line in str(error).splitlines():
            err.print(line, markup=False, highlight=False)
        sys.exit(error.exit_code)
