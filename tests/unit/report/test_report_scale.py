"""A long run stays quick to report and small to open: 10,000 events, every format."""

from __future__ import annotations

import time
from pathlib import Path

from rehearsal.journal.writer import read_journal
from rehearsal.report.rebuild import rebuild
from tests.drill_journal import write_drill_journal

EVENTS = 10_000


def test_ten_thousand_events_render_in_under_2_s_and_html_stays_under_2_mb(
    tmp_path: Path,
) -> None:
    run_dir = write_drill_journal(tmp_path / "reports" / "long", samples=EVENTS - 20)
    assert len(read_journal(run_dir)) == EVENTS

    # CPU time, not wall time: other jobs on a shared 2-core machine must not fail this test.
    started = time.process_time()
    done = rebuild(run_dir)
    took = time.process_time() - started

    names = sorted(p.name for p in done.paths)
    assert names == ["junit.xml", "notice.md", "report.html", "report.md"]
    size = (run_dir / "report.html").stat().st_size
    print(f"\n10k events: all formats in {took:.2f} s CPU; report.html {size / 1e6:.2f} MB")
    assert took < 2.0
    assert size < 2_000_000
