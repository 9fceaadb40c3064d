"""Load: a 20-node mirror, a 200-step scenario and 20 probes sampled every 100 ms, run to the
end through the real CLI, with the orchestrator's memory sampled from outside all along.

Figures: the orchestrator's peak RSS, how much its RSS grew from the first to the last
quarter of the scenario (steady memory: growth stays small however long a run is), the
journal's size, and the run's outcome.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import docker_client, remove_run
from rehearsal.journal.writer import JOURNAL_NAME, read_journal

ROOT = Path(__file__).resolve().parents[1]
NODES = 20
STEPS = 200
PEAK_TARGET_MB = 400.0
GROWTH_TARGET_MB = 40.0


def profile() -> dict[str, object]:
    names = [f"web{i}" for i in range(1, NODES + 1)]
    return {
        "customer": {"name": "Load"},
        "business": {
            "targets": {"rto": "1m"},
            "services": [{"name": "web", "impact": "A benchmark.", "probe": "web1-tcp"}],
        },
        "nodes": [{"name": n, "role": "nginx", "networks": ["front"]} for n in names],
        "networks": [{"name": "front"}],
        "probes": [
            {
                "name": f"{n}-tcp",
                "tcp": {"host": n, "port": 80, "timeout": "1s"},
                "interval": "100ms",
            }
            for n in names
        ],
    }


def _step(number: int) -> dict[str, object]:
    node = f"web{number % NODES + 1}"
    kinds: list[dict[str, object]] = [
        {"action": {"say": f"step {number}", "run": f"echo step {number}", "on": node}},
        {"check": {"probe": f"{node}-tcp", "status": "passing"}},
        {"wait": {"for": "100ms"}},
        {"fault": {"type": "container.pause", "target": node, "duration": "300ms"}},
        {"check": {"say": "nginx runs", "on": node, "run": "pgrep -x nginx", "expect_output": "."}},
    ]
    return kinds[number % len(kinds)]


def scenario() -> dict[str, object]:
    per_phase = STEPS // 4
    return {
        "kind": "rehearsal",
        "title": f"Load: {NODES} nodes, {STEPS} steps, probes at 100 ms",
        "profile": "profile.yaml",
        "team": {"operators": [{"name": "Bench"}], "analysts": [{"name": "Bench"}]},
        "steady_state": ["web1-tcp"],
        "phases": [
            {
                "name": f"quarter {q + 1}",
                "operator": "Bench",
                "analyst": "Bench",
                "steps": [_step(q * per_phase + s) for s in range(per_phase)],
            }
            for q in range(4)
        ],
    }


def _rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def _quarter(run_dir: Path) -> int:
    """Which quarter of the scenario the run is in (0: not started, 5: past the end)."""
    path = run_dir / JOURNAL_NAME
    if not path.exists():
        return 0
    with path.open("rb") as journal:
        journal.seek(max(0, path.stat().st_size - 20_000))
        tail = journal.read().decode(errors="replace")
    if '"event": "steady_state.checking", "when": "after"' in tail:
        return 5
    found = [q for q in range(1, 5) if f'"phase": "quarter {q}"' in tail]
    return max(found, default=0)


def measure(options: Options) -> list[Figure]:
    folder = options.workdir / "load"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.yaml").write_text(yaml.safe_dump(profile(), sort_keys=False))
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario(), sort_keys=False))
    out = folder / "out"
    argv = [sys.executable, "-m", "bench.drill", "run", str(folder / "scenario.yaml")]
    argv += ["--out", str(out), "--people", "none"]
    samples: dict[int, list[float]] = {q: [] for q in range(6)}
    started = time.monotonic()
    with (folder / "run.log").open("wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        while process.poll() is None and time.monotonic() - started < 1800:
            run_dir = next((p for p in out.iterdir() if p.is_dir()), None) if out.exists() else None
            rss = _rss_mb(process.pid)
            if rss is not None:
                samples[_quarter(run_dir) if run_dir else 0].append(rss)
            time.sleep(0.5)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        client = docker_client()
        for run_dir in out.iterdir() if out.exists() else []:
            if run_dir.name.startswith("bench-"):
                remove_run(client, run_dir.name)
    seconds = time.monotonic() - started
    [run_dir] = [p for p in out.iterdir() if (p / "results.json").is_file()]
    results = json.loads((run_dir / "results.json").read_text())
    events = read_journal(run_dir)
    steps = sum(1 for e in events if e["event"] == "step.finished")
    journal_mb = (run_dir / JOURNAL_NAME).stat().st_size / 1e6
    sampled = sum(e["event"] == "probe.sample" for e in events)
    peak = max(x for xs in samples.values() for x in xs)
    first, last = samples[1], samples[4]
    growth = (max(last) - max(first)) if first and last else float("nan")
    note = f"exit {process.returncode}, {results['status']}, {steps} steps, {seconds:.0f} s"
    return [
        Figure("load", "orchestrator peak RSS", "MB", peak, target=PEAK_TARGET_MB, note=note),
        Figure(
            "load",
            "RSS growth, quarter 1 → quarter 4",
            "MB",
            growth,
            target=GROWTH_TARGET_MB,
            note="steady memory: the last quarter's peak against the first's",
        ),
        Figure(
            "load",
            "journal size",
            "MB",
            journal_mb,
            note=f"{len(events)} events, {sampled} probe samples",
        ),
        Figure("load", f"steps not run (of {STEPS})", "", STEPS - steps, target=0),
    ]
