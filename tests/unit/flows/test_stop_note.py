"""A run cancelled by an emergency stop journals who stopped it and why, whichever of its two
paths (the cancellation watch, the signal's unwinding) notices first, even when a read of the
shared stop fails or is slow at that moment."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import httpx
import pytest

from rehearsal.flows.launch import _StopNote
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.runs.live import Stop

STOP = Stop("Ops Lee", "cutover freeze", "2026-12-02T05:16:17+00:00")
LOGGER = logging.getLogger("test-stop-note")


def _noted(run_dir: Path) -> list[tuple[str, str, str]]:
    events = read_journal(run_dir)
    return [(e["by"], e["why"], e["at"]) for e in events if e["event"] == "emergency_stop"]


class SharedStop:
    """The Prefect variable as the flow run's process reads it: failing, then answering."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.reads = 0

    def __call__(self) -> Stop | None:
        self.reads += 1
        if self.reads <= self.failures:
            raise httpx.ReadTimeout("the server is busy")
        return STOP


def test_a_stop_sentence_reads_back_as_the_stop() -> None:
    tricky = Stop("Lee at Ops: nights", "freeze at 10:00: cutover", STOP.at)
    assert Stop.from_sentence(tricky.sentence()) == tricky
    assert Stop.from_sentence("Flow run was cancelled.") is None


def test_the_cancel_message_names_who_stopped_without_reading_the_shared_stop(
    tmp_path: Path,
) -> None:
    shared = SharedStop(failures=99)
    with Journal(tmp_path) as journal:
        note = _StopNote(journal, LOGGER, lambda: None, shared)
        note(STOP.sentence())
        note()
    assert _noted(tmp_path) == [("Ops Lee", "cutover freeze", STOP.at)]
    assert shared.reads == 0


def test_a_failed_read_by_the_watch_leaves_the_unwinding_to_note_the_stop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Journal(tmp_path) as journal:
        note = _StopNote(journal, LOGGER, lambda: None, SharedStop(failures=1))
        note("cancelled in the UI")  # the watch: no stop in the message, and the read fails
        note()  # the signal's path, as the run has unwound
    assert _noted(tmp_path) == [("Ops Lee", "cutover freeze", STOP.at)]
    assert "could not read the emergency stop" in caplog.text


def test_the_unwinding_reads_the_cancel_message_when_the_shared_stop_is_unreachable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Journal(tmp_path) as journal:
        note = _StopNote(journal, LOGGER, STOP.sentence, SharedStop(failures=99))
        note()
    assert _noted(tmp_path) == [("Ops Lee", "cutover freeze", STOP.at)]
    assert caplog.text == ""


def test_the_second_path_waits_for_a_slow_first_read_before_the_journal_closes(
    tmp_path: Path,
) -> None:
    reading, answer = threading.Event(), threading.Event()

    def slow() -> Stop | None:
        reading.set()
        answer.wait(5)
        return STOP

    journal = Journal(tmp_path)
    note = _StopNote(journal, LOGGER, lambda: None, slow)
    watch = threading.Thread(target=note, args=("cancelled in the UI",))
    watch.start()
    assert reading.wait(5)
    unwound = threading.Thread(target=note)
    unwound.start()
    unwound.join(0.2)
    assert unwound.is_alive(), "the signal's path returned before the watch's note was written"
    answer.set()
    unwound.join(5)
    watch.join(5)
    journal.close()  # as the run does once it has unwound
    assert _noted(tmp_path) == [("Ops Lee", "cutover freeze", STOP.at)]
