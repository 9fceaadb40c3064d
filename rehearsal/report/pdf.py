"""report.pdf, printed from report.html by headless Chromium (the page has print styles).

Chromium is optional: without it the other formats are still written and the reader is
told in one line how to get PDFs.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from rehearsal.errors import PdfUnavailable
from rehearsal.journal.whole_files import replacing

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_S = 120.0


def find_chromium() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def write_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to ``pdf``; raise PdfUnavailable (one line) when that cannot be done."""
    browser = find_chromium()
    if browser is None:
        raise PdfUnavailable(
            "no report.pdf: Chromium is not installed (apt-get install chromium); "
            "report.html prints well from any browser"
        )
    pdf.unlink(missing_ok=True)
    # A throw-away profile: the browser must not touch the user's, nor leave one behind.
    with (
        tempfile.TemporaryDirectory(prefix="rehearsal-pdf-") as profile,
        replacing(pdf) as printed,
    ):
        argv = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={printed}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfUnavailable(f"no report.pdf: {browser} did not print it ({error})") from None
        if done.returncode != 0 or not printed.is_file():
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise PdfUnavailable(f"no report.pdf: {browser} exited {done.returncode}: {last}")
    return pdf
