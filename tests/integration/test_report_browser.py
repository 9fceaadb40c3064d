"""report.html in a real browser: headless Chromium, driven by Playwright (no browser download)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from rehearsal.runs.session import write_results
from tests.drill_journal import write_drill_journal

pytestmark = pytest.mark.browser
HOSTILE = "<script>alert(1)</script>"


def test_report_shows_summary_timeline_and_findings_and_never_runs_node_output(
    chromium: str, tmp_path: Path
) -> None:
    run_dir = write_drill_journal(
        tmp_path / "reports" / "run-1", log_line=f"nginx: upstream app2 {HOSTILE}"
    )
    write_results(run_dir)
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto((run_dir / "report.html").as_uri())

            assert page.get_by_role("status").is_visible()
            assert "The rehearsal passed" in page.get_by_role("status").inner_text()
            timeline = page.locator("svg[aria-label^='Timeline of run']")
            assert timeline.is_visible() and timeline.bounding_box()["height"] > 100  # type: ignore[index]
            findings = page.locator("table.findings")
            findings.scroll_into_view_if_needed()
            assert findings.is_visible()
            assert "Connection pool exhausted on app2" in findings.inner_text()

            step = page.locator("details.sub", has_text="Switch the load balancer to app2")
            step.locator("summary").click()  # a passed runbook step starts folded
            output = step.locator("pre", has_text="nginx: upstream app2")
            assert output.is_visible()
            assert HOSTILE in output.inner_text(), "node output shows as text"
            assert page.locator("script").count() == 0
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == [], "no script from the node ran"
    assert (tmp_path / "report.png").stat().st_size > 10_000
