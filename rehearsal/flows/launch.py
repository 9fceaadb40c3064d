"""The Prefect face of a run: the same sequence as the CLI, with each part a task.

Without a configured server Prefect starts a temporary local one, so a CLI run is a flow
run either way and shows up in the UI whenever a server is configured.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect gives its temporary server 20 s to answer; on a busy 2-core machine it needs more,
# and a CLI run would then fail before building anything (seen with three runs at once).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from rehearsal.flows.adapters import install
from rehearsal.flows.launch_form import SET_BY_SERVE, scenario_path
from rehearsal.flows.run_log import keep_refusals_off_console, run_log
from rehearsal.flows.ui_answers import PrefectPause
from rehearsal.journal.writer import Journal
from rehearsal.models.drills import ended
from rehearsal.report.readiness_page import readiness_artifact
from rehearsal.results.model import Results
from rehearsal.runs.admission import Admitted, admit
from rehearsal.runs.head_start import HeadStart, Relay
from rehearsal.runs.live import Stop, current_stop, raise_stop, registered
from rehearsal.runs.session import RunOptions, RunSession, execute, new_run_id
from rehearsal.scenarios.people import Answerer, TerminalPrompt
from rehearsal.scenarios.planning import Plan, load_plan

install()  # a flow run, wherever it runs, reads Secret blocks and sees a stop set elsewhere


def _as_task(name: str, action: Callable[[], Any]) -> Any:
    as_task = task(name=name, task_run_name=name, cache_policy=NO_CACHE, persist_result=False)
    return as_task(action)()


ASKERS: dict[str, Callable[[], Answerer | None]] = {
    "none": lambda: None,
    "terminal": TerminalPrompt,
    "ui": PrefectPause,
}


class Handover:
    """What the CLI hands its flow beyond the parameters a flow run's record shows: the
    admitted plan (secrets filled in), the progress printer and the run's head start. It has
    no fields Prefect can read, so the record holds ``<Handover>``, never a secret or the
    whole profile."""

    __slots__ = ("admitted", "progress", "ahead")

    def __init__(
        self,
        admitted: Admitted,
        progress: Callable[[str], None] | None,
        ahead: HeadStart | None = None,
    ) -> None:
        self.admitted = admitted
        self.progress = progress
        self.ahead = ahead


@flow(
    name="rehearsal-run", flow_run_name="{run_id}", persist_result=False, validate_parameters=False
)
def rehearsal_run(
    scenario: str,
    profile: str | None,
    out_dir: str,
    keep: bool,
    run_id: str,
    handover: Handover,
    seed: int | None = None,
    answers: str | None = None,
    people: str = "none",
    locale: str = "en",
    fresh: bool = False,
) -> Results:
    """Build the mirror, run the scenario, tear down and report (the CLI's flow). The CLI
    loaded and admitted the plan before Prefect was imported; the paths are the record."""
    keep_refusals_off_console()
    launch = Launch(
        scenario, profile, out_dir, keep, run_id, seed, answers, people, locale=locale, fresh=fresh
    )
    return _run(launch, handover.admitted, handover.progress, handover.ahead)


@dataclass(frozen=True)
class Launch:
    scenario: str
    profile: str | None
    out_dir: str
    keep: bool
    run_id: str
    seed: int | None = None
    answers: str | None = None
    people: str = "none"
    attempts: int | None = None
    notes: str = ""
    locale: str = "en"
    force: bool = False
    lab_host: str | None = None
    """A shared lab host named at launch, held like the profile's own lab hosts."""
    fresh: bool = False
    """Converge with Ansible, no converged snapshots (``--fresh``)."""

    def plan(self) -> Plan:
        return load_plan(
            Path(self.scenario),
            Path(self.profile) if self.profile else None,
            Path(self.answers) if self.answers else None,
        )


def _session(launch: Launch, admitted: Admitted, say: Callable[[str], None]) -> RunSession:
    options = RunOptions(
        Path(launch.out_dir),
        launch.keep,
        launch.seed,
        Path(launch.answers) if launch.answers else None,
        ASKERS[launch.people](),
        attempts=launch.attempts,
        notes=launch.notes,
        locale=launch.locale,
        fresh=launch.fresh,
    )
    return RunSession(admitted.plan, options, say, run_id=launch.run_id)


def head_start(
    launch: Launch, admitted: Admitted, terminal: Callable[[str], None] | None
) -> HeadStart | None:
    """The CLI's run, begun before its flow (``runs.head_start``); none for a run that holds
    lab hosts, whose slots come first."""
    if launch.lab_host or admitted.plan.profile.lab_hosts():
        return None
    relay = Relay(terminal)
    return HeadStart(_session(launch, admitted, relay), relay).begin()


def _run(
    launch: Launch,
    admitted: Admitted,
    progress: Callable[[str], None] | None = None,
    ahead: HeadStart | None = None,
) -> Results:
    logger = get_run_logger()

    def say(message: str) -> None:
        logger.info(message)
        if progress is not None:
            progress(message)

    plan = admitted.plan
    if ahead is None:
        session = _session(launch, admitted, say)
    else:
        session = ahead.session
        ahead.take_over(logger.info, say)
    tracker = PhaseProgress(
        session.attempts,
        len(plan.scenario.phases),
    )
    watch = CancellationWatch(session.cancelled)
    note = _StopNote(session.journal, logger, watch.cancel_message)
    session.why_cancelled = watch.on_cancel = note
    flow_run_id = str(watch.flow_run_id) if watch.flow_run_id else None
    held = plan.profile.lab_hosts()
    slots = sorted({*held, *([launch.lab_host] if launch.lab_host else [])})
    with (
        registered(launch.run_id, session.run_dir, launch.keep, flow_run_id, held),
        lab_host_slots(slots, say),
        watch,
        run_log(session.run_dir, flow_run_id, session.journal.redact),
    ):
        results = execute(session, tracker.wrap(_as_task), ahead)
    if watch.seen:
        watch.mark_cancelled()
    tracker.finish()
    report = session.run_dir / "report.html"
    create_link_artifact(
        key="findings-report",
        link=report.as_uri(),
        link_text=f"Findings report for {launch.run_id}",
    )
    create_markdown_artifact(
        key="findings-summary", markdown=(session.run_dir / "report.md").read_text()
    )
    create_markdown_artifact(
        key="go-live-readiness",
        markdown=readiness_artifact(session.run_dir.parent, results.customer, datetime.now(UTC)),
        description=f"Go-live readiness of {results.customer} across {session.run_dir.parent}",
    )
    return results


class _StopNote:
    """A cancel that comes from an emergency stop says so, with who and why, in the journal,
    once: whether the run saw its flow run cancelled or its process was told to stop.

    The lock is held through the read, so the path that comes second waits for the first's
    note instead of returning while it is still being read (the run would close its journal
    meanwhile); a first path that read nothing leaves the second to try again.
    """

    def __init__(
        self,
        journal: Journal,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
        cancel_message: Callable[[], str | None],
        shared_stop: Callable[[], Stop | None] = current_stop,
    ) -> None:
        self.journal = journal
        self.logger = logger
        self.cancel_message = cancel_message
        self.shared_stop = shared_stop
        self._lock = threading.Lock()
        self._noted = False

    def __call__(self, cancel_message: str | None = None) -> None:
        with self._lock:
            if self._noted:
                return
            stop = self._stop(cancel_message)
            if stop is not None:
                self.journal.record("emergency_stop", by=stop.by, why=stop.why, at=stop.at)
                self._noted = True

    def _stop(self, seen: str | None) -> Stop | None:
        """The cancel's own message first (an emergency stop writes who and why into it), then
        the stop in force; a read that fails is logged, and the next source asked."""
        if seen is None:
            try:
                seen = self.cancel_message()
            except httpx.HTTPError:
                self.logger.warning("could not read why the run was cancelled", exc_info=True)
        stop = Stop.from_sentence(seen) if seen else None
        if stop is not None:
            return stop
        try:
            return self.shared_stop()
        except httpx.HTTPError:
            self.logger.warning("could not read the emergency stop", exc_info=True)
            return None


class CancellationWatch:
    """Watches the flow run's own state: when someone cancels it in the UI, the run unwinds
    (faults reverted, mirror removed, report written) even if no signal reaches the process,
    which Prefect's runner does not always manage to send."""

    def __init__(
        self,
        cancelled: threading.Event,
        every_s: float = 2.0,
        on_cancel: Callable[[str | None], None] = lambda _message: None,
    ) -> None:
        from prefect.context import FlowRunContext

        context = FlowRunContext.get()
        self.flow_run_id = context.flow_run.id if context and context.flow_run else None
        self.cancelled = cancelled
        self.every_s = every_s
        self.on_cancel = on_cancel
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="cancel-watch", daemon=True)
        self.seen = False

    def __enter__(self) -> CancellationWatch:
        if self.flow_run_id is not None:
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()

    def _watch(self) -> None:
        from prefect.client.orchestration import get_client

        assert self.flow_run_id is not None
        with get_client(sync_client=True) as client:
            while not self._done.wait(self.every_s):
                try:
                    state = client.read_flow_run(self.flow_run_id).state
                except Exception:  # the server away for a moment is not a cancellation
                    continue
                if state is not None and (state.is_cancelling() or state.is_cancelled()):
                    self.seen = True
                    self.on_cancel(state.message)
                    self.cancelled.set()
                    return

    def cancel_message(self) -> str | None:
        """What the flow run's state says now: while it is Cancelling, who cancelled and why."""
        from prefect.client.orchestration import get_client

        if self.flow_run_id is None:
            return None
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(self.flow_run_id).state
        return state.message if state is not None else None

    def mark_cancelled(self) -> None:
        """Finish what the runner would have: the run was cancelled and has unwound."""
        from prefect.client.orchestration import get_client
        from prefect.states import Cancelled

        assert self.flow_run_id is not None
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(
                self.flow_run_id, Cancelled(message="cancelled; faults reverted"), force=True
            )


