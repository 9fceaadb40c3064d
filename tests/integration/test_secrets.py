"""A secret given to a real run is used and never written: not in the journal, results,
reports, evidence, Ansible's artifacts, the case library, nor the run's output; the same for
the token in a monitor's webhook URL, which the webhook still gets whole; and Prefect Secret
blocks are a source as good as the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.models.loading import load_profile
from tests.conftest import ROOT
from tests.integration.test_crash import DATA, TOKEN
from tests.integration.webhooks import Receiver, receiving

HOOK_TOKEN = "hook-tok-c4d19e7f02b6a853"
HOOK_KEY = "hook-key-71f0a2d95e3c6b48"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as found:
        yield found


@pytest.mark.docker
def test_a_secret_reaches_no_file_of_the_run(tmp_path: Path, receiver: Receiver) -> None:
    port = receiver.port
    path = f"/hooks/{HOOK_TOKEN}?key={HOOK_KEY}"
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    monitor = (
        "monitors:\n"
        "  - {name: web-down, probe: web-tcp, severity: low, notify: "
        f"[{{webhook: 'http://127.0.0.1:{port}{path}'}}]}}\n"
    )
    with (data / "profile.yaml").open("a") as profile:
        profile.write(monitor)
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "rehearsal", "run", str(data / "scenario.yaml")]
    argv += ["--out", str(out), "--answers", str(data / "answers.yaml"), "--people", "none"]
    argv += ["--fresh"]  # a converge, whose inventory and Ansible artifacts are searched too
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
    assert receiver.paths and set(receiver.paths) == {path}, "the webhook was sent its whole URL"
    [run_dir] = [p for p in out.iterdir() if p.is_dir()]
    # The whole reports folder: the run's files, and the case library beside them.
    files = [p for p in out.rglob("*") if p.is_file()]
    secrets = [s.encode() for s in (TOKEN, HOOK_TOKEN, HOOK_KEY)]
    leaked = [str(p.relative_to(out)) for p in files if any(s in p.read_bytes() for s in secrets)]
    print(f"\nfiles of the run searched for the secrets: {len(files)}, holding one: {len(leaked)}")
    assert not leaked, leaked
    assert not any(s in output for s in secrets)
    journal = (run_dir / "journal.jsonl").read_text()
    assert f'"target": "http://127.0.0.1:{port}/…redacted…"' in journal
    # It went through where it would have shown, and was masked there.
    assert "echo the token is [redacted]" in (run_dir / "journal.jsonl").read_text()
    inventory = run_dir / "ansible" / "inventory" / "hosts.json"
    assert '"nginx_status_token": "[redacted]"' in inventory.read_text()
    assert any("artifacts" in p.parts for p in files), "Ansible's artifacts were searched"


@pytest.mark.prefect
def test_a_prefect_secret_block_is_a_secret_source(tmp_path: Path) -> None:
    from prefect.blocks.system import Secret
    from prefect.testing.utilities import prefect_test_harness

    from rehearsal.errors import RunRefused
    from rehearsal.flows.adapters import install
    from rehearsal.secrets.resolve import resolve_secrets

    install()  # as `rehearsal run`, `env up` and every flow do
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
