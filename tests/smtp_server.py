"""A real SMTP server on loopback for the mail tests (aiosmtpd): every message it accepts,
raw; optionally refusing every mail, wanting a login, or speaking STARTTLS or TLS with a
self-signed certificate made here."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "alerts@acme.example", "smtp-Pa55-9f3kq"


@dataclass
class Received:
    """What the server got: filled as mails arrive, for the test to read."""

    port: int = 0
    raw: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    def messages(self) -> list[EmailMessage]:
        parsed = [message_from_bytes(r, policy=policy.default) for r in self.raw]
        return [m for m in parsed if isinstance(m, EmailMessage)]


class _Store:
    def __init__(self, found: Received, refuse: bool) -> None:
        self.found, self.refuse = found, refuse

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.refuse:
            return "550 5.7.1 relaying denied"
        self.found.raw.append(bytes(envelope.original_content))
        self.found.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def _login(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=good)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key: trusted where SSL_CERT_FILE
    points at the certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(
    security: Literal["none", "starttls", "tls"] = "none",
    *,
    cert: tuple[Path, Path] | None = None,
    refuse: bool = False,
    login: bool = False,
) -> Iterator[Received]:
    found = Received(port=free_port())
    context = None
    if security != "none":
        assert cert is not None, "STARTTLS and TLS need a certificate"
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*cert)
    kwargs: dict[str, Any] = {}
    if security == "starttls":
        kwargs |= {"tls_context": context, "require_starttls": True}
    if login:
        kwargs |= {
            "authenticator": _login,
            "auth_required": True,
            "auth_require_tls": security == "starttls",  # aiosmtpd sees only STARTTLS
        }
    controller = Controller(
        _Store(found, refuse),
        hostname="127.0.0.1",
        port=found.port,
        ssl_context=context if security == "tls" else None,
        server_hostname="localhost",
        ready_timeout=10,
        **kwargs,
    )
    controller.start()
    try:
        yield found
    finally:
        controller.stop()
