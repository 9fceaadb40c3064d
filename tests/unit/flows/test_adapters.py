"""Prefect is plugged into the seams below flows in one place, without loading Prefect; the
CLI commands that resolve secrets or consult the stop plug it in; without a server the
adapters stay out of the way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.errors import RunRefused
from rehearsal.flows import adapters
from rehearsal.flows.adapters import install
from rehearsal.flows.cancel import PrefectFlowRuns
from rehearsal.flows.stop_variable import StopVariable
from rehearsal.models.alerts import Notify
from rehearsal.models.profile import SecretSource
from rehearsal.runs.emergency import ELSEWHERE
from rehearsal.runs.live import SHARED_STOPS, Stop
from rehearsal.scenarios.notify import CHANNELS, Delivery, deliver
from rehearsal.secrets.resolve import READERS

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "integration" / "data" / "hardening"
STOP = Stop("Kim", "db wiped", "2026-12-01T12:00:00+00:00")


@pytest.fixture(autouse=True)
def uninstalled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with nothing of Prefect registered, and leaves the registries so."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delitem(READERS, "prefect_secret", raising=False)
    monkeypatch.delitem(CHANNELS, "prefect", raising=False)
    monkeypatch.delitem(SHARED_STOPS, "prefect-variable", raising=False)
    monkeypatch.delitem(ELSEWHERE, "prefect", raising=False)


def test_install_plugs_prefect_into_every_seam_once() -> None:
    install()
    install()
    assert READERS["prefect_secret"] is adapters.read_secret_block
    assert CHANNELS["prefect"] is adapters.send_event
    assert isinstance(SHARED_STOPS["prefect-variable"], StopVariable)
    assert isinstance(ELSEWHERE["prefect"], PrefectFlowRuns)
    assert len(SHARED_STOPS) == len(ELSEWHERE) == 1


def test_installing_loads_no_prefect() -> None:
    probe = (
        "import sys\n"
        "from rehearsal.flows.adapters import install\n"
        "install()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_without_a_server_the_stop_variable_and_flow_runs_do_nothing() -> None:
    variable = StopVariable()
    variable.write(STOP)
    variable.clear()
    assert variable.read() is None
    assert PrefectFlowRuns().cancel_elsewhere(STOP) == []
    PrefectFlowRuns().mark_cancelled([], STOP)


def test_a_prefect_alert_outside_a_flow_run_says_no_event_was_sent(tmp_path: Path) -> None:
    install()
    delivery = deliver(Notify(prefect=True), {"monitor": "m"}, tmp_path)
    assert delivery == Delivery(
        False, "not inside a Prefect flow run, so no Prefect event was sent"
    )


def _block_scenario(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    profile = data / "profile.yaml"
    profile.write_text(
        profile.read_text().replace(
            "env: REHEARSAL_TEST_API_TOKEN", "prefect_secret: rh-test-api-token"
        )
    )
    return data


def _unreadable(source: SecretSource) -> str:
    raise RunRefused(f"block {source.prefect_secret} read by the installed reader")


@pytest.mark.parametrize("command", ["run", "env up"])
def test_the_cli_reads_prefect_secret_sources(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(adapters, "read_secret_block", _unreadable)
    data = _block_scenario(tmp_path)
    target = data / ("scenario.yaml" if command == "run" else "profile.yaml")
    argv = [*command.split(), str(target), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert "block rh-test-api-token read by the installed reader" in result.output


def test_the_cli_stop_consults_the_shared_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(StopVariable, "read", lambda _self: STOP)
    monkeypatch.setattr(StopVariable, "clear", lambda _self: None)
    result = CliRunner().invoke(app, ["stop", "--lift"])
    assert result.exit_code == 0, result.output
    assert f"lifted the {STOP.sentence()}; runs may start again" in result.output
