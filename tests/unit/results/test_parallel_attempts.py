"""A parallel reproduction's journal interleaves its attempts' events, each tagged with its
attempt: results read each attempt from its own events, and a sequential journal is read as
it always was."""

from __future__ import annotations

from pathlib import Path

from rehearsal.journal.writer import AttemptJournal, Journal, read_journal
from rehearsal.report.html import render_html
from rehearsal.report.markdown import render_markdown
from rehearsal.report.summary import went_well
from rehearsal.report.wording import load_wording
from rehearsal.results.attempt_order import by_attempt
from rehearsal.results.derive import derive_results


def _interleaved(tmp_path: Path) -> list[dict[str, object]]:
    journal = Journal(tmp_path)
    journal.record("run.started", run_id="r", kind="reproduction", title="t", customer="c",
                   profile="p", scenario="s", team={}, attempts=2, parallel=2)  # fmt: skip
    first, second = AttemptJournal(journal, 1), AttemptJournal(journal, 2)
    for attempt in (first, second):
        attempt.record("attempt.started", attempt=attempt.attempt)
    for attempt in (first, second):
        attempt.record("phase.started", phase="trigger", operator="Op", analyst="An")
    second.record("probe.sample", probe="web", ok=False)
    first.record("probe.sample", probe="web", ok=True)
    second.record("symptom.checked", phase="trigger", present=True)
    first.record("symptom.checked", phase="trigger", present=False)
    second.record("phase.finished", phase="trigger", status="passed")
    first.record("phase.finished", phase="trigger", status="failed")
    for attempt in (second, first):
        attempt.record("attempt.finished")
    journal.record("run.finished", outcome="completed")
    journal.close()
    return read_journal(tmp_path)


def test_every_event_of_an_attempt_is_tagged_with_it(tmp_path: Path) -> None:
    events = _interleaved(tmp_path)
    assert all("attempt" in e for e in events if e["event"] not in ("run.started", "run.finished"))


def test_each_attempt_is_read_from_its_own_events(tmp_path: Path) -> None:
    results = derive_results(_interleaved(tmp_path))
    assert results.attempts == 2 and results.reproduction_rate == 0.5
    assert [(a.attempt, a.reproduced) for a in results.attempt_results] == [(1, False), (2, True)]
    phases = [(p.attempt, p.status, p.symptom_present) for p in results.phases]
    assert phases == [(1, "failed", False), (2, "passed", True)]
    histories = [(p.attempt, p.name, [s.ok for s in p.samples]) for p in results.probes]
    assert histories == [(1, "web", [True]), (2, "web", [False])]


def test_the_run_s_own_events_stay_last(tmp_path: Path) -> None:
    ordered = by_attempt(_interleaved(tmp_path))
    assert ordered[0]["event"] == "run.started" and ordered[-1]["event"] == "run.finished"
    attempts = [e["attempt"] for e in ordered[1:-1]]
    assert attempts == sorted(attempts)


def test_a_sequential_journal_keeps_its_order() -> None:
    events = [
        {"at": "t", "event": "run.started"},
        {"at": "t", "event": "attempt.started", "attempt": 1},
        {"at": "t", "event": "phase.started", "attempt": 1},
        {"at": "t", "event": "environment.removed"},
        {"at": "t", "event": "environment.up"},
        {"at": "t", "event": "attempt.started", "attempt": 2},
        {"at": "t", "event": "probe.sample"},
        {"at": "t", "event": "run.finished"},
    ]
    assert by_attempt(events) is events


def test_the_run_wide_figures_say_they_are_the_first_attempts(tmp_path: Path) -> None:
    events = _interleaved(tmp_path)
    results, w = derive_results(events), load_wording("en")
    said = (
        "These are attempt 1's figures, of 2 attempts; the reproduction table says how each went."
    )
    markdown = render_markdown(results, w)
    assert markdown.split("## Metrics\n\n", 1)[1].startswith(said + "\n")
    shown = said.replace("'", "&#39;")  # as Jinja escapes it
    assert f"<h2>Metrics</h2>\n<p>{shown}</p>" in render_html(results, events, w)
    alone = derive_results([e for e in events if e.get("attempt", 1) == 1])
    alone = alone.model_copy(update={"attempts": 1})
    assert said not in render_markdown(alone, w), "one attempt: its figures are the run's"


def test_what_went_well_says_whose_detection_it_names(tmp_path: Path) -> None:
    results = derive_results(_interleaved(tmp_path))
    detected = results.metrics.model_copy(update={"time_to_detect_s": 12.0})
    results = results.model_copy(update={"metrics": detected})
    assert "In attempt 1 of 2, the outage was noticed after 12.0 s." in went_well(
        results, load_wording("en")
    )
    assert "Phase “trigger” went as planned in attempt 2." in went_well(results, load_wording("en"))
    alone = results.model_copy(update={"attempts": 1})
    assert "The outage was noticed after 12.0 s." in went_well(alone, load_wording("en"))
    assert "2 回の試行のうち 1 回目では" in " ".join(went_well(results, load_wording("ja")))
