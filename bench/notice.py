"""The customer notice as a mail: building notice.eml (the notice as text and HTML,
report.html and report.pdf attached, every part masked with the run's secrets) for a run
folder like a real one, against Python's email package building the same message by hand
from the same files, in the same run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from bench.options import Options
from bench.report import synthetic_journal
from bench.table import Figure
from rehearsal.errors import PdfUnavailable
from rehearsal.journal.writer import JOURNAL_NAME
from rehearsal.report.notice_mail import (
    build_notice,
    notice_html,
    run_profile,
    split_subject,
    write_notice_eml,
)
from rehearsal.report.pdf import write_pdf
from rehearsal.runs.session import write_results

PROFILE = Path(__file__).resolve().parents[1] / "examples" / "webshop" / "profile.yaml"
TO, SENDER = "Hana Cho <hana.cho@acme.example>", "Support <support@example.com>"
TARGET_S = 0.5


def run_folder(workdir: Path) -> tuple[Path, str]:
    """A 1,000-event drill with the webshop profile, its reports written and report.pdf
    printed (by Chromium when there is one; else a PDF-sized stand-in, said in the note)."""
    run_dir = workdir / "notice-run"
    run_dir.mkdir(parents=True, exist_ok=True)
    events = synthetic_journal(1_000)
    events[0] = events[0] | {"profile": str(PROFILE)}
    lines = "".join(json.dumps(event) + "\n" for event in events)
    (run_dir / JOURNAL_NAME).write_text(lines, encoding="utf-8")
    write_results(run_dir)
    try:
        write_pdf(run_dir / "report.html", run_dir / "report.pdf")
        printed = "report.pdf printed by Chromium"
    except PdfUnavailable:
        (run_dir / "report.pdf").write_bytes(b"%PDF-1.7\n" + bytes(300_000))
        printed = "no Chromium: a 300 KB stand-in report.pdf"
    return run_dir, printed


def ours(run_dir: Path) -> None:
    """What `rehearsal notice` does in-process: profile, secrets, message, file."""
    profile, redact = run_profile(run_dir)
    write_notice_eml(run_dir, build_notice(run_dir, profile, [TO], SENDER, redact))


def by_hand(run_dir: Path) -> None:
    """The same message with the email package alone: no profile, no masking."""
    subject, body = split_subject((run_dir / "notice.md").read_text(encoding="utf-8"))
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, TO, subject
    message.set_content(body)
    message.add_alternative(notice_html(subject, body), subtype="html")
    page = (run_dir / "report.html").read_bytes()
    message.add_attachment(page, maintype="text", subtype="html", filename="report.html")
    pdf = (run_dir / "report.pdf").read_bytes()
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="report.pdf")
    (run_dir / "by-hand.eml").write_bytes(message.as_bytes())


def _best(action: Callable[[Path], None], run_dir: Path, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action(run_dir)
        times.append(time.perf_counter() - started)
    return min(times)


def _command(run_dir: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("rehearsal")), "notice", str(run_dir),
         "--to", TO, "--from", SENDER],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return time.perf_counter() - started


def _python(_run_dir: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import email.message"], check=True, timeout=60)
    return time.perf_counter() - started


def measure(options: Options) -> list[Figure]:
    run_dir, printed = run_folder(options.workdir)
    repeats = options.repeats(5, 2)
    ours(run_dir)  # the first call pays for imports, as the command's process does
    mine = _best(ours, run_dir, repeats)
    hand = _best(by_hand, run_dir, repeats)
    size = (run_dir / "notice.eml").stat().st_size / 1e6
    command = min(_command(run_dir) for _ in range(repeats))
    bare = min(_python(run_dir) for _ in range(repeats))
    return [
        Figure(
            "notice", "notice.eml with attachments built", "s", mine, hand,
            "email package by hand, same files", TARGET_S,
            f"best of {repeats}; {size:.2f} MB mail; {printed}",
        ),
        Figure(
            "notice", "`rehearsal notice RUN` (whole command)", "s", command, bare,
            "python -c 'import email.message'", TARGET_S,
            f"best of {repeats}; process start and imports included",
        ),
    ]  # fmt: skip