class PhaseProgress:
    """A progress artifact in the UI that advances as each phase of each attempt ends."""

    def __init__(self, attempts: int, phases: int) -> None:
        self.total = max(1, attempts * phases)
        self.done = 0
        self._lock = threading.Lock()
        created = create_progress_artifact(
            0.0, key="phases", description=f"{self.total} phase(s) to run"
        )
        assert isinstance(created, UUID), "called from a sync flow, so not a coroutine"
        self.artifact = created

    def wrap(self, inner: Callable[[str, Callable[[], Any]], Any]) -> Callable[..., Any]:
        def counted(name: str, action: Callable[[], Any]) -> Any:
            result = inner(name, action)
            if name.startswith("phase "):
                with self._lock:  # parallel attempts end phases from their own threads
                    self.done += 1
                    done = self.done
                update_progress_artifact(
                    self.artifact,
                    100.0 * done / self.total,
                    description=f"{done} of {self.total} phase(s) done",
                )
            return result

        return counted

    def finish(self) -> None:
        update_progress_artifact(self.artifact, 100.0, description="finished")


def _launch_name() -> str:
    """Launched runs are named by their rehearsal run id, so `rehearsal resume` finds them."""
    from prefect.runtime import flow_run

    scenario = scenario_path(str(flow_run.parameters.get("scenario", "run")))
    return new_run_id(Path(scenario))


