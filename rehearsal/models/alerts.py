"""Monitors: which probe state raises an alert, how bad it is, and how it reaches people."""

from __future__ import annotations

from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from rehearsal.models.base import Name, Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.models.mail import EmailChannel
from rehearsal.models.urls import shown_url
from rehearsal.models.vocabulary import Severity


class Notify(Strict):
    """One way an alert is sent; exactly one of the keys."""

    webhook: str | None = Field(default=None, description="an http(s) URL the alert is POSTed to")
    log: Text | None = Field(
        default=None, description="a line written to the run's alerts.log ({monitor}, {probe})"
    )
    prefect: bool = Field(
        default=False, description="a Prefect event 'rehearsal.alert.fired' for automations"
    )
    email: EmailChannel | None = Field(default=None, description="a mail through an SMTP server")

    @field_validator("webhook")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"a webhook is an http:// or https:// URL with a host (got {value!r})")
        return value

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        ways = [
            self.webhook is not None,
            self.log is not None,
            self.prefect,
            self.email is not None,
        ]
        if sum(ways) != 1:
            raise ValueError(
                "a notify entry has exactly one of 'webhook:', 'log:', 'prefect: true', 'email:'"
            )
        return self

    @property
    def channel(self) -> str:
        if self.webhook is not None:
            return "webhook"
        if self.email is not None:
            return "email"
        return "log" if self.log is not None else "prefect"

    @property
    def target(self) -> str:
        """What a reader is shown: a webhook without the token its URL carries."""
        if self.webhook is not None:
            return shown_url(self.webhook)
        if self.email is not None:
            return f"{', '.join(self.email.to)} via {self.email.server}"
        return self.log or "prefect event"

    def shown(self) -> dict[str, Any]:
        """The entry as the journal keeps it: a webhook as its ``target``."""
        dumped = self.model_dump(mode="json", by_alias=True)  # email's from: as written
        return (dumped | {"webhook": self.target}) if self.webhook is not None else dumped


class Monitor(Strict):
    name: Name
    probe: Name = Field(description="the probe whose failure the monitor watches")
    after: Duration = Field(default=0.0, description="how long it fails before the alert fires")
    severity: Severity = "high"
    notify: list[Notify] = Field(default=[], description="where the alert is sent")

    def shown(self) -> dict[str, Any]:
        """The monitor as the journal keeps it: no webhook's token."""
        return self.model_dump(mode="json") | {"notify": [n.shown() for n in self.notify]}
