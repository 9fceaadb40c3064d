"""Environment up, warm (images cached): rehearsal vs a ``docker run`` loop and compose.

The curve over 1…20 nodes shows how starting nodes side by side scales against a
sequential script; memory shows what the orchestrator and the nodes cost.
"""

from __future__ import annotations

import time

from bench import baselines
from bench.mirrors import base_environment, bench_id, owned
from bench.options import Options
from bench.resources import containers_memory_mib, peak_rss_mib, reset_peak_rss
from bench.table import Figure
from rehearsal.envs.docker import docker_client

SIZES = (1, 5, 10, 20)
QUICK_SIZES = (1, 5)


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    figures: list[Figure] = []
    sizes = QUICK_SIZES if options.quick else SIZES
    for size in sizes:
        with owned(client, bench_id(f"up{size}")) as run_id:
            env = base_environment(client, run_id, size, options.workdir)
            reset_peak_rss()
            started = time.monotonic()
            env.up()
            ours = time.monotonic() - started
            rss = peak_rss_mib()
            names = [env.container_name(node.name) for node in env.spec.nodes]
            memory = containers_memory_mib(names)
            env.down()
        with owned(client, bench_id(f"run{size}")) as run_id:
            started = time.monotonic()
            names = baselines.docker_run_loop(run_id, size)
            loop = time.monotonic() - started
            loop_memory = containers_memory_mib(names)
        with owned(client, bench_id(f"compose{size}")) as run_id:
            path = baselines.compose_file(run_id, size, options.workdir / run_id)
            project = run_id.replace("-", "")
            try:
                started = time.monotonic()
                baselines.compose_up(path, project, run_id)
                composed = time.monotonic() - started
            finally:
                baselines.compose(path, project, "down", "--timeout", "1")
        name = f"env up warm, {size} node{'s' if size > 1 else ''}"
        figures += [
            Figure("envup", name, "s", ours, loop, "docker run loop"),
            Figure("envup", name, "s", ours, composed, "docker-compose up"),
            Figure(
                "envup",
                f"nodes' memory, {size} nodes",
                "MiB",
                memory,
                loop_memory,
                "docker run loop",
                note="sum of docker stats",
            ),
            Figure(
                "envup",
                f"orchestrator peak RSS, {size} nodes",
                "MiB",
                rss,
                note="bench process incl. Docker SDK",
            ),
        ]
    return figures
