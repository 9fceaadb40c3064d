"""``rehearsal run --dry-run``: what the run would do, with every fault's nodes resolved.

Nothing is built and Docker is not asked anything: this reads the plan only.
"""

from __future__ import annotations

from rehearsal.models.loading import Plan
from rehearsal.models.scenario import step_key
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.targeting import place
from rehearsal.scenarios.steps import STEPS, FaultStep
from rehearsal.scenarios.steps.fault import describe


def dry_run(plan: Plan, seed: int | None = None) -> list[str]:
    """What the run would do; random picks use ``seed`` (else the scenario's), as the run would."""
    scenario, profile = plan.scenario, plan.profile
    run_seed = seed if seed is not None else (scenario.seed or 0)
    title = scenario.title or plan.scenario_path.stem
    lines = [
        f"{title}: {scenario.kind} against {profile.customer.name} "
        f"({len(profile.nodes)} nodes); dry run, nothing is changed",
        f"steady state: {', '.join(scenario.steady_state)}",
        f"random picks use seed {run_seed} (a run without --seed or seed: draws and records one)",
    ]
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
    return lines
