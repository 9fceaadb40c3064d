"""An e-mail channel: the SMTP server an alert (and the customer notice) is sent through, who
it is from and to, and the subject, a template of the alert's fields.

The login password is never written in the profile: ``password_secret`` names an entry of the
profile's ``secrets:`` with ``env:`` or ``prefect_secret:``, filled in when the run starts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, PrivateAttr, model_validator

from rehearsal.models.base import Strict, Text

ALERT_FIELDS = (
    "alert",
    "monitor",
    "probe",
    "severity",
    "phase",
    "detail",
    "fired_at",
    "tier",
    "person",
)
"""What a subject template may use: the alert's fields, and for an escalation tier its number
and person (empty for a monitor's own channels)."""

DEFAULT_SUBJECT = "[{{ severity }}] {{ monitor }}: {{ probe }} is failing ({{ alert }})"
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
# A mailbox, bare or with a display name: enough to refuse a typo, not RFC 5322 in full.
_ADDRESS = re.compile(r"(?:[^<>@]*<)?[^\s<>@,;]+@[^\s<>@,;]+\.[^\s<>@,;]+>?")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def address(value: str) -> str:
    """``value`` as a mailbox, or a ValueError saying how to write one."""
    if not _ADDRESS.fullmatch(value.strip()):
        raise ValueError(
            f"{value!r} is not an e-mail address: write name@example.com or "
            "'Name <name@example.com>'"
        )
    return value.strip()


Address = Annotated[str, Field(max_length=320), AfterValidator(address)]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _host(value: str) -> str:
    if not _HOST.fullmatch(value):
        raise ValueError(f"{value!r} is not a host name or address (e.g. smtp.acme.example)")
    return value


def _template(value: str) -> str:
    """Refuses a subject that does not parse or uses a field alerts do not have, at validate
    time rather than when the alert fires."""
    from jinja2 import TemplateSyntaxError, meta
    from jinja2.sandbox import SandboxedEnvironment

    try:
        parsed = SandboxedEnvironment().parse(value)
    except TemplateSyntaxError as error:
        raise ValueError(f"the subject template does not parse: {error.message}") from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(ALERT_FIELDS))
    if unknown:
        raise ValueError(
            f"the subject uses {', '.join(unknown)}, which alerts do not have; "
            f"use {', '.join(ALERT_FIELDS)}"
        )
    return value


class EmailChannel(Strict):
    """An SMTP server and the mail it is given: ``email: {host: …, from: …, to: …}``."""

    host: Annotated[str, Field(max_length=253), AfterValidator(_host)] = Field(
        description="the SMTP server's host name or address"
    )
    port: int | None = Field(
        default=None, ge=1, le=65535, description="default 587 (starttls), 465 (tls), 25 (none)"
    )
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls: plain then upgraded (submission); tls: TLS from the start; "
        "none: no encryption (a relay inside the customer's network)",
    )
    user: Text | None = Field(default=None, description="the login name, when the server wants one")
    password_secret: str | None = Field(
        default=None,
        description="the login password: the param of a 'secrets:' entry with env: or "
        "prefect_secret:, never the password itself",
    )
    sender: Address = Field(alias="from", description="the From address")
    to: Annotated[list[Address], BeforeValidator(_one_or_many)] = Field(
        min_length=1, description="one address or a list"
    )
    subject: Annotated[Text, AfterValidator(_template)] = Field(
        default=DEFAULT_SUBJECT,
        description="a Jinja2 template (sandboxed) of the alert's fields: "
        + ", ".join(ALERT_FIELDS),
    )
    _password: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _login_whole(self) -> Self:
        if (self.user is None) != (self.password_secret is None):
            raise ValueError("an e-mail login needs both 'user:' and 'password_secret:'")
        return self

    @property
    def server(self) -> str:
        """How the server is named to a reader: host and port."""
        return f"{self.host}:{self.port or DEFAULT_PORTS[self.security]}"

    @property
    def password(self) -> str | None:
        """The login password once the run's secrets are resolved (never from the profile)."""
        return self._password

    def with_password(self, password: str) -> EmailChannel:
        """A copy holding the resolved password, which no dump or journal ever shows."""
        filled = self.model_copy()
        filled._password = password
        return filled
