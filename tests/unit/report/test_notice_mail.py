"""``rehearsal notice RUN``: notice.eml is a mail a client opens as written (text and HTML,
report.html and report.pdf attached), addressed to the customer's contacts; nothing is sent
without --send; with it, a real SMTP server on loopback gets a mail holding no secret."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.report.notice_mail import notice_html, split_subject
from rehearsal.runs.session import write_results
from tests.drill_journal import write_drill_journal
from tests.smtp_server import PASSWORD, USER, smtp_server
from tests.unit.models.test_email_channel_input import docs_example

runner = CliRunner()
NODE_SECRET = "Zq9-node-secret-77"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def run_folder(tmp_path: Path, port: int = 2525, contacts: bool = True) -> Path:
    """A finished drill whose profile (the docs' example) mails through 127.0.0.1:PORT and
    whose journal, as an old one might, holds a node secret in plain text."""
    profile = tmp_path / "profile.yaml"
    text = docs_example().replace(
        "host: smtp.acme.example\n          port: 587", f"host: 127.0.0.1\n          port: {port}"
    )
    text = text.replace("security: starttls ", "security: none ")
    text = text.replace(
        "networks: [front]}", f"networks: [front], params: {{status_token: {NODE_SECRET}}}}}"
    )
    if not contacts:
        text = text.replace(
            '  contacts: ["Hana Cho <hana.cho@acme.example>", it-ops@acme.example]', ""
        )
    profile.write_text(text)
    leak = {"at": "2026-11-20T09:01:00+00:00", "event": "finding", "id": "R9",
            "severity": "high", "category": "configuration",
            "title": f"status token {NODE_SECRET} is readable by every user",
            "detail": f"token={NODE_SECRET}", "recommendation": "Restrict the file."}  # fmt: skip
    run_dir = write_drill_journal(tmp_path / "run", profile=profile, extra=[leak])
    write_results(run_dir)
    (run_dir / "report.pdf").write_bytes(PDF)
    return run_dir


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _html_tags(page: str) -> list[str]:
    tags: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, _attrs: object) -> None:
            tags.append(tag)

    Tags().feed(page)
    return tags


def _attachments(message: EmailMessage) -> dict[str, bytes]:
    found = {}
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes) and part.get_filename()
        found[str(part.get_filename())] = payload
    return found


def test_notice_eml_is_text_and_html_with_the_reports_attached(tmp_path: Path) -> None:
    with smtp_server() as server:
        run_dir = run_folder(tmp_path, server.port)
        done = runner.invoke(app, ["notice", str(run_dir)])
    assert done.exit_code == 0, done.output
    assert server.raw == [], "nothing is sent without --send"
    assert f"not sent; pass --send to send it through 127.0.0.1:{server.port}" in done.output
    assert "to: Hana Cho <hana.cho@acme.example>, it-ops@acme.example" in done.output
    message = _parse((run_dir / "notice.eml").read_bytes())
    assert message.get_content_type() == "multipart/mixed"
    first = next(iter(message.iter_parts()))
    assert first.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in first.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == (
        "Loss of the active application server: results of the rehearsal on 2026-11-20"
    )
    assert message["From"] == "Rehearsal alerts <alerts@acme.example>"
    assert message["To"] == "Hana Cho <hana.cho@acme.example>, it-ops@acme.example"
    assert message["Date"] and message["Message-ID"].endswith("@acme.example>")
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().startswith("Dear Acme Retail team,")
    assert "<ul>" in html.get_content() and "<strong>Passed.</strong>" not in text.get_content()
    attached = _attachments(message)
    assert sorted(attached) == ["report.html", "report.pdf"]
    assert attached["report.pdf"] == PDF
    assert {"html", "body", "table"} <= set(_html_tags(attached["report.html"].decode()))


def test_to_replaces_the_contacts_and_from_the_sender(tmp_path: Path) -> None:
    run_dir = run_folder(tmp_path)
    done = runner.invoke(
        app, ["notice", str(run_dir), "--to", "me@support.example", "--from", "AM <am@sup.example>"]
    )
    assert done.exit_code == 0, done.output
    message = _parse((run_dir / "notice.eml").read_bytes())
    assert (message["To"], message["From"]) == ("me@support.example", "AM <am@sup.example>")


def test_send_prints_who_and_where_and_delivers_a_mail_with_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_SMTP_PASSWORD", PASSWORD)
    with smtp_server(login=True) as server:
        run_dir = run_folder(tmp_path, server.port)
        done = runner.invoke(app, ["notice", str(run_dir), "--send"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[1:] == [
        "to: Hana Cho <hana.cho@acme.example>, it-ops@acme.example",
        f"sending through 127.0.0.1:{server.port} …",
        f"sent: accepted by 127.0.0.1:{server.port} for 2 recipient(s)",
    ]
    [raw] = server.raw
    assert server.recipients == [["hana.cho@acme.example", "it-ops@acme.example"]]
    for secret in (NODE_SECRET, PASSWORD, USER.split("@")[0] + "-Pa55"):
        assert secret.encode() not in raw, secret
    message = _parse(raw)
    attached = _attachments(message)
    assert attached["report.pdf"].startswith(b"%PDF")
    assert "html" in _html_tags(attached["report.html"].decode())
    text = message.get_body(("plain",))
    assert text is not None and "status token [redacted] is readable" in text.get_content()


def test_a_refusing_server_is_one_line_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_SMTP_PASSWORD", PASSWORD)
    with smtp_server(refuse=True, login=True) as server:
        run_dir = run_folder(tmp_path, server.port)
        done = runner.invoke(app, ["notice", str(run_dir), "--send"])
    assert done.exit_code == 3
    assert done.output.splitlines()[-1] == (
        f"not sent: 127.0.0.1:{server.port} refused the mail (550 5.7.1 relaying denied); "
        "see the server's log for why"
    )


def test_a_login_password_not_set_stops_before_sending(tmp_path: Path) -> None:
    run_dir = run_folder(tmp_path)
    done = runner.invoke(app, ["notice", str(run_dir), "--send"], env={"ACME_SMTP_PASSWORD": ""})
    assert done.exit_code == 2
    assert "environment variable ACME_SMTP_PASSWORD is not set" in done.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "nobody to send the notice to: add 'contacts: [name@customer.example]' under"),
        (["--to", "hana-at-acme"], "--to: 'hana-at-acme' is not an e-mail address"),
        (["--to", "a@b.example", "--from", "me"], "--from: 'me' is not an e-mail address"),
    ],
)
def test_no_one_to_send_to_is_refused_with_the_fix(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    run_dir = run_folder(tmp_path, contacts=False)
    done = runner.invoke(app, ["notice", str(run_dir), *args])
    assert done.exit_code == 2
    assert expected in done.output and not (run_dir / "notice.eml").exists()


def test_a_folder_without_a_notice_is_refused(tmp_path: Path) -> None:
    write_drill_journal(tmp_path / "run")
    done = runner.invoke(app, ["notice", str(tmp_path / "run"), "--to", "a@b.example"])
    assert done.exit_code == 2
    assert "no notice.md here; `rehearsal report" in done.output


def test_the_subject_label_of_either_language_is_dropped() -> None:
    assert split_subject("Subject: Drill: done\n\nDear team,\n") == ("Drill: done", "Dear team,\n")
    assert split_subject("件名: 訓練：結果\n\n本文\n") == ("訓練：結果", "本文\n")


def test_raw_html_in_the_notice_is_shown_as_text() -> None:
    page = notice_html("<b>s</b>", "- a <script>alert(1)</script> [x](javascript:alert(1))\n")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "javascript:" not in page.split("<body", 1)[1].split('href="', 1)[-1][:20]
    assert "<title>&lt;b&gt;s&lt;/b&gt;</title>" in page


@pytest.mark.usefixtures("chromium")
def test_the_report_pdf_chromium_printed_is_attached_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_SMTP_PASSWORD", PASSWORD)
    with smtp_server(login=True) as server:
        run_dir = run_folder(tmp_path, server.port)
        assert runner.invoke(app, ["report", str(run_dir), "--pdf"]).exit_code == 0
        done = runner.invoke(app, ["notice", str(run_dir), "--send"])
    assert done.exit_code == 0, done.output
    pdf = _attachments(_parse(server.raw[0]))["report.pdf"]
    assert pdf.startswith(b"%PDF") and pdf == (run_dir / "report.pdf").read_bytes()


def test_send_without_an_email_channel_is_refused_and_sends_nothing(tmp_path: Path) -> None:
    """The webshop profile alerts by webhook and log only: no server to send through."""
    run_dir = write_drill_journal(tmp_path / "run")
    write_results(run_dir)
    args = ["notice", str(run_dir), "--to", "a@b.example", "--from", "me@sup.example", "--send"]
    done = runner.invoke(app, args)
    assert done.exit_code == 2
    assert done.output.splitlines()[-1].startswith(
        "no SMTP server to send the notice through: give a monitor an email: channel"
    )
    assert (run_dir / "notice.eml").is_file(), "written, not sent"
