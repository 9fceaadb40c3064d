"""The ``prefect: true`` notify channel: an alert as the Prefect event
``rehearsal.alert.fired``, for Prefect automations to act on.

Prefect loads only when a monitor fires to this channel: registering it costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rehearsal.models.alerts import Notify
from rehearsal.scenarios.notify import Delivery, Redact


def send_event(
    _notify: Notify, alert: Mapping[str, str], _run_dir: Path, _redact: Redact
) -> Delivery:
    from prefect.context import FlowRunContext
    from prefect.events import emit_event

    if FlowRunContext.get() is None:
        return Delivery(False, "not inside a Prefect flow run, so no Prefect event was sent")

    event = emit_event(
        event="rehearsal.alert.fired",
        resource={"prefect.resource.id": f"rehearsal.monitor.{alert['monitor']}"},
        payload=dict(alert),
    )
    if event is None:
        return Delivery(False, "Prefect has no events API to send the event to")
    return Delivery(True, f"Prefect event {event.id}")
