"""A real Prefect server on loopback (SQLite under a temporary PREFECT_HOME) for a test
module, with this process (its environment and Prefect's settings) pointed at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(port: int) -> bool:
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def prefect_server(home: Path) -> Iterator[dict[str, str]]:
    """Yield the environment (PREFECT_API_URL and friends) of a server that is up."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_UI_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    argv = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*argv, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    saved = {key: os.environ.get(key) for key in ("PREFECT_API_URL", "PREFECT_HOME")}
    os.environ.update({key: env[key] for key in saved})
    from prefect.settings import PREFECT_API_URL, temporary_settings

    try:
        wait_for(lambda: _healthy(port), 120, "the Prefect server")
        # Prefect reads the environment once, when first imported: a second server in the
        # same test session must be set on its settings, not only in os.environ.
        with temporary_settings({PREFECT_API_URL: api}):
            yield env
    finally:
        server.terminate()
        server.wait(timeout=60)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def launch_choice(folder: Path, scenario: str) -> str:
    """The launch form's choice for a scenario file under ``folder``, as the UI sends it."""
    from rehearsal.flows.launch_form import scenario_choices

    [choice] = [label for label, path in scenario_choices(folder).items() if path == scenario]
    return choice
