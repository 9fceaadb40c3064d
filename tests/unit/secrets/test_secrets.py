"""Profile secrets come from the environment (or a Prefect Secret block, tested with a real
Prefect server in tests/integration/test_secrets.py), never from the profile file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.errors import RunRefused
from rehearsal.models.loading import load_profile
from rehearsal.secrets.redaction import Redactor, redactor_for, scrub_folder
from rehearsal.secrets.resolve import resolve_secrets

DATA = Path(__file__).parents[2] / "integration" / "data" / "hardening"


def test_an_env_secret_fills_the_param_and_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REHEARSAL_TEST_API_TOKEN", "v3ry-s3cret")
    profile = resolve_secrets(load_profile(DATA / "profile.yaml"))
    assert profile.node("web1").params["status_token"] == "v3ry-s3cret"
    assert redactor_for(profile).text("token=v3ry-s3cret;") == "token=[redacted];"


def test_a_missing_env_secret_refuses_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REHEARSAL_TEST_API_TOKEN", raising=False)
    with pytest.raises(RunRefused, match="REHEARSAL_TEST_API_TOKEN is not set"):
        resolve_secrets(load_profile(DATA / "profile.yaml"))
    result = CliRunner().invoke(app, ["run", str(DATA / "scenario.yaml"), "--out", "/nonexistent"])
    assert result.exit_code == 2 and "REHEARSAL_TEST_API_TOKEN" in result.output


def test_a_secret_source_names_exactly_one_place(tmp_path: Path) -> None:
    text = (DATA / "profile.yaml").read_text()
    both = text.replace("env: REHEARSAL_TEST_API_TOKEN", "env: X, prefect_secret: y")
    (tmp_path / "profile.yaml").write_text(both)
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "profile.yaml")])
    assert result.exit_code == 2
    assert "give exactly one source" in result.output


def test_scrubbing_masks_every_file_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts").write_text('{"status_token": "v3ry-s3cret"}')
    (tmp_path / "binary").write_bytes(b"\xff\xfe v3ry-s3cret")
    scrub_folder(tmp_path, Redactor(["v3ry-s3cret"]))
    assert (tmp_path / "inventory" / "hosts").read_text() == '{"status_token": "[redacted]"}'
    assert (tmp_path / "binary").read_bytes() == b"\xff\xfe [redacted]"
