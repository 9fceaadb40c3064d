"""``job:`` — run one of the profile's batch jobs now, on its node, as its scheduler would.

The step waits for the job. A job that fails or overruns its time limit fails the step;
the finding (which job, where, in which phase, under which faults) is derived from the
journal with the results.
"""

from __future__ import annotations

from typing import ClassVar

from rehearsal.models.base import Name, Strict
from rehearsal.models.durations import format_duration
from rehearsal.models.suggest import did_you_mean
from rehearsal.scenarios.steps.base import Loc, Names, PhaseInfo, StepContext, StepKind, StepOutcome


class JobRef(Strict):
    job: Name


class JobKind(StepKind):
    key: ClassVar[str] = "job"
    Model: ClassVar[type[Strict]] = JobRef

    def label(self, step: JobRef) -> str:
        return f"job {step.job}"

    def check(self, step: JobRef, names: Names) -> list[tuple[Loc, str]]:
        if names.profile is None:
            return []
        jobs = {job.name: job for job in names.profile.jobs}
        job = jobs.get(step.job)
        if job is None:
            return [
                (
                    ("job",),
                    f"unknown job {step.job!r}{did_you_mean(step.job, jobs)} (jobs are "
                    "declared under 'jobs:' in the profile, each with name, say, schedule, "
                    "on and run)",
                )
            ]
        if job.run is None:
            return [
                (
                    ("job",),
                    f"job {step.job!r} has no 'run:' command in the profile, so there is "
                    "nothing to run; give it 'run:' (the command its scheduler starts on "
                    f"{job.on}) or take this step out",
                )
            ]
        return []

    def run(self, step: JobRef, phase: PhaseInfo, context: StepContext) -> StepOutcome:
        from rehearsal.scenarios.jobs import run_job  # here: `validate` never runs a job

        job = next(job for job in context.profile.jobs if job.name == step.job)
        outcome = run_job(job, context.env, context.journal, phase.name, "step")
        took = format_duration(outcome.duration_s)
        if outcome.status == "timed out":
            detail = f"timed out after {took} on {job.on}"
        else:
            detail = f"exit {outcome.exit_code} after {took} on {job.on}"
        status = "passed" if outcome.status == "passed" else "failed"
        return StepOutcome(status, detail, job.timeout)
