"""``rehearsal run --dry-run``: what the run would do, with every fault's nodes resolved.

Nothing is built and Docker is not asked anything: this reads the plan only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

from rehearsal.scenarios.clock import RunClock, rehearsed_as_at, run_clock
from rehearsal.scenarios.document import step_key
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.targeting import place
from rehearsal.scenarios.jobs import coming_due
from rehearsal.scenarios.planning import Plan
from rehearsal.scenarios.steps import STEPS, FaultStep
from rehearsal.scenarios.steps.fault import describe

LISTED = 10  # jobs coming due, at most, in a dry run


def dry_run(plan: Plan, seed: int | None = None) -> list[str]:
    """What the run would do; random picks use ``seed`` (else the scenario's), as the run would."""
    scenario, profile = plan.scenario, plan.profile
    run_seed = seed if seed is not None else (scenario.seed or 0)
    title = scenario.title or plan.scenario_path.stem
    calendar = profile.calendar
    clock = run_clock(scenario, calendar.zone if calendar else None, datetime.now(UTC))
    lines = [
        f"{title}: {scenario.kind} against {profile.customer.name} "
        f"({len(profile.nodes)} nodes); dry run, nothing is changed",
        f"steady state: {', '.join(scenario.steady_state)}",
        f"random picks use seed {run_seed} (a run without --seed or seed: draws and records one)",
    ]
    if clock.from_at:
        lines.append(
            f"{rehearsed_as_at(clock.customer_start, clock.wall_start)}: the customer's clock "
            f"when phase 1 starts now, running {clock.speed:g}x"
        )
    lines += [
        f"node {node.name} is lab host {node.lab_host.user}@{node.lab_host.address}:"
        f"{node.lab_host.port} (converged over SSH, not removed afterwards)"
        for node in profile.nodes
        if node.lab_host is not None
    ]
    for index, phase in enumerate(scenario.phases):
        lines.append(
            f"phase {index + 1}: {phase.name} (operator {phase.operator}, analyst {phase.analyst})"
        )
        for number, step in enumerate(phase.steps):
            if isinstance(step, FaultStep):
                text = f"inject {describe(step.fault, place(step.fault, profile, run_seed))}"
                if not FAULTS[step.fault.type].has_switch():
                    text += "; no dead man's switch (the node cannot undo it alone)"
            else:
                key = step_key(step)
                assert key is not None
                text = STEPS[key].label(step)
            lines.append(f"  {number + 1}. {text}")
    return lines + _scheduled_jobs(plan, clock)


def _scheduled_jobs(
    plan: Plan, clock: RunClock, horizon: timedelta = timedelta(hours=1)
) -> list[str]:
    """When jobs would come due by themselves, counted from the first phase."""
    timing = plan.scenario.jobs
    if timing.run != "as_scheduled":
        return []
    start, zone = clock.customer_start, clock.zone
    runnable = [job for job in plan.profile.jobs if job.run is not None]
    due = list(islice(coming_due(runnable, start, start + horizon * timing.speed), LISTED))
    lines = [
        f"jobs as scheduled: the run's clock reads {start:%Y-%m-%d %H:%M:%S} {zone} when "
        f"phase 1 starts, running {timing.speed:g}x; due in the run's first "
        f"{int(horizon.total_seconds() // 60)} min:" + ("" if due else " none")
    ]
    for at, name, job in due:
        after = (at - start).total_seconds() / timing.speed
        lines.append(f"  {name} on {job.on} at {at:%H:%M} (+{after:g} s)")
    if len(due) == LISTED:
        lines.append(f"  (the first {LISTED} shown)")
    return lines
