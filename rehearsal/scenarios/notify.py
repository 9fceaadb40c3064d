"""Sending an alert the way a monitor says: a webhook POST, a log line, a Prefect event.

Delivery never raises: whatever goes wrong (refused, timed out, an error status) comes back
as an undelivered result with the reason, for the journal to record. The webhook gets its
whole URL; what comes back, and what is written to ``alerts.log``, has no token or secret.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rehearsal.models.alerts import Notify
from rehearsal.secrets.redaction import Redactor

WEBHOOK_TIMEOUT_S = 5.0
ALERTS_LOG = "alerts.log"


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    detail: str


def deliver(
    notify: Notify,
    alert: dict[str, Any],
    run_dir: Path,
    redact: Callable[[str], str] = lambda text: text,
) -> Delivery:
    """Send ``alert``; ``redact`` masks the run's secrets in what is written to disk."""
    try:
        if notify.webhook is not None:
            sent = _webhook(notify.webhook, alert)
        elif notify.log is not None:
            sent = _log(notify.log, alert, run_dir, redact)
        else:
            sent = _prefect(alert)
    except Exception as error:  # a broken channel is a finding, never a crashed run
        sent = Delivery(False, f"{type(error).__name__}: {error}")
    # The one way out for a detail: ours quotes the URL, and urllib's errors may.
    hook = Redactor([], [notify.webhook] if notify.webhook is not None else [])
    return Delivery(sent.delivered, hook.text(sent.detail))


def _webhook(url: str, alert: dict[str, Any]) -> Delivery:
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


def _log(
    template: str, alert: dict[str, Any], run_dir: Path, redact: Callable[[str], str]
) -> Delivery:
    line = redact(template.format_map({k: v for k, v in alert.items() if isinstance(v, str)}))
    stamp = datetime.now(UTC).isoformat()
    with (run_dir / ALERTS_LOG).open("a", encoding="utf-8") as log:
        log.write(f"{stamp} {line}\n")
    return Delivery(True, f"logged to {ALERTS_LOG}: {line}")


def _prefect(alert: dict[str, Any]) -> Delivery:
    from prefect.context import FlowRunContext
    from prefect.events import emit_event

    if FlowRunContext.get() is None:
        return Delivery(False, "not inside a Prefect flow run, so no Prefect event was sent")

    event = emit_event(
        event="rehearsal.alert.fired",
        resource={"prefect.resource.id": f"rehearsal.monitor.{alert['monitor']}"},
        payload=alert,
    )
    if event is None:
        return Delivery(False, "Prefect has no events API to send the event to")
    return Delivery(True, f"Prefect event {event.id}")
