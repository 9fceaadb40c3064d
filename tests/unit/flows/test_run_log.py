"""A RehearsalError raised in a Prefect task reaches the console only as the CLI's one line:
Prefect's records of it (with their traceback) go to the run's rehearsal.log instead."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.errors import FaultFailure
from rehearsal.flows.run_log import (
    REFUSALS_OFF_CONSOLE,
    RunLogFile,
    keep_refusals_off_console,
    run_log,
)

REFUSAL = "n3: filling / to 99% needs 20000 MB, more than max_megabytes (1024)"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """A console handler on the root logger, as Prefect's own is."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    keep_refusals_off_console()
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _task_log(message: str, task_run_id: str, error: BaseException | None = None) -> None:
    """Log as Prefect's task engine does: the run ids as extra fields, the exception attached."""
    extra = {"task_run_id": task_run_id, "flow_run_id": "flow-1"}
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    logging.getLogger("prefect.task_runs").error(message, exc_info=exc_info, extra=extra)


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def test_a_refusal_goes_to_the_run_log_not_the_console(
    console: io.StringIO, tmp_path: Path
) -> None:
    with run_log(tmp_path, "flow-1", lambda text: text.replace("20000", "[n]")) as log:
        _task_log(
            f"Task run failed with exception: {REFUSAL!r}", "t1", _raised(FaultFailure(REFUSAL))
        )
        _task_log("Finished in state Failed('Task run encountered an exception')", "t1")
    assert console.getvalue() == ""
    written = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in written
    assert "rehearsal.errors.FaultFailure" in written and "Finished in state Failed" in written
    assert "20000" not in written, "the run log is masked like the journal"


def test_a_bug_still_shows_its_traceback_on_the_console(console: io.StringIO) -> None:
    _task_log("Task run failed with exception: KeyError('x')", "t2", _raised(KeyError("x")))
    _task_log("Finished in state Failed('Task run encountered an exception KeyError')", "t2")
    shown = console.getvalue()
    assert "Traceback (most recent call last)" in shown and "KeyError: 'x'" in shown
    assert "Finished in state Failed" in shown


def test_other_runs_and_other_loggers_are_left_alone(console: io.StringIO, tmp_path: Path) -> None:
    with run_log(tmp_path, "flow-1") as log:
        _task_log("refused", "t3", _raised(FaultFailure(REFUSAL)))
        logging.getLogger("prefect.task_runs").error(
            "from another flow run", extra={"task_run_id": "t9", "flow_run_id": "flow-2"}
        )
        logging.getLogger("rehearsal.elsewhere").error("not a run logger")
    assert console.getvalue() == "from another flow run\nnot a run logger\n"
    assert "another flow run" not in log.read_text(encoding="utf-8")


def test_a_log_that_cannot_be_written_says_nothing_on_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full disk of a reports folder: /dev/full refuses every write with ENOSPC."""
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    (tmp_path / "rehearsal.log").symlink_to("/dev/full")
    handler = RunLogFile(tmp_path / "rehearsal.log", None, str)
    record = logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, "refused", (), None)
    handler.handle(record)
    handler.close()
    assert stderr.getvalue() == ""


def test_the_filter_is_put_on_once() -> None:
    keep_refusals_off_console()
    keep_refusals_off_console()
    for handler in logging.getLogger().handlers:
        assert handler.filters.count(REFUSALS_OFF_CONSOLE) == 1
