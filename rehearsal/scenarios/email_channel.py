"""The ``email:`` notify channel: the alert as a short plain-text mail, its subject rendered
from the channel's template, sent through the channel's SMTP server.

The subject is a Jinja2 template run in a sandbox (a profile is shared, so its templates may
read the alert's fields and nothing else); secrets are masked in subject and body.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from rehearsal.models.alerts import Notify
from rehearsal.models.mail import ALERT_FIELDS, EmailChannel
from rehearsal.scenarios.delivery import Delivery, Redact
from rehearsal.scenarios.mail import new_message, send_message

_SANDBOX = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def send_email(
    notify: Notify, alert: Mapping[str, str], _run_dir: Path, redact: Redact
) -> Delivery:
    assert notify.email is not None
    try:
        message = alert_message(notify.email, alert, redact)
    except TemplateError as error:
        return Delivery(False, f"the subject template failed ({error}); fix email.subject")
    return send_message(notify.email, message)


def render_subject(template: str, alert: Mapping[str, str]) -> str:
    """The subject for ``alert``, on one line (a header holds no line break)."""
    fields = {name: alert.get(name, "") for name in ALERT_FIELDS}
    return " ".join(_SANDBOX.from_string(template).render(fields).split())


def alert_message(channel: EmailChannel, alert: Mapping[str, str], redact: Redact) -> EmailMessage:
    message = new_message(
        channel.sender, channel.to, redact(render_subject(channel.subject, alert))
    )
    message["X-Rehearsal-Alert"] = alert.get("alert", "")
    message.set_content(redact(_body(alert)))
    return message


def _body(alert: Mapping[str, str]) -> str:
    lines = [
        f"Alert {alert.get('alert', '')} ({alert.get('severity', '')}) from monitor "
        f"{alert.get('monitor', '')}: probe {alert.get('probe', '')} is failing.",
        "",
        f"Fired at: {alert.get('fired_at', '')}",
    ]
    if alert.get("phase"):
        lines.append(f"Phase: {alert['phase']}")
    if alert.get("detail"):
        lines.append(f"Detail: {alert['detail']}")
    if alert.get("person"):
        lines += [
            "",
            f"{alert['person']}: you are asked to acknowledge it and take it on "
            f"(escalation tier {alert.get('tier', '')}).",
        ]
    lines += ["", "Sent by rehearsal during a drill on a test copy of the system."]
    return "\n".join(lines) + "\n"
