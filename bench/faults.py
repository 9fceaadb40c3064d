"""Fault latency: from calling ``inject`` to ``is_injected()`` true, for every fault type,
against one plain ``docker exec`` timed in the same run (faults cost one exec per node).

Each registered fault's ``example`` spec runs on a two-node base-image environment, so a
fault type added to ``FAULTS`` is measured without touching this file.
"""

from __future__ import annotations

import time

from bench.mirrors import base_environment, bench_id, owned
from bench.options import Options
from bench.polling import until
from bench.stats import percentile
from bench.table import Figure
from rehearsal.envs.docker import DockerEnvironment, docker_client
from rehearsal.scenarios.faults import FAULTS

TARGET_P95_MS = 250.0


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    injections = options.repeats(20, 5)
    figures: list[Figure] = []
    with owned(client, bench_id("faults")) as run_id:
        env = base_environment(client, run_id, 2, options.workdir)
        env.up()
        execs = [_exec_ms(env) for _ in range(injections)]
        for kind, fault_type in sorted(FAULTS.items()):
            if fault_type.needs is not None:
                continue  # its example needs more than a base-image node (db.drop: PostgreSQL)
            spec = fault_type.Spec.model_validate(fault_type.example)
            latencies, reverts = [], []
            for _ in range(injections):
                fault = fault_type(spec, env)
                started = time.monotonic()
                try:
                    fault.inject()
                    until(fault.is_injected, 30, f"{kind} taking effect")
                    latencies.append((time.monotonic() - started) * 1000)
                finally:
                    reverting = time.monotonic()
                    fault.revert()
                    until(fault.is_reverted, 60, f"{kind} reverting")
                    reverts.append(time.monotonic() - reverting)
            figures += [
                Figure(
                    "faults",
                    f"{kind} inject p50",
                    "ms",
                    percentile(latencies, 50),
                    baseline=percentile(execs, 50),
                    baseline_label="one docker exec",
                ),
                Figure(
                    "faults",
                    f"{kind} inject p95",
                    "ms",
                    percentile(latencies, 95),
                    baseline=percentile(execs, 95),
                    baseline_label="one docker exec",
                    target=TARGET_P95_MS,
                    note=f"{injections} injections; revert p50 {percentile(reverts, 50):.2f} s",
                ),
            ]
    return figures


def _exec_ms(env: DockerEnvironment) -> float:
    """One ``docker exec`` of ``true`` in a node: the least any in-node fault can cost."""
    started = time.monotonic()
    env.exec("n1", ["true"], 10)
    return (time.monotonic() - started) * 1000
