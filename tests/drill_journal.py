"""A realistic journal of the webshop drill, written event by event as the engine writes it.

Times are fixed (``start``) so runs of the same scenario can be ordered; ``samples`` sets how
many probe samples are written (10,000 events for the size and speed test).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES

T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)
PROFILE = EXAMPLES / "webshop" / "profile.yaml"


def write_drill_journal(
    run_dir: Path,
    *,
    start: datetime = T0,
    run_id: str = "20261120T090000Z-drill-app-node-loss-aaaaaa",
    samples: int = 120,
    switch_took_s: float = 20.0,
    log_line: str = "nginx: reloaded",
    profile: Path = PROFILE,
    extra: list[dict[str, Any]] | None = None,
) -> Path:
    """Write ``run_dir/journal.jsonl``; returns the run folder."""
    run_dir.mkdir(parents=True, exist_ok=True)
    events: list[dict[str, Any]] = []

    def add(seconds: float, event: str, **fields: Any) -> None:
        at = (start + timedelta(seconds=seconds)).isoformat()
        events.append({"at": at, "event": event, **fields})

    add(
        0,
        "run.started",
        run_id=run_id,
        kind="rehearsal",
        title="Loss of the active application server",
        purpose="Check that OPS-APP-07 brings checkout back within the RTO before go-live.",
        customer="Acme Retail",
        account_manager="J. Park",
        profile=str(profile),
        scenario="examples/webshop/drill-app-node-loss.yaml",
        team={"operators": ["Kim Minji"], "analysts": ["Sato Ren"], "owner": ["J. Park"]},
        services=[{"name": "checkout", "impact": "Orders cannot be placed.", "probe": "shop-http"}],
        measured_probe="shop-http",
        rto_s=300.0,
        criteria=[{"recover_within": "rto"}],
    )
    add(1, "environment.ready", facts={"docker": "27.0", "nodes": "lb1, app1, app2, db1"})
    interval = 60.0 / max(samples, 1) * 2
    down_from, down_until = 11.0, 16.0 + switch_took_s
    for n in range(samples):
        t = 2 + n * interval
        ok = not down_from <= t < down_until
        add(
            t,
            "probe.sample",
            probe="shop-http",
            ok=ok,
            latency_s=0.01,
            detail="200" if ok else "502",
        )
    add(
        10,
        "phase.started",
        phase="lose the active app server",
        operator="Kim Minji",
        analyst="Sato Ren",
    )
    add(10, "step.started", index=1, type="fault", label="stop app1")
    add(
        10,
        "fault.injecting",
        fault="f1",
        type="container.stop",
        targets=["app1"],
        phase="lose the active app server",
    )
    add(10.5, "fault.injected", fault="f1")
    add(10.5, "step.finished", status="passed")
    add(11, "step.started", index=2, type="runbook", label="run app-failover-to-standby")
    add(
        11,
        "runbook.step.started",
        index=1,
        say="Switch the load balancer to app2",
        node="lb1",
        command="nginx-upstream-switch app app2",
        budget_s=60.0,
    )
    add(
        11 + switch_took_s,
        "runbook.step.finished",
        status="passed",
        duration_s=switch_took_s,
        exit_code=0,
        output=log_line + "\n",
    )
    add(12 + switch_took_s, "step.finished", status="passed")
    add(13 + switch_took_s, "step.started", index=3, type="check", label="shop-http passes")
    add(14 + switch_took_s, "step.finished", status="passed")
    add(15 + switch_took_s, "phase.finished", status="passed")
    add(
        16 + switch_took_s,
        "question.asked",
        id="o1",
        kind="observe",
        phase="lose the active app server",
        person="Sato Ren",
        instruction="What did the logs show?",
    )
    add(
        17 + switch_took_s,
        "question.answered",
        id="o1",
        outcome="done",
        notes="connection pool on app2 warmed up slowly",
        waited_s=1.0,
    )
    add(
        18 + switch_took_s,
        "finding",
        id="R1",
        severity="medium",
        category="monitoring",
        title="Connection pool exhausted on app2 during fail-over",
        detail="app2 logged 'pool exhausted' for 4 s.",
        phase="lose the active app server",
        recommendation="Warm the pool before switching.",
        evidence=[],
    )
    add(70, "fault.reverting", fault="f1")
    add(71, "fault.reverted", fault="f1", status="reverted")
    events += extra or []
    add(80, "run.finished", outcome="completed", error=None)
    with (run_dir / "journal.jsonl").open("w", encoding="utf-8") as journal:
        journal.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
    return run_dir
