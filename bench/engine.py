"""Engine overhead per step: a scenario of many instant steps through the engine (journal,
symptom and stop-condition bookkeeping, step events fsynced) against calling the same
steps' code directly, on an in-memory environment so only the engine's own work counts."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from pathlib import Path

from bench.options import Options
from bench.table import Figure
from rehearsal.envs.base import CommandResult
from rehearsal.journal.writer import Journal
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.people import NobodyAnswers
from rehearsal.scenarios.planning import load_plan
from rehearsal.scenarios.probes import Probe, Sample
from rehearsal.scenarios.sampler import ProbeSampler
from rehearsal.scenarios.steps import STEPS, PhaseInfo, StepContext

STEPS_IN_PHASE = 200
PROFILE = """\
customer: {name: Bench}
business: {targets: {rto: 5m}}
nodes: [{name: n1, role: nginx, networks: [net]}]
networks: [{name: net}]
probes: [{name: up, tcp: {host: n1, port: 80}, interval: 100ms}]
runbooks:
  noop: [{say: nothing to do, run: "true", on: n1}]
"""


class InMemoryNode:
    """An environment whose node answers every command at once."""

    run_id = "bench-engine"

    def address(self, node: str) -> str:
        return "127.0.0.1"

    def stop_node(self, node: str, grace_s: float) -> None:
        return None

    def start_node(self, node: str) -> None:
        return None

    def node_running(self, node: str) -> bool:
        return True

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult:
        return CommandResult(0, "", 0.0)


class AlwaysUp(Probe):
    key = "bench"

    def __init__(self) -> None:
        pass

    def sample(self) -> Sample:
        return Sample(True, 0.0, "up")


def _scenario(folder: Path, steps: int) -> Path:
    (folder / "profile.yaml").write_text(PROFILE)
    lines = "\n".join(["      - runbook: noop"] * steps)
    (folder / "s.yaml").write_text(
        "kind: rehearsal\nprofile: profile.yaml\n"
        "team: {operators: [{name: O}], analysts: [{name: A}]}\nsteady_state: [up]\n"
        f"phases:\n  - name: p\n    operator: O\n    analyst: A\n    steps:\n{lines}\n"
    )
    return folder / "s.yaml"


def _through_engine(scenario: Path, run_dir: Path) -> float:
    plan = load_plan(scenario)
    with Journal(run_dir) as journal:
        engine = Engine(
            plan.scenario,
            plan.profile,
            InMemoryNode(),
            journal,
            probes={"up": (AlwaysUp(), 0.1)},
            run_dir=run_dir,
        )
        started = time.perf_counter()
        engine.run()
        return time.perf_counter() - started


def _directly(scenario: Path, run_dir: Path) -> float:
    """The same steps' own work, without the engine's events around each step."""
    plan = load_plan(scenario)
    kind = STEPS["runbook"]
    with Journal(run_dir) as journal, ProbeSampler({"up": (AlwaysUp(), 0.1)}, journal) as s:
        context = StepContext(
            plan.profile,
            InMemoryNode(),
            journal,
            s,
            threading.Event(),
            ExitStack(),
            lambda *_a, **_k: None,
            lambda: "F1",
            NobodyAnswers(),
            run_dir,
        )
        started = time.perf_counter()
        for number, step in enumerate(plan.scenario.phases[0].steps):
            kind.run(step, PhaseInfo("p", "O", "A", 0, number), context)
        return time.perf_counter() - started


def measure(options: Options) -> list[Figure]:
    folder = options.workdir / "engine"
    folder.mkdir(parents=True, exist_ok=True)
    scenario = _scenario(folder, STEPS_IN_PHASE)
    repeats = options.repeats(3, 1)
    ours = min(_through_engine(scenario, folder / f"e{i}") for i in range(repeats))
    base = min(_directly(scenario, folder / f"d{i}") for i in range(repeats))
    per_step_ms = (ours - base) / STEPS_IN_PHASE * 1000
    return [
        Figure(
            "engine",
            "engine overhead per step",
            "ms",
            round(max(per_step_ms, 0.0), 2),
            target=50.0,
            note=f"{STEPS_IN_PHASE} one-command runbook steps; engine minus the steps' own "
            "work (journal events fsynced, symptom and stop checks)",
        ),
        Figure(
            "engine",
            f"{STEPS_IN_PHASE} steps through the engine",
            "s",
            round(ours, 3),
            baseline=round(base, 3),
            baseline_label="same steps called directly",
        ),
    ]
