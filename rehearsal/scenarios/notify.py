"""Sending an alert the way a monitor says: a webhook POST, a log line, an e-mail, a
Prefect event.

Delivery never raises: whatever goes wrong (refused, timed out, an error status) comes back
as an undelivered result with the reason, for the journal to record. The webhook gets its
whole URL; what comes back, and what is written to ``alerts.log``, has no token or secret.

Each channel is a function in ``CHANNELS`` keyed by ``Notify.channel``: webhook and log are
here, e-mail in ``email_channel.py``; the Prefect event is added by whoever runs with Prefect
(``rehearsal.flows.adapters.install``), so this package needs no Prefect.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from rehearsal.models.alerts import Notify
from rehearsal.scenarios.delivery import Channel, Delivery, Redact
from rehearsal.scenarios.email_channel import send_email
from rehearsal.secrets.redaction import Redactor

__all__ = ["CHANNELS", "Channel", "Delivery", "Redact", "deliver"]

WEBHOOK_TIMEOUT_S = 5.0
ALERTS_LOG = "alerts.log"


def deliver(
    notify: Notify,
    alert: Mapping[str, str],
    run_dir: Path,
    redact: Redact = lambda text: text,
) -> Delivery:
    """Send ``alert``; ``redact`` masks the run's secrets in what is written to disk."""
    channel = CHANNELS.get(notify.channel)
    try:
        if channel is None:
            sent = Delivery(
                False, f"no {notify.channel} channel in this process, so nothing was sent"
            )
        else:
            sent = channel(notify, alert, run_dir, redact)
    except Exception as error:  # a broken channel is a finding, never a crashed run
        sent = Delivery(False, f"{type(error).__name__}: {error}")
    # The one way out for a detail: ours quotes the URL, and urllib's errors may.
    hook = Redactor([], [notify.webhook] if notify.webhook is not None else [])
    return Delivery(sent.delivered, hook.text(sent.detail))


def _webhook(notify: Notify, alert: Mapping[str, str], _run_dir: Path, _redact: Redact) -> Delivery:
    assert notify.webhook is not None
    url = notify.webhook
    body = json.dumps(alert, default=str).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            return Delivery(True, f"HTTP {response.status}")
    except urllib.error.HTTPError as error:
        return Delivery(False, f"HTTP {error.code} {error.reason}")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Delivery(False, f"cannot reach {url}: {reason}")


def _log(notify: Notify, alert: Mapping[str, str], run_dir: Path, redact: Redact) -> Delivery:
    assert notify.log is not None
    line = redact(notify.log.format_map(alert))
    stamp = datetime.now(UTC).isoformat()
    with (run_dir / ALERTS_LOG).open("a", encoding="utf-8") as log:
        log.write(f"{stamp} {line}\n")
    return Delivery(True, f"logged to {ALERTS_LOG}: {line}")


CHANNELS: dict[str, Channel] = {"webhook": _webhook, "log": _log, "email": send_email}
