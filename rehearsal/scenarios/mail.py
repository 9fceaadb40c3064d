"""Mail through an SMTP server with the standard library: a message with the headers a mail
client expects, and sending it so that whatever goes wrong comes back as one line naming the
server and the fix, never as an exception (a mail server down is a finding, not a crash).

Used by the e-mail channel for alerts and by ``rehearsal notice --send``.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from rehearsal.models.mail import DEFAULT_PORTS, EmailChannel
from rehearsal.scenarios.delivery import Delivery

MAIL_POLICY = policy.default.clone(max_line_length=998)
"""Headers on one line up to RFC 5322's limit: folded at 78, a long subject starts on a
continuation line, which some readers (Python's among them) show with a leading space."""
SMTP_TIMEOUT_S = 5.0
"""Per network operation: a mail server that does not answer is given up on quickly, so an
alert's other channels and the run are not held up."""


def new_message(sender: str, to: Sequence[str], subject: str) -> EmailMessage:
    """An empty message with From, To, Subject, Date and a Message-ID of the sender's domain
    (``make_msgid`` would otherwise look up this host's name, which can take seconds)."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "rehearsal.invalid"
    message["Message-ID"] = make_msgid("rehearsal", domain=domain)
    return message


def send_message(
    server: EmailChannel,
    message: EmailMessage,
    recipients: Sequence[str] | None = None,
    timeout_s: float = SMTP_TIMEOUT_S,
) -> Delivery:
    """Send ``message`` (to its To header, or ``recipients``) through ``server``."""
    port = server.port or DEFAULT_PORTS[server.security]
    to = [parseaddr(address)[1] for address in recipients or server.to]
    try:
        refused = _send(server, port, message, to, timeout_s)
    except (smtplib.SMTPException, OSError) as error:
        return Delivery(False, " ".join(_why(server, error, timeout_s).split()))
    accepted = len(to) - len(refused)
    said = f"accepted by {server.server} for {accepted} recipient(s)"
    if refused:
        said += "; refused " + ", ".join(f"{a} ({_reply(*r)})" for a, r in refused.items())
    return Delivery(True, said)


def _send(
    server: EmailChannel, port: int, message: EmailMessage, to: list[str], timeout_s: float
) -> dict[str, tuple[int, bytes]]:
    context = ssl.create_default_context()
    # This host's plain name: smtplib's default looks it up in DNS, which can hang.
    me = socket.gethostname()
    smtp: smtplib.SMTP
    if server.security == "tls":
        smtp = smtplib.SMTP_SSL(
            server.host, port, local_hostname=me, timeout=timeout_s, context=context
        )
    else:
        smtp = smtplib.SMTP(server.host, port, local_hostname=me, timeout=timeout_s)
    with smtp:
        if server.security == "starttls":
            smtp.starttls(context=context)
        if server.user is not None:
            smtp.login(server.user, server.password or "")
        sender = parseaddr(str(message["From"]))[1]
        return smtp.send_message(message, from_addr=sender, to_addrs=to)


def _why(server: EmailChannel, error: Exception, timeout_s: float) -> str:
    """The one line a reader gets: what the server did, and what to change."""
    at = server.server
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{a} ({_reply(*r)})" for a, r in error.recipients.items())
        return f"{at} refused every recipient: {refused}; check the to: addresses"
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError) and (
        error.smtp_code == 530
    ):
        return (
            f"{at} wants a login ({_reply(error.smtp_code, error.smtp_error)}); "
            "set user: and password_secret:"
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            f"{at} refused the login as {server.user} "
            f"({_reply(error.smtp_code, error.smtp_error)}); check user: and the password secret"
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(error):
            return f"{at} does not offer STARTTLS; set security: tls (port 465) or none"
        return f"{at} offers no login on this connection ({error}); remove user: or use TLS"
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (
            f"{at} refused the sender {server.sender} "
            f"({_reply(error.smtp_code, error.smtp_error)}); use a from: the server accepts"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return (
            f"{at} refused the mail ({_reply(error.smtp_code, error.smtp_error)}); "
            "see the server's log for why"
        )
    if isinstance(error, ssl.SSLCertVerificationError):
        return (
            f"{at}: its TLS certificate is not trusted ({error.verify_message}); name the server "
            "as its certificate does, or add its CA to the trust store (SSL_CERT_FILE)"
        )
    if isinstance(error, ssl.SSLError):
        return (
            f"{at}: TLS failed ({error.reason or error}); security: tls is TLS from the start "
            "(port 465), starttls upgrades a plain connection (587)"
        )
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        return (
            f"{at} did not answer within {timeout_s:g} s; check host:, port: and that SMTP "
            "may pass the firewall (a port that speaks TLS at once, like 465, wants security: tls)"
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"{at} closed the connection ({error}); check security: and the port"
    if isinstance(error, ConnectionRefusedError):
        return f"{at} refused the connection; check host: and port: (nothing listens there)"
    if isinstance(error, socket.gaierror):
        return f"{server.host}: no such host ({error.strerror}); check host:"
    return f"{at}: cannot send ({type(error).__name__}: {error}); check host: and port:"


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"{code} {said}".strip()
