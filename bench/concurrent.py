"""Three demo drills at once on one machine: total time against one alone, and isolation.

Isolation is checked from what the runs recorded: distinct run ids, each run passed, and
no run's journal names another run's containers (``rh-<suffix>-…``).
"""

from __future__ import annotations

import time

from bench import demo
from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import resource_prefix
from rehearsal.journal.writer import JOURNAL_NAME

RUNS = 3


def _violations(runs: list[demo.DrillRun]) -> list[str]:
    found = []
    ids = [run.run_dir.name for run in runs]
    if len(set(ids)) != len(ids):
        found.append(f"run ids repeat: {ids}")
    for run in runs:
        if demo.status(run) != "passed":
            found.append(f"{run.run_dir.name} {demo.status(run)}")
        journal = (run.run_dir / JOURNAL_NAME).read_text()
        for other in ids:
            if other != run.run_dir.name and f"{resource_prefix(other)}-" in journal:
                found.append(f"{run.run_dir.name} names {resource_prefix(other)}")
    return found


def measure(options: Options) -> list[Figure]:
    alone = demo.single_run(options)
    outs = [options.workdir / f"concurrent-{n}" for n in range(RUNS)]
    for out in outs:
        out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    processes = [demo.start(out) for out in outs]
    runs = [
        demo.finish(process, started, out) for process, out in zip(processes, outs, strict=True)
    ]
    total = max(run.seconds for run in runs)
    violations = _violations(runs)
    return [
        Figure(
            "concurrent",
            f"{RUNS} demo drills at once, total",
            "s",
            total,
            alone.seconds,
            "one drill alone",
            target=RUNS * alone.seconds,
            note=f"target: faster than {RUNS} in a row",
        ),
        Figure(
            "concurrent",
            "isolation violations",
            "",
            len(violations),
            target=0,
            note="; ".join(violations) or "distinct run ids, all passed, no cross-run names",
        ),
    ]