@flow(name="rehearsal-launch", flow_run_name=_launch_name, persist_result=False)
def rehearsal_launch(
    scenario: Annotated[
        str,
        Field(
            title="Scenario",
            description="What to rehearse: the customer, the scenario's title, and its file "
            "in the scenarios folder.",
        ),
    ],
    profile: Annotated[
        str | None,
        Field(
            title="Customer profile",
            description="Another profile file (relative to the scenarios folder) to run the "
            "scenario against; empty: the profile the scenario names.",
        ),
    ] = None,
    keep: Annotated[
        bool,
        Field(
            title="Keep the mirror afterwards",
            description="Leave the containers running after the run to look around; remove "
            "them later with `rehearsal env down RUN_ID`.",
        ),
    ] = False,
    seed: Annotated[
        int | None,
        Field(
            title="Random seed",
            description="Repeat an earlier run's random choices (which node, what timing); "
            "empty: the scenario's seed, or a new one.",
        ),
    ] = None,
    attempts: Annotated[
        int | None,
        Field(
            title="Attempts (reproductions)",
            description="How many times a reproduction repeats its phases; empty: as many "
            "as the scenario says. Its attempts side by side ('parallel') are kept, at most "
            "this many.",
        ),
    ] = None,
    notes: Annotated[
        str,
        Field(
            title="Notes for the report",
            description="Why this run, what is different today: printed in the report.",
        ),
    ] = "",
    answers: Annotated[
        str | None,
        Field(
            title="Answers file",
            description="Scripted answers for the people in the drill (a file relative to "
            "the scenarios folder); empty: people answer here, in the UI.",
        ),
    ] = None,
    people: Annotated[
        Literal["ui", "none"],
        Field(
            title="Who answers manual steps",
            description="ui: the run pauses at each manual step and asks in this UI; none: "
            "only the answers file answers, and an unanswered step is not performed.",
        ),
    ] = "ui",
    scenarios_dir: Annotated[str, SET_BY_SERVE] = ".",
    reports_dir: Annotated[str, SET_BY_SERVE] = "reports",
    until: Annotated[str | None, SET_BY_SERVE] = None,
    timezone: Annotated[str, SET_BY_SERVE] = "UTC",
    lab_host: Annotated[
        str | None,
        Field(
            title="Shared lab host",
            description="A shared lab host (SSH machine) this run uses: runs naming the same "
            "one take turns, whichever worker runs them.",
        ),
    ] = None,
    force: Annotated[
        bool,
        Field(
            title="Run outside the lab windows",
            description="Start even when the profile's lab windows are closed; the report "
            "says the run was forced.",
        ),
    ] = False,
) -> Results | None:
    """Run a scenario launched from the Prefect UI or a schedule. The folders, and a drill's
    ``until`` day (on its ``timezone``'s clock, after which its runs do nothing), are set by
    `rehearsal serve` and kept out of the form (see launch_form)."""
    from prefect.runtime import flow_run

    if until is not None and ended(date.fromisoformat(until), timezone, datetime.now(UTC)):
        get_run_logger().info("This drill's schedule ended on %s; nothing was run.", until)
        return None
    base = Path(scenarios_dir)
    launch = Launch(
        scenario=str(base / scenario_path(scenario)),
        profile=str(base / profile) if profile else None,
        out_dir=reports_dir,
        keep=keep,
        run_id=str(flow_run.name),
        seed=seed,
        answers=str(base / answers) if answers else None,
        people=people,
        attempts=attempts,
        notes=notes,
        force=force,
        lab_host=lab_host,
    )
    keep_refusals_off_console()  # a refusal is the run's answer, not a bug to trace
    admitted = admit(launch.plan(), launch.force)
    if admitted.forced:
        get_run_logger().warning(admitted.forced)
    return _run(launch, admitted)


