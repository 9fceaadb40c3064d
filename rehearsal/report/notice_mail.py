"""notice.eml: the customer notice as a mail a client opens as written — the notice as text
and as HTML, report.html and report.pdf (when printed) attached — and sending it.

Who it goes to is the customer's decision, not the alerting's: ``--to`` when given, else the
profile's ``customer.contacts``; never a monitor's ``to:`` (that is the on-call team's
pager list). It goes out through the profile's first ``email:`` channel, from its ``from:``.
Everything put in it is masked with the run's secrets first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path

from markdown_it import MarkdownIt

from rehearsal.errors import ReportRefused
from rehearsal.journal.check import check_journal
from rehearsal.models.loading import load_profile
from rehearsal.models.mail import EmailChannel, address
from rehearsal.models.profile import Profile
from rehearsal.report.rebuild import run_redactor
from rehearsal.scenarios.delivery import Delivery
from rehearsal.scenarios.mail import new_message, send_message
from rehearsal.secrets.redaction import Redactor
from rehearsal.secrets.resolve import mail_login

NOTICE_EML = "notice.eml"
# The notice's first line is "Subject: …" in the report's language ("件名: …" in Japanese).
_LABEL = re.compile(r"^\s*[^\s:：]{1,20}\s*[:：]\s*")


@dataclass(frozen=True)
class NoticeMail:
    message: EmailMessage
    to: list[str]
    server: EmailChannel | None
    """The SMTP server ``--send`` uses; None when the profile has no e-mail channel."""


def recipients(profile: Profile | None, to: Sequence[str]) -> list[str]:
    """``--to`` when given, else the customer's contacts; refused (exit 2) when neither."""
    chosen = list(to) or (profile.customer.contacts if profile is not None else [])
    if not chosen:
        raise ReportRefused(
            "nobody to send the notice to: add 'contacts: [name@customer.example]' under "
            "the profile's customer:, or pass --to ADDRESS"
        )
    try:
        return [address(a) for a in chosen]
    except ValueError as error:
        raise ReportRefused(f"--to: {error}") from None


def build_notice(
    run_dir: Path,
    profile: Profile | None,
    to: Sequence[str] = (),
    sender: str | None = None,
    redact: Redactor | None = None,
) -> NoticeMail:
    """The notice mail of a run folder whose reports are written (``rehearsal report``)."""
    notice = run_dir / "notice.md"
    if not notice.is_file():
        raise ReportRefused(f"{run_dir}: no notice.md here; `rehearsal report {run_dir}` writes it")
    mask = redact or Redactor([])
    servers = profile.email_channels() if profile is not None else []
    server = servers[0] if servers else None
    chosen = recipients(profile, to)
    if sender is None and server is None:
        raise ReportRefused(
            "no sender for the notice: pass --from ADDRESS, or give a monitor an email: "
            "channel (its from: is used)"
        )
    try:
        from_ = address(sender) if sender is not None else server.sender if server else ""
    except ValueError as error:
        raise ReportRefused(f"--from: {error}") from None
    subject, body = split_subject(mask.text(notice.read_text(encoding="utf-8")))
    message = new_message(from_, chosen, subject)
    message.set_content(body)
    message.add_alternative(notice_html(subject, body), subtype="html")
    report = run_dir / "report.html"
    if report.is_file():
        page = mask.data(report.read_bytes())
        message.add_attachment(page, maintype="text", subtype="html", filename="report.html")
    pdf = run_dir / "report.pdf"
    if pdf.is_file():
        message.add_attachment(
            pdf.read_bytes(), maintype="application", subtype="pdf", filename="report.pdf"
        )
    return NoticeMail(message, chosen, server)


def write_notice_eml(run_dir: Path, mail: NoticeMail) -> Path:
    path = run_dir / NOTICE_EML
    path.write_bytes(mail.message.as_bytes())
    return path


def split_subject(notice: str) -> tuple[str, str]:
    """The subject (its label dropped) and the body after it."""
    first, _, rest = notice.partition("\n")
    return _LABEL.sub("", first, count=1).strip(), rest.lstrip("\n")


def notice_html(subject: str, body: str) -> str:
    """The notice's Markdown as a page: raw HTML in it is shown as text, links only to safe
    schemes (markdown-it's defaults)."""
    rendered = MarkdownIt("js-default").render(body)
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>\n"
        f'<body style="font-family: sans-serif; max-width: 42em">\n{rendered}</body></html>\n'
    )


def run_profile(run_dir: Path) -> tuple[Profile | None, Redactor | None]:
    """The profile the run was started with, when its file is still there, and the masks of
    the run's secrets."""
    events = check_journal(run_dir).events
    started = next((e for e in events if e["event"] == "run.started"), {})
    path = Path(str(started.get("profile", "")))
    profile = load_profile(path) if path.is_file() else None
    return profile, run_redactor(events)


def send_notice(mail: NoticeMail, profile: Profile | None) -> Delivery:
    """Send through the profile's e-mail server, its login's password fetched now."""
    if mail.server is None or profile is None:
        raise ReportRefused(
            "no SMTP server to send the notice through: give a monitor an email: channel "
            "(host, port, security, from) in the profile"
        )
    return send_message(mail_login(mail.server, profile), mail.message, mail.to)
