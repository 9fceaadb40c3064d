"""A fault the node refuses ends the run with exit 3 and one line on the console; Prefect's
traceback of it is in the run's rehearsal.log, for engineers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal.flows.run_log import LOG_NAME
from tests.conftest import ROOT
from tests.integration.test_crash import DATA, TOKEN

pytestmark = pytest.mark.docker


def test_a_refused_fault_is_one_line_and_its_traceback_is_in_the_run_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "rehearsal", "run", str(DATA / "refused.yaml")]
    done = subprocess.run(
        [*argv, "--out", str(tmp_path), "--people", "none"],
        cwd=ROOT,
        env={**os.environ, "REHEARSAL_TEST_API_TOKEN": TOKEN},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr
    print(output)
    assert done.returncode == 3, output
    refusal = "web1: filling / to 99% needs"
    told = [line for line in output.splitlines() if refusal in line]
    assert (
        len(told) == 1
        and "more than max_megabytes (1); raise it or use a smaller volume" in (told[0])
    ), output
    assert "Traceback" not in output and "FaultFailure" not in output, output
    [run_dir] = [p for p in tmp_path.iterdir() if p.is_dir()]
    log = (run_dir / LOG_NAME).read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log
    assert f"rehearsal.errors.FaultFailure: {refusal}" in log
