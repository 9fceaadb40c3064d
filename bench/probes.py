"""Probe resolution: how long after a node dies does the HTTP probe report it failing?

rehearsal's sampler (the one runs use) and a ``curl`` loop a user would write watch the
same server side by side; the node is killed and each detection is timed from the
moment the kill returned. It must be at most one interval plus the probe's timeout.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from bench.mirrors import base_environment, bench_id, owned
from bench.options import Options
from bench.polling import until
from bench.table import Figure
from rehearsal.envs.docker import DockerEnvironment, docker_client
from rehearsal.journal.writer import Journal
from rehearsal.scenarios.probes import HttpCheck
from rehearsal.scenarios.probes.http import HttpProbe
from rehearsal.scenarios.sampler import ProbeSampler

INTERVALS_S = (0.1, 0.5)
TIMEOUT_S = 0.5
PORT = 8080
SERVE = f"setsid python3 -m http.server {PORT} >/dev/null 2>&1 </dev/null &"


def _serve(env: DockerEnvironment) -> str:
    env.run_command("n1", SERVE, timeout_s=10)
    url = f"http://{env.address('n1')}:{PORT}/"
    until(lambda: _answers(url), 10, "the HTTP server in n1 answering", every_s=0.05)
    return url


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _curl_loop(url: str, interval_s: float) -> subprocess.Popen[bytes]:
    """The monitor a user writes by hand: curl until it fails."""
    script = (
        f"while curl -fsS -o /dev/null --max-time {TIMEOUT_S} {url}; do sleep {interval_s}; done"
    )
    return subprocess.Popen(["bash", "-c", script], stderr=subprocess.DEVNULL)


def _detect(env: DockerEnvironment, interval_s: float, journal_dir: Path) -> tuple[float, float]:
    """One kill; (rehearsal's detection delay, the curl loop's), in seconds."""
    url = _serve(env)
    probe = HttpProbe(HttpCheck(url=url, timeout=TIMEOUT_S), env)
    exited: list[float] = []
    curl = _curl_loop(url, interval_s)

    def wait_for_curl() -> None:
        curl.wait(60)
        exited.append(time.monotonic())

    waiter = threading.Thread(target=wait_for_curl)
    waiter.start()
    journal = Journal(journal_dir)
    try:
        with ProbeSampler({"http": (probe, interval_s)}, journal) as sampler:
            time.sleep(1)  # both monitors in their steady rhythm before the failure
            mark = sampler.mark()
            killed = time.monotonic()
            env.container("n1").kill()
            seen = sampler.wait_for("http", False, mark, 30, threading.Event())
            ours = time.monotonic() - killed
        if seen is None:
            raise TimeoutError("the probe never saw the killed node fail")
        waiter.join(60)
        return ours, exited[0] - killed
    finally:
        curl.kill()
        journal.close()
        env.start_node("n1")


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    repeats = options.repeats(3, 1)
    figures: list[Figure] = []
    with owned(client, bench_id("probes")) as run_id:
        env = base_environment(client, run_id, 1, options.workdir)
        env.up()
        for interval in INTERVALS_S:
            delays = [
                _detect(env, interval, options.workdir / run_id / f"journal-{interval}-{n}")
                for n in range(repeats)
            ]
            ours = max(delay for delay, _ in delays)
            figures.append(
                Figure(
                    "probes",
                    f"HTTP probe detection, {interval * 1000:.0f} ms interval",
                    "s",
                    ours,
                    max(curl for _, curl in delays),
                    "curl loop",
                    target=interval + TIMEOUT_S,
                    note=f"worst of {repeats} kills; timeout {TIMEOUT_S * 1000:.0f} ms",
                )
            )
    return figures
