"""Prefect's words about a run's expected failures go to the run's log file, not the console.

A ``RehearsalError`` raised in a task (a fault the node refuses, Ansible failing) is told to
the user in one line by the CLI, but Prefect's engine also logs it at ERROR with a traceback,
then the task's "Finished in state Failed". Those records are kept off the console's
handlers; the run's ``rehearsal.log`` gets them, tracebacks included, for engineers. The
Prefect UI still shows them: its API handler is not touched. Any other exception is a bug
and still shows its traceback on the console.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from rehearsal.errors import RehearsalError

LOG_NAME = "rehearsal.log"
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


def _run_of(record: logging.LogRecord) -> str | None:
    """The task run (else the flow run) a record of Prefect's run loggers is about."""
    found = getattr(record, "task_run_id", None) or getattr(record, "flow_run_id", None)
    return str(found) if found else None


class RefusalsOffConsole(logging.Filter):
    """Drops a run logger's record whose exception is a RehearsalError, and what that task
    (or flow) run logs after it."""

    def __init__(self) -> None:
        super().__init__()
        self._refused: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(RUN_LOGGERS):
            return True
        run = _run_of(record)
        if record.exc_info and isinstance(record.exc_info[1], RehearsalError):
            if run is not None:
                self._refused.add(run)
            return False
        return run is None or run not in self._refused


REFUSALS_OFF_CONSOLE = RefusalsOffConsole()


def keep_refusals_off_console() -> None:
    """Put the filter on every handler of the root logger (the console); idempotent. It
    stays for the process: Prefect logs a flow run's failure after the flow function ends."""
    for handler in logging.getLogger().handlers:
        if REFUSALS_OFF_CONSOLE not in handler.filters:
            handler.addFilter(REFUSALS_OFF_CONSOLE)


class RunLogFile(logging.FileHandler):
    """The run's log for engineers: the run loggers' records of one flow run, with
    tracebacks and secrets masked. Opened on the first record, so a quiet run has none."""

    def __init__(self, path: Path, flow_run_id: str | None, redact: Callable[[str], str]) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.flow_run_id = flow_run_id
        self.redact = redact
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def filter(self, record: logging.LogRecord) -> bool:
        mine = self.flow_run_id is None or str(getattr(record, "flow_run_id", "")) == (
            self.flow_run_id
        )
        return mine and super().filter(record)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def handleError(self, record: logging.LogRecord) -> None:
        """A log that cannot be written (a full disk) must not print a traceback of its own
        on the console; the journal is the run's record."""

    def close(self) -> None:
        with suppress(OSError):  # what a full disk kept from being written
            super().close()


@contextmanager
def run_log(
    run_dir: Path, flow_run_id: str | None, redact: Callable[[str], str] = str
) -> Iterator[Path]:
    """Write the run loggers' records of this flow run to ``run_dir/rehearsal.log``."""
    handler = RunLogFile(run_dir / LOG_NAME, flow_run_id, redact)
    loggers = [logging.getLogger(name) for name in RUN_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield Path(handler.baseFilename)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        handler.close()
