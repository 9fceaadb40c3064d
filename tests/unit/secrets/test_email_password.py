"""An email: channel's login password comes from its sourced secret when a run starts,
reaches every channel naming it, and is masked like any secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import RunRefused
from rehearsal.models.loading import load_profile
from rehearsal.secrets.redaction import MASK, redactor_for
from rehearsal.secrets.resolve import resolve_secrets
from tests.unit.models.test_email_channel_input import docs_example


def test_the_password_is_fetched_into_every_channel_and_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "profile.yaml").write_text(docs_example())
    profile = load_profile(tmp_path / "profile.yaml")
    assert [c.password for c in profile.email_channels()] == [None, None], "not in the profile"
    monkeypatch.setenv("ACME_SMTP_PASSWORD", "p4ss-from-env")
    resolved = resolve_secrets(profile)
    assert [c.password for c in resolved.email_channels()] == ["p4ss-from-env"] * 2
    assert redactor_for(resolved).text("login p4ss-from-env") == f"login {MASK}"


def test_an_unset_password_variable_stops_the_run_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "profile.yaml").write_text(docs_example())
    monkeypatch.delenv("ACME_SMTP_PASSWORD", raising=False)
    with pytest.raises(RunRefused, match="environment variable ACME_SMTP_PASSWORD is not set"):
        resolve_secrets(load_profile(tmp_path / "profile.yaml"))
