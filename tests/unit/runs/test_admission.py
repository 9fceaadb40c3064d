"""A plan is admitted once, before anything is built: an emergency stop, a busy lab host or
a missing secret refuses it there, and what is admitted carries its secrets filled in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rehearsal.errors import RunRefused
from rehearsal.models.profile import LabHostSpec
from rehearsal.runs.admission import admit
from rehearsal.runs.live import raise_stop, registered
from rehearsal.runs.session import RunOptions, RunSession
from rehearsal.scenarios.planning import load_plan

HARDENING = Path(__file__).parents[2] / "integration" / "data" / "hardening"


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("REHEARSAL_TEST_API_TOKEN", "v3ry-s3cret")
    return tmp_path / "state"


def test_an_admitted_plan_has_its_secrets_and_the_session_uses_it_as_is(tmp_path: Path) -> None:
    plan = load_plan(HARDENING / "scenario.yaml")
    admitted = admit(plan)
    assert plan.profile.node("web1").params["status_token"] == "from-secret-source"
    assert admitted.plan.profile.node("web1").params["status_token"] == "v3ry-s3cret"
    assert admitted.forced is None
    session = RunSession(admitted.plan, RunOptions(tmp_path / "reports"), run_id="r")
    assert session.plan is admitted.plan


def test_an_emergency_stop_refuses_admission() -> None:
    raise_stop("Kim Minji", "the lab is being rewired")
    with pytest.raises(RunRefused, match="the lab is being rewired.*stop --lift"):
        admit(load_plan(HARDENING / "scenario.yaml"))


def test_a_missing_secret_refuses_admission(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REHEARSAL_TEST_API_TOKEN")
    with pytest.raises(RunRefused, match="REHEARSAL_TEST_API_TOKEN is not set"):
        admit(load_plan(HARDENING / "scenario.yaml"))


def test_a_lab_host_held_by_a_live_run_refuses_admission(tmp_path: Path) -> None:
    plan = load_plan(HARDENING / "scenario.yaml")
    on_lab_host = plan.profile.node("web1").model_copy(
        update={"lab_host": LabHostSpec(address="10.1.2.30")}
    )
    plan = replace(plan, profile=plan.profile.model_copy(update={"nodes": [on_lab_host]}))
    with registered("run-a", tmp_path / "a", False, None, ["10.1.2.30:22"]):
        with pytest.raises(RunRefused, match=r"lab host 10\.1\.2\.30:22 is in use by run run-a"):
            admit(plan)