def lab_host_limit(lab_host: str) -> str:
    """The global concurrency limit's name for a lab host (Prefect allows no '/' and such)."""
    return "lab-host-" + "".join(c if c.isalnum() or c in "-_." else "-" for c in lab_host)


@contextmanager
def lab_host_slots(lab_hosts: list[str], say: Callable[[str], None]) -> Iterator[None]:
    """Hold each lab host's one slot for the whole run, all at once (so two runs wanting the
    same two hosts cannot each hold one); created on first use, so a new lab host needs no
    set-up on the server. A run on this machine holding one refused us already (live runs);
    this waits for runs elsewhere."""
    if not lab_hosts:
        yield
        return
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.concurrency.sync import concurrency
    from prefect.exceptions import ObjectAlreadyExists

    names = [lab_host_limit(host) for host in lab_hosts]
    with get_client(sync_client=True) as client:
        for name in names:
            with suppress(ObjectAlreadyExists):
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )
    say(f"taking lab host(s) {', '.join(lab_hosts)} (waits while a run elsewhere holds one)")
    with concurrency(names, occupy=1, strict=True):
        yield


@flow(name="rehearsal-emergency-stop", persist_result=False)
def emergency_stop(
    why: Annotated[
        str,
        Field(
            title="Why stop",
            description="Said in every stopped run's journal and report, e.g. "
            "'customer called: production incident'.",
        ),
    ],
    by: Annotated[
        str,
        Field(title="Who is stopping", description="Your name, recorded with the reason."),
    ] = "Prefect UI",
) -> list[dict[str, Any]]:
    """Emergency stop: halt every rehearsal here and on the pool's workers, revert every
    fault, and refuse new runs until `rehearsal stop --lift`."""
    from rehearsal.runs.emergency import stop_all

    stop = raise_stop(by, why)
    logger = get_run_logger()
    logger.warning("Emergency stop by %s: %s", by, why)
    stopped = stop_all(stop)
    for run in stopped:
        logger.warning(
            "Stopped %s (%s): %d fault(s) reverted, %d failed",
            run.run_id,
            run.where,
            len(run.reverted),
            len(run.failed),
        )
    return [asdict(run) for run in stopped]
