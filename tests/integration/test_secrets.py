"""A secret given to a real run is used and never written: not in the journal, results,
reports, evidence, Ansible's artifacts, nor the run's output; and Prefect Secret blocks
are a source as good as the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal.models.loading import load_profile
from tests.conftest import ROOT
from tests.integration.test_crash import DATA, TOKEN


@pytest.mark.docker
def test_a_secret_reaches_no_file_of_the_run(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "rehearsal", "run", str(DATA / "scenario.yaml")]
    argv += ["--out", str(tmp_path), "--answers", str(DATA / "answers.yaml"), "--people", "none"]
    done = subprocess.run(
        argv,
        cwd=ROOT,
        env={**os.environ, "REHEARSAL_TEST_API_TOKEN": TOKEN},
        capture_output=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output.decode(errors="replace")
    [run_dir] = [p for p in tmp_path.iterdir() if p.is_dir()]
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    leaked = [str(p.relative_to(run_dir)) for p in files if TOKEN.encode() in p.read_bytes()]
    print(f"\nfiles of the run searched for the secret: {len(files)}, holding it: {len(leaked)}")
    assert not leaked, leaked
    assert TOKEN.encode() not in output
    # It went through where it would have shown, and was masked there.
    assert "echo the token is [redacted]" in (run_dir / "journal.jsonl").read_text()
    inventory = run_dir / "ansible" / "inventory" / "hosts.json"
    assert '"status_token": "[redacted]"' in inventory.read_text()
    assert any("artifacts" in p.parts for p in files), "Ansible's artifacts were searched"


@pytest.mark.prefect
def test_a_prefect_secret_block_is_a_secret_source(tmp_path: Path) -> None:
    from prefect.blocks.system import Secret
    from prefect.testing.utilities import prefect_test_harness

    from rehearsal.errors import RunRefused
    from rehearsal.secrets import resolve_secrets

    text = (DATA / "profile.yaml").read_text()
    (tmp_path / "profile.yaml").write_text(
        text.replace("env: REHEARSAL_TEST_API_TOKEN", "prefect_secret: rh-test-api-token")
    )
    profile = load_profile(tmp_path / "profile.yaml")
    with prefect_test_harness(server_startup_timeout=60):
        with pytest.raises(RunRefused, match="Prefect Secret block 'rh-test-api-token'"):
            resolve_secrets(profile)
        Secret(value=TOKEN).save("rh-test-api-token")
        assert resolve_secrets(profile).node("web1").params["status_token"] == TOKEN
