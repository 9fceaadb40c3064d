"""The Prefect face of a run tolerates a slow machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_temporary_prefect_server_gets_time_to_start_on_a_busy_machine() -> None:
    # A fresh interpreter: Prefect reads its settings once, when it is first imported.
    probe = (
        "import rehearsal.flows.launch\n"
        "from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as s\n"
        "print(s.value())"
    )
    environment = {
        k: v
        for k, v in os.environ.items()
        if k != "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert int(done.stdout.split()[-1]) >= 60
