"""One run from start to report: images, environment, converge, scenario, teardown.

``execute`` is the single sequence every front end uses: ``rehearsal.run`` calls each part
directly, the Prefect flow (which ``rehearsal run`` starts) passes a ``wrap`` that turns each
part into a task. Teardown is owned by
an exit stack, so it happens on success, failure, Ctrl-C and SIGTERM alike, and a report
is written from the journal whatever happened. A reproduction with ``parallel`` attempts
runs them side by side (``runs.attempts``), each on a mirror of its own with its own stack.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from rehearsal.envs.mirror import Mirror
from rehearsal.errors import (
    RehearsalError,
    ReportsFolderFull,
    RunCancelled,
    RunStopped,
    out_of_space,
)
from rehearsal.journal.finding_ids import finding_id
from rehearsal.journal.writer import AttemptJournal, Journal
from rehearsal.models.profile import Profile
from rehearsal.report.rebuild import ReportOptions, rebuild
from rehearsal.results.model import Results
from rehearsal.runs.attempts import run_together, schedule
from rehearsal.scenarios.capabilities import needed_capabilities
from rehearsal.scenarios.engine import Engine, Wrap, call_directly
from rehearsal.scenarios.faults.preflight import preflight
from rehearsal.scenarios.faults.switch import HEARTBEAT
from rehearsal.scenarios.people import (
    Answerer,
    FirstThatAnswers,
    NobodyAnswers,
    load_answers,
)
from rehearsal.scenarios.planning import Plan
from rehearsal.secrets.redaction import redactor_for

Progress = Callable[[str], None]


def new_run_id(scenario_path: Path) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{scenario_path.stem}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path
    keep: bool = False
    seed: int | None = None
    answers: Path | None = None
    ask: Answerer | None = None
    """Who answers questions the answers file does not: the terminal, the Prefect UI."""
    attempts: int | None = None
    """How many attempts, instead of the scenario's count (its ``parallel`` is kept, at
    most this many)."""
    notes: str = ""
    locale: str = "en"
    """The language of the customer-facing wording in the reports."""
    fresh: bool = False
    """Converge every mirror with Ansible: no converged snapshot used or made."""


class RunSession:
    """One run's state, from a plan whose secrets are filled in (``admission.admit``)."""

    def __init__(
        self,
        plan: Plan,
        options: RunOptions,
        progress: Progress = lambda _m: None,
        run_id: str | None = None,
    ) -> None:
        self.plan = plan
        self.options = options
        self.progress = progress
        self.run_id = run_id or new_run_id(plan.scenario_path)
        self.run_dir = (options.out_dir / self.run_id).resolve()
        self.journal = Journal(self.run_dir, redactor_for(plan.profile) or None, full_disk_ok=True)
        self.stack = ExitStack()
        self.cancelled = threading.Event()
        self.why_cancelled: Callable[[], None] = lambda: None
        """Journals who cancelled the run, when the caller can tell (an emergency stop)."""
        chosen = options.seed if options.seed is not None else plan.scenario.seed
        self.seed: int = chosen if chosen is not None else secrets.randbelow(2**31)
        self.attempts = options.attempts or plan.scenario.attempt_count
        self.parallel = min(plan.scenario.parallel, self.attempts)
        self.mirror = Mirror(
            plan.profile,
            self.run_id,
            self.run_dir,
            self.journal,
            options.keep,
            self.stack,
            progress,
            needed_capabilities(plan.scenario, plan.profile),
            self.environment_lost,
            snapshots=not options.fresh,
        )
        self.lost: str | None = None
        """Why the mirror broke under the run, when it did."""
        self._lost_lock = threading.Lock()

    def environment_lost(self, detail: str) -> None:
        """The mirror broke (a node removed from outside, the engine gone): journal it as a
        problem of the environment, not of the customer's system, and unwind the run."""
        with self._lost_lock:
            if self.lost is not None:
                return
            self.lost = detail
        self.journal.record("environment.lost", detail=detail)
        self.journal.record(
            "finding",
            id=finding_id("E", 1),
            severity="high",
            category="environment",
            title="The test environment broke during the run",
            detail=f"{detail}. This is a problem of the mirror, not of the customer's system; "
            "what happened after it says nothing about the procedure.",
            phase=None,
            recommendation="Find out what removed it (another tool, a prune, a Docker "
            "restart) and run the scenario again.",
            source="automatic",
            evidence=[],
            about={"environment": "lost"},
        )
        self.cancelled.set()

    def start(self) -> None:
        self.mirror.guard()
        scenario, profile = self.plan.scenario, self.plan.profile
        services = [s.model_dump() for s in profile.business.services]
        service_probes = [s.probe for s in profile.business.services]
        measured = next(
            (p for p in scenario.steady_state if p in service_probes), scenario.steady_state[0]
        )
        self.journal.record(
            "run.started",
            run_id=self.run_id,
            kind=scenario.kind,
            title=scenario.title or self.plan.scenario_path.stem,
            purpose=scenario.purpose,
            customer=profile.customer.name,
            account_manager=profile.customer.account_manager,
            profile=str(self.plan.profile_path),
            scenario=str(self.plan.scenario_path),
            team={
                "operators": [p.name for p in scenario.team.operators],
                "analysts": [p.name for p in scenario.team.analysts],
                "owner": [scenario.team.owner.name] if scenario.team.owner else [],
            },
            services=services,
            measured_probe=measured,
            rto_s=profile.business.targets.rto,
            sla_pct=profile.business.targets.sla,
            criteria=[c.model_dump() for c in scenario.criteria],
            keep=self.options.keep,
            seed=self.seed,
            attempts=self.attempts,
            parallel=self.parallel,
            notes=self.options.notes,
            symptom=scenario.symptom.say if scenario.symptom else None,
            stop_when=[c.model_dump(exclude_defaults=True) for c in scenario.stop_when],
            locale=self.options.locale,
            **people_fields(profile),
        )

    def answerer(self) -> Answerer:
        answerers: list[Answerer] = []
        if self.options.answers is not None:
            answerers.append(load_answers(self.options.answers))
        if self.options.ask is not None:
            answerers.append(self.options.ask)
        return FirstThatAnswers(answerers) if answerers else NobodyAnswers()

    def run_attempt(
        self,
        attempt: int,
        wrap: Wrap = call_directly,
        mirror: Mirror | None = None,
        journal: Journal | None = None,
    ) -> None:
        """Run the scenario once on ``mirror`` (the run's own, unless a parallel attempt's)."""
        mirror = mirror or self.mirror
        journal = journal or self.journal
        assert mirror.env is not None
        attempts = self.attempts
        self.progress("running the scenario" + (f" (attempt {attempt})" if attempts > 1 else ""))
        journal.record("attempt.started", attempt=attempt, seed=self.seed + attempt - 1)
        try:
            if attempt == 1:
                preflight(self.plan, mirror.env, self.seed)
            Engine(
                self.plan.scenario,
                self.plan.profile,
                mirror.env,
                journal,
                cancelled=self.cancelled,
                wrap=wrap,
                answerer=self.answerer(),
                run_dir=self.run_dir,
                attempt=attempt,
                seed=self.seed + attempt - 1,
            ).run()
        finally:
            journal.record("attempt.finished", attempt=attempt)

    def run_attempts_side_by_side(self, step: Step) -> None:
        """Every attempt on a mirror of its own, ``parallel`` at a time, in the order
        ``runs.attempts.schedule`` gives (and journals)."""
        order = schedule(self.attempts, self.parallel, self.mirror.restorable_anywhere())
        self.journal.record(
            "attempts.scheduled",
            groups=[list(group) for group in order.groups],
            parallel=order.parallel,
            why=order.why,
        )
        for group in order.groups:
            run_together(group, order.parallel, partial(self._attempt_beside, step), self.cancelled)
        if not self.options.keep:
            self.mirror.forget_key()

    def _attempt_beside(self, step: Step, attempt: int) -> None:
        """One attempt of a parallel reproduction, from its mirror up to its teardown, which
        its own stack owns: whatever ends the attempt, its mirror goes (the last attempt's
        stays with ``--keep``)."""
        journal = AttemptJournal(self.journal, attempt)
        mirror = self.mirror.for_attempt(
            attempt, journal, keep=self.options.keep and attempt == self.attempts
        )
        prefix = f"attempt {attempt}: "
        mirror.guard()
        try:
            with mirror.stack:
                step(f"{prefix}environment up", mirror.environment_up)
                env = mirror.env
                try:
                    step(f"{prefix}converge", mirror.converge)
                    run = partial(self.run_attempt, attempt, step, mirror, journal)
                    step(f"{prefix}run scenario", run)
                    step(f"{prefix}tear down", partial(mirror.teardown, final=mirror.keep))
                finally:
                    if env is not None:
                        HEARTBEAT.forget(env)
        finally:
            mirror.release()

    def guarded(self, step: Step) -> Step:
        """``step`` with a full disk under the run folder told as ReportsFolderFull inside
        it (a Prefect task logs any other exception with its traceback on the console)."""

        def guarded_step(name: str, action: Callable[[], Any]) -> Any:
            return step(name, partial(self._full_disk_told, action))

        return guarded_step

    def _full_disk_told(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except OSError as error:
            if not out_of_space(error) or not self._ours(error):
                raise
            raise ReportsFolderFull(self.run_dir, self.journal.unwritten == 0) from error

    def _ours(self, error: OSError) -> bool:
        """A write without a file name (most of them) is taken to be under the run folder:
        everything a run writes on this machine goes there."""
        return error.filename is None or Path(str(error.filename)).resolve().is_relative_to(
            self.run_dir.parent
        )

    def finish(self, outcome: str, error: str | None) -> Results:
        self.journal.record("run.finished", outcome=outcome, error=error)
        self.journal.close()
        try:
            try:
                results = write_results(self.run_dir)
            except ReportsFolderFull:
                raise ReportsFolderFull(self.run_dir, self.journal.unwritten == 0) from None
            if self.journal.unwritten:
                raise ReportsFolderFull(self.run_dir, journal_intact=False)
            return results
        finally:
            if self.mirror.env is not None:
                HEARTBEAT.forget(self.mirror.env)  # a fault whose revert failed beats no more
            # Only now: a run killed while writing its reports still has its helpers ended.
            self.mirror.release()


def people_fields(profile: Profile) -> dict[str, Any]:
    """What results need to judge alerts, responses and escalation against (run.started)."""
    return {
        "monitors": [m.shown() for m in profile.monitors],
        "on_call": profile.on_call.model_dump(mode="json", by_alias=True)
        if profile.on_call
        else None,
        "calendar": profile.calendar.model_dump(mode="json", by_alias=True)
        if profile.calendar
        else None,
    }


def write_results(run_dir: Path, options: ReportOptions | None = None) -> Results:
    """Derive results from the journal, write results.json and every report, and index the
    run into the reports folder's case library."""
    return rebuild(run_dir, options).results


Step = Callable[[str, Callable[[], Any]], Any]


def run_one_by_one(session: RunSession, step: Step) -> None:
    """Each attempt on a fresh mirror of the run's own, torn down before the next is up."""
    attempts = session.attempts
    for attempt in range(1, attempts + 1):
        prefix = f"attempt {attempt}: " if attempts > 1 else ""
        last = attempt == attempts
        step(f"{prefix}environment up", session.mirror.environment_up)
        step(f"{prefix}converge", session.mirror.converge)
        step(f"{prefix}run scenario", partial(session.run_attempt, attempt, step))
        step(f"{prefix}tear down", partial(session.mirror.teardown, final=last))


class Ahead(Protocol):
    """The run's start and its images, begun before its flow run was (``runs.head_start``):
    each call waits for its part and raises what it raised."""

    def started(self) -> None: ...

    def images(self) -> None: ...


def execute(session: RunSession, step: Step = call_directly, ahead: Ahead | None = None) -> Results:
    """Run every part in order; whatever happens, tear down and write the report."""
    outcome, error = "completed", None
    step = session.guarded(step)
    if ahead is None:
        session.start()
    else:
        ahead.started()
    try:
        with session.stack:
            step("prepare images", session.mirror.prepare_images if ahead is None else ahead.images)
            if session.parallel > 1:
                session.run_attempts_side_by_side(step)
            else:
                run_one_by_one(session, step)
    except RunStopped as stopped:
        outcome, error = "stopped", str(stopped)
    except RunCancelled as cancelled:
        outcome, error = "cancelled", str(cancelled)
    except RehearsalError as failure:
        outcome, error = "error", str(failure)
    except Exception as failure:
        outcome, error = "error", f"{type(failure).__name__}: {failure}"
    except BaseException as interruption:  # Ctrl-C, or SIGTERM turned into an exception
        if isinstance(interruption, GeneratorExit | SystemExit):
            raise
        how = (
            "interrupted (Ctrl-C or SIGTERM)"
            if isinstance(interruption, KeyboardInterrupt)
            else "cancelled (from Prefect, or its process was told to stop)"
        )
        outcome, error = "cancelled", f"{how}; faults reverted, torn down"
    if session.lost is not None:
        outcome, error = "error", f"the test environment broke: {session.lost}"
    elif outcome == "cancelled":
        session.why_cancelled()
    return session.finish(outcome, error)
