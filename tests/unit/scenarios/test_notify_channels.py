"""An alert goes out through the channel registered for its kind; a kind nobody registered,
or a channel that breaks, is an undelivered alert with the reason, never a crashed run."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from rehearsal.models.alerts import Notify
from rehearsal.scenarios import notify
from rehearsal.scenarios.notify import Delivery, Redact, deliver

ALERT = {"monitor": "checkout-down", "detail": "pw hunter2"}


def test_a_registered_channel_is_handed_the_alert_the_run_folder_and_the_redactor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[Notify, Mapping[str, str], Path, str]] = []

    def pager(entry: Notify, alert: Mapping[str, str], run_dir: Path, redact: Redact) -> Delivery:
        sent.append((entry, alert, run_dir, redact(alert["detail"])))
        return Delivery(True, "paged")

    monkeypatch.setitem(notify.CHANNELS, "prefect", pager)
    entry = Notify(prefect=True)
    delivery = deliver(entry, ALERT, tmp_path, lambda text: text.replace("hunter2", "[x]"))
    assert delivery == Delivery(True, "paged")
    assert sent == [(entry, ALERT, tmp_path, "pw [x]")]


def test_a_channel_nobody_registered_is_undelivered_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(notify.CHANNELS, "prefect", raising=False)
    delivery = deliver(Notify(prefect=True), ALERT, tmp_path)
    assert delivery == Delivery(False, "no prefect channel in this process, so nothing was sent")


def test_a_channel_that_raises_is_undelivered_with_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_entry: Notify, _alert: Mapping[str, str], _run_dir: Path, _r: Redact) -> Delivery:
        raise ConnectionResetError("pager hung up")

    monkeypatch.setitem(notify.CHANNELS, "prefect", broken)
    delivery = deliver(Notify(prefect=True), ALERT, tmp_path)
    assert delivery == Delivery(False, "ConnectionResetError: pager hung up")


def test_webhook_and_log_are_built_in() -> None:
    assert {"webhook", "log"} <= set(notify.CHANNELS)
