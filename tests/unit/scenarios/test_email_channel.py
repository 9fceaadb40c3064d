"""The email: channel against a real SMTP server on loopback (aiosmtpd): an alert mail that
parses, over plain SMTP, STARTTLS and TLS, with a login; and every way a mail is not taken
comes back as one line naming the server and the fix, never as an exception."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest

from rehearsal.models.alerts import Notify
from rehearsal.models.mail import EmailChannel
from rehearsal.scenarios.email_channel import alert_message, render_subject
from rehearsal.scenarios.mail import send_message
from rehearsal.scenarios.notify import deliver
from tests.smtp_server import PASSWORD, USER, free_port, self_signed, smtp_server

ALERT = {
    "alert": "AL1",
    "monitor": "checkout-down",
    "probe": "shop-http",
    "severity": "critical",
    "phase": "lose app1",
    "detail": "HTTP 502 (db password hunter2)",
    "fired_at": "2026-12-01T10:00:00+00:00",
}


def _notify(port: int, security: str = "none", login: bool = False, **extra: Any) -> Notify:
    email: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": security,
        "from": "Rehearsal <alerts@acme.example>",
        "to": ["oncall@acme.example", "noc@acme.example"],
        **extra,
    }
    if login:
        email |= {"user": USER, "password_secret": "smtp_password"}
    notify = Notify.model_validate({"email": email})
    if login:
        assert notify.email is not None
        notify = notify.model_copy(update={"email": notify.email.with_password(PASSWORD)})
    return notify


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusted(cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    return cert


def _mask(text: str) -> str:
    return text.replace("hunter2", "[redacted]")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(("security", "login"), [("none", False), ("none", True),
                                                 ("starttls", True), ("tls", True)])  # fmt: skip
def test_the_alert_is_a_mail_that_parses(
    tmp_path: Path, trusted: tuple[Path, Path], security: str, login: bool
) -> None:
    with smtp_server(security, cert=trusted, login=login) as server:  # type: ignore[arg-type]
        sent = deliver(_notify(server.port, security, login), ALERT, tmp_path, _mask)
    assert sent.delivered, sent.detail
    assert sent.detail == f"accepted by 127.0.0.1:{server.port} for 2 recipient(s)"
    [mail] = server.messages()
    assert server.recipients == [["oncall@acme.example", "noc@acme.example"]]
    assert mail["Subject"] == "[critical] checkout-down: shop-http is failing (AL1)"
    assert mail["From"] == "Rehearsal <alerts@acme.example>"
    assert mail["To"] == "oncall@acme.example, noc@acme.example"
    assert mail["Date"] and mail["Message-ID"].endswith("@acme.example>")
    body = mail.get_content()
    assert "Alert AL1 (critical) from monitor checkout-down" in body
    assert "HTTP 502 (db password [redacted])" in body
    assert b"hunter2" not in server.raw[0] and PASSWORD.encode() not in server.raw[0]


def test_a_server_that_refuses_the_mail_is_one_line(tmp_path: Path) -> None:
    with smtp_server(refuse=True) as server:
        sent = deliver(_notify(server.port), ALERT, tmp_path)
    assert not sent.delivered
    assert sent.detail == (
        f"127.0.0.1:{server.port} refused the mail (550 5.7.1 relaying denied); "
        "see the server's log for why"
    )


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_server_that_wants_a_login_not_given_says_to_set_one(tmp_path: Path) -> None:
    with smtp_server(login=True) as server:
        sent = deliver(_notify(server.port), ALERT, tmp_path)
    assert (sent.delivered, server.raw) == (False, [])
    assert sent.detail == (
        f"127.0.0.1:{server.port} wants a login (530 5.7.0 Authentication required); "
        "set user: and password_secret:"
    )


def test_a_closed_port_is_one_line(tmp_path: Path) -> None:
    port = free_port()
    sent = deliver(_notify(port), ALERT, tmp_path)
    assert sent == type(sent)(
        False, f"127.0.0.1:{port} refused the connection; check host: and port: (nothing listens "
        "there)"
    )  # fmt: skip


def test_an_untrusted_certificate_is_a_tls_failure_naming_the_fix(
    tmp_path: Path, cert: tuple[Path, Path]
) -> None:
    with smtp_server("starttls", cert=cert) as server:
        sent = deliver(_notify(server.port, "starttls"), ALERT, tmp_path)
    assert not sent.delivered and server.raw == []
    assert sent.detail.startswith(f"127.0.0.1:{server.port}: its TLS certificate is not trusted")
    assert "SSL_CERT_FILE" in sent.detail and "\n" not in sent.detail


def test_starttls_asked_of_a_server_without_it_says_which_security_to_set(
    tmp_path: Path,
) -> None:
    with smtp_server("none") as server:
        sent = deliver(_notify(server.port, "starttls"), ALERT, tmp_path)
    assert sent.detail == (
        f"127.0.0.1:{server.port} does not offer STARTTLS; set security: tls (port 465) or none"
    )


def test_tls_asked_of_a_plain_server_is_a_tls_failure(
    tmp_path: Path, trusted: tuple[Path, Path]
) -> None:
    with smtp_server("none") as server:
        sent = deliver(_notify(server.port, "tls"), ALERT, tmp_path)
    assert not sent.delivered
    assert sent.detail.startswith(f"127.0.0.1:{server.port}: TLS failed (WRONG_VERSION_NUMBER)")


def test_the_subject_template_reads_the_alerts_fields_on_one_line() -> None:
    template = (
        "{{ severity | upper }} {{ alert }}\n"
        "{{ monitor }} {% if person %}to {{ person }}{% endif %}"
    )
    assert render_subject(template, ALERT) == "CRITICAL AL1 checkout-down"
    tier = ALERT | {"tier": "2", "person": "Lee Jun"}
    assert render_subject(template, tier) == "CRITICAL AL1 checkout-down to Lee Jun"


def test_the_subject_template_is_sandboxed(tmp_path: Path) -> None:
    """A profile is shared: its template may not reach Python's insides."""
    notify = _notify(free_port(), subject="{{ alert.__class__.__mro__ }}")
    sent = deliver(notify, ALERT, tmp_path)
    assert not sent.delivered
    assert sent.detail.startswith("the subject template failed (")
    assert sent.detail.endswith("; fix email.subject")


def test_a_tier_mail_names_the_person_asked() -> None:
    notify = _notify(25)
    assert notify.email is not None
    mail = alert_message(notify.email, ALERT | {"tier": "2", "person": "Lee Jun"}, str)
    assert "Lee Jun: you are asked to acknowledge it and take it on (escalation tier 2)." in (
        mail.get_content()
    )


def test_the_channel_is_shown_by_its_recipients_and_server_not_its_login() -> None:
    notify = _notify(2525, login=True)
    assert notify.channel == "email"
    assert notify.target == "oncall@acme.example, noc@acme.example via 127.0.0.1:2525"
    assert PASSWORD not in repr(notify.shown())
    assert isinstance(notify.email, EmailChannel)


def test_a_server_that_never_greets_is_given_up_on_at_the_timeout() -> None:
    """A port that accepts connections but says nothing (a TLS-only port, a black hole)."""
    notify = _notify(25)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        assert notify.email is not None
        channel = notify.email.model_copy(update={"port": port})
        message = alert_message(channel, ALERT, str)
        started = time.monotonic()
        sent = send_message(channel, message, timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert not sent.delivered
    assert sent.detail.startswith(f"127.0.0.1:{port} did not answer within 0.3 s; check host:")
    assert "security: tls" in sent.detail
