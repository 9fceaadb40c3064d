"""Report rendering time for long runs: ``rehearsal report`` (read the journal, derive
results, write results.json and every report) on synthetic journals of 1k and 10k events,
shaped like the demo drill's but with the probe samples a long run accumulates."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.options import Options
from bench.table import Figure
from rehearsal.journal.writer import JOURNAL_NAME
from rehearsal.runs.session import write_results

SIZES = (1_000, 10_000)
PHASE = "lose the active app server"
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _event(second: float, event: str, **fields: Any) -> dict[str, Any]:
    return {"at": (T0 + timedelta(seconds=second)).isoformat(), "event": event, **fields}


def _opening() -> list[dict[str, Any]]:
    return [
        _event(0, "run.started", run_id="bench-report-000000", kind="rehearsal",
               title="Loss of the active application server", purpose="Benchmark journal.",
               customer="Acme Retail", account_manager="J. Park", profile="profile.yaml",
               scenario="drill.yaml",
               team={"operators": ["Kim Minji"], "analysts": ["Sato Ren"], "owner": []},
               services=[{"name": "checkout", "impact": "Orders lost.", "probe": "shop-http"}],
               measured_probe="shop-http", rto_s=300.0, criteria=[{"recover_within": "rto"}],
               keep=False),
        _event(1, "environment.ready", facts={"backend": "docker", "nodes": "4"}),
        _event(1, "phase.started", phase=PHASE, index=0, operator="Kim Minji", analyst="Sato Ren"),
        _event(1, "step.started", phase=PHASE, index=0, type="fault",
               label="container.stop on app1", actor="Kim Minji"),
        _event(1, "fault.injecting", fault="F1", type="container.stop", targets=["app1"],
               phase=PHASE),
        _event(1.2, "fault.injected", fault="F1", type="container.stop", targets=["app1"],
               phase=PHASE, verified=True),
        _event(1.2, "step.finished", phase=PHASE, index=0, type="fault", status="passed",
               detail="container.stop on app1", budget_s=None),
    ]  # fmt: skip


def _closing(end: float) -> list[dict[str, Any]]:
    return [
        _event(end, "phase.finished", phase=PHASE, index=0, status="passed"),
        _event(end, "fault.reverting", fault="F1"),
        _event(end + 1, "fault.reverted", fault="F1", status="reverted"),
        _event(end + 2, "run.finished", outcome="completed", error=None),
    ]


def synthetic_journal(size: int) -> list[dict[str, Any]]:
    """``size`` events: a drill whose shop is down for 10 s, then sampled until the end."""
    head = _opening()
    samples = size - len(head) - len(_closing(0))
    body = []
    for n in range(samples):
        second = 1.2 + n * 0.25
        down = 8 <= n < 48
        probe = "shop-http" if n % 2 else "standby-http"
        body.append(
            _event(second, "probe.sample", probe=probe, ok=not (down and probe == "shop-http"),
                   latency_s=0.01, detail="HTTP 504" if down else "HTTP 200")
        )  # fmt: skip
    return head + body + _closing(1.2 + samples * 0.25)


def _rebuild(events: list[dict[str, Any]], run_dir: Path) -> float:
    run_dir.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(event) + "\n" for event in events)
    (run_dir / JOURNAL_NAME).write_text(lines, encoding="utf-8")
    started = time.monotonic()
    write_results(run_dir)
    return time.monotonic() - started


def measure(options: Options) -> list[Figure]:
    figures = []
    for size in SIZES:
        events = synthetic_journal(size)
        seconds = min(_rebuild(events, options.workdir / f"report-{size}") for _ in range(2))
        figures.append(
            Figure(
                "report",
                f"rehearsal report, {size // 1000}k events",
                "s",
                seconds,
                note="best of 2; results.json, html, md, junit",
            )
        )
    return figures
