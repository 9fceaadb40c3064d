"""Teardown: rehearsal's ``down`` vs a ``docker stop`` + ``docker rm`` loop, and what leaks.

Leaked resources are those still labelled with the run after teardown; there must be none.
"""

from __future__ import annotations

import time

from bench import baselines
from bench.mirrors import base_environment, bench_id, leftovers, owned
from bench.options import Options
from bench.table import Figure
from rehearsal.envs.docker import docker_client


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    size = 5 if options.quick else 10
    with owned(client, bench_id("down")) as run_id:
        env = base_environment(client, run_id, size, options.workdir)
        env.up()
        started = time.monotonic()
        env.down()
        ours = time.monotonic() - started
        leaked = leftovers(client, run_id)
    with owned(client, bench_id("rmloop")) as run_id:
        names = baselines.docker_run_loop(run_id, size)
        started = time.monotonic()
        baselines.stop_rm_loop(run_id, names)
        loop = time.monotonic() - started
        loop_leaked = leftovers(client, run_id)
    return [
        Figure("teardown", f"teardown, {size} nodes", "s", ours, loop, "docker stop+rm loop"),
        Figure(
            "teardown",
            f"leaked resources, {size} nodes",
            "",
            leaked,
            loop_leaked,
            "docker stop+rm loop",
            target=0,
        ),
    ]
