"""The go-live readiness page in headless Chromium: it renders with its chart, a hostile
finding title stays text, and it prints to PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from rehearsal.cli.app import app
from tests.reports_folder import at, finding, write_run

pytestmark = pytest.mark.browser
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)>"


def test_readiness_page_renders_its_chart_keeps_hostile_text_and_prints(
    chromium: str, tmp_path: Path
) -> None:
    reports, out = tmp_path / "reports", tmp_path / "out"
    write_run(reports, 1, switch_took_s=40.0)
    about = {"runbook": "app-failover-to-standby", "step": "1"}
    write_run(reports, 2, [finding(at(2), "R5", HOSTILE, about)], switch_took_s=20.0)
    (reports / "broken").mkdir()
    done = CliRunner().invoke(app, ["readiness", str(reports), "--out", str(out)])
    assert done.exit_code == 0, done.output
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto((out / "readiness.html").as_uri())

            verdict = page.locator(".verdict")
            assert verdict.is_visible() and "no-go" in verdict.inner_text().lower()
            chart = page.locator("svg.trend")
            assert chart.count() == 1 and chart.first.is_visible()
            assert chart.locator("circle").count() == 2  # one dot a run
            assert page.get_by_text(HOSTILE).first.is_visible(), "the title shows as text"
            assert page.locator("script").count() == 0 and page.locator("img").count() == 0
            assert page.get_by_text("The verdict is go only when every rule holds").is_visible()
            assert "broken" in page.locator("table", has_text="Why").inner_text()
            page.screenshot(path=str(tmp_path / "readiness.png"), full_page=True)
            pdf = page.pdf(path=str(tmp_path / "readiness.pdf"), format="A4")
        finally:
            browser.close()
    assert dialogs == [], "no script from a finding ran"
    assert requests == [(out / "readiness.html").as_uri()], "nothing loaded from outside"
    assert pdf.startswith(b"%PDF") and (tmp_path / "readiness.pdf").stat().st_size > 5_000
    assert (tmp_path / "readiness.png").stat().st_size > 10_000
