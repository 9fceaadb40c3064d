"""A secret source is read by the reader registered for its kind; a kind nobody registered
refuses the run and says how to get a reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import RunRefused
from rehearsal.models.loading import load_profile
from rehearsal.models.profile import Profile, SecretSource
from rehearsal.secrets import resolve
from rehearsal.secrets.resolve import resolve_secrets

DATA = Path(__file__).parents[2] / "integration" / "data" / "hardening"


def block_profile(tmp_path: Path) -> Profile:
    text = (DATA / "profile.yaml").read_text()
    (tmp_path / "profile.yaml").write_text(
        text.replace("env: REHEARSAL_TEST_API_TOKEN", "prefect_secret: rh-test-api-token")
    )
    return load_profile(tmp_path / "profile.yaml")


def test_a_registered_reader_fills_the_param_from_its_kind_of_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[SecretSource] = []

    def vault(source: SecretSource) -> str:
        asked.append(source)
        return "from-the-vault"

    monkeypatch.setitem(resolve.READERS, "prefect_secret", vault)
    profile = resolve_secrets(block_profile(tmp_path))
    assert profile.node("web1").params["status_token"] == "from-the-vault"
    assert [(s.param, s.prefect_secret) for s in asked] == [("status_token", "rh-test-api-token")]


def test_a_source_with_no_reader_refuses_the_run_and_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(resolve.READERS, "prefect_secret", raising=False)
    with pytest.raises(RunRefused) as refused:
        resolve_secrets(block_profile(tmp_path))
    assert str(refused.value) == (
        "profile secret 'status_token': nothing in this process reads 'prefect_secret:' "
        "sources; start the run with `rehearsal run` or `rehearsal env up`, or call "
        "rehearsal.flows.adapters.install() first"
    )


def test_environment_variables_are_read_without_registering_anything() -> None:
    assert resolve.READERS["env"] is resolve.read_env
    assert SecretSource(param="p", env="X").kind == "env"
    assert SecretSource(param="p", prefect_secret="x").kind == "prefect_secret"
