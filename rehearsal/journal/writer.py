"""The run's record: one JSON object a line, appended and flushed as things happen.

Results and reports are derived from this file alone, so a run that crashes or is killed
still leaves everything up to its last event.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from rehearsal.errors import out_of_space
from rehearsal.journal.events import Event, refuse_mismatch

JOURNAL_NAME = "journal.jsonl"


def utc_now() -> datetime:
    return datetime.now(UTC)


Redact = Callable[[Any], Any]


class Journal:
    """Appends events; ``redact`` masks secret values before anything reaches the disk.

    With ``full_disk_ok`` (a run's own journal) a full file system does not raise: the run
    must still revert its faults and tear down, which journal as they go. ``unwritten``
    counts the events that may be missing.
    """

    def __init__(
        self, run_dir: Path, redact: Redact | None = None, full_disk_ok: bool = False
    ) -> None:
        self.path = run_dir / JOURNAL_NAME
        run_dir.mkdir(parents=True, exist_ok=True)
        cut = _ends_mid_line(self.path)
        self._file: TextIO = self.path.open("a", encoding="utf-8")
        if cut:
            # A run killed mid-line left half an event; later events start on a line of their own.
            self._file.write("\n")
        self._redact = redact
        self._lock = threading.Lock()
        self._full_disk_ok = full_disk_ok
        self.unwritten = 0

    def redact(self, value: Any) -> Any:
        """``value`` with secrets masked: for what goes to disk beside the journal (evidence)."""
        return self._redact(value) if self._redact is not None else value

    def record(self, event: str, **fields: Any) -> Event:
        """Append ``event``; one that does not fit the catalogue is refused before anything
        is written (:class:`~rehearsal.journal.events.EventMismatch`)."""
        refuse_mismatch(event, fields)
        if self._redact is not None:
            fields = self._redact(fields)
        entry = {"at": utc_now().isoformat(), "event": event, **fields}
        line = json.dumps(entry, default=str, ensure_ascii=False)
        with self._lock:
            if self._file.closed:
                return entry
            with self._on_full_disk():
                self._file.write(line + "\n")
                self._file.flush()
                os.fsync(self._file.fileno())
        return entry

    def close(self) -> None:
        # Closed even when its last flush fails; those events were counted when first refused.
        with self._lock, self._on_full_disk(lost=0):
            self._file.close()

    @contextmanager
    def _on_full_disk(self, lost: int = 1) -> Iterator[None]:
        try:
            yield
        except OSError as error:
            if not (self._full_disk_ok and out_of_space(error)):
                raise
            self.unwritten += lost

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class AttemptJournal(Journal):
    """The run's journal as one attempt of a parallel reproduction writes it: every event
    tagged with the attempt, since the attempts' events interleave in the one file."""

    def __init__(self, journal: Journal, attempt: int) -> None:
        # Shares the run journal's file, lock and count: nothing of its own to open.
        self.path = journal.path
        self.attempt = attempt
        self._run = journal

    @property
    def unwritten(self) -> int:  # type: ignore[override]
        return self._run.unwritten

    def redact(self, value: Any) -> Any:
        return self._run.redact(value)

    def record(self, event: str, **fields: Any) -> Event:
        return self._run.record(event, **{**fields, "attempt": self.attempt})

    def close(self) -> None:
        """The run closes its journal, once every attempt is over."""


def _ends_mid_line(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as journal:
        journal.seek(-1, os.SEEK_END)
        return journal.read(1) != b"\n"


@dataclass(frozen=True)
class JournalRead:
    """The complete events, and how many lines were unreadable (the last one: cut short)."""

    events: list[Event]
    unreadable: int
    last_line_cut: bool


def read_journal(run_dir: Path) -> list[Event]:
    """Every complete event; a line cut short by a kill is skipped, not fatal."""
    return read_journal_lines(run_dir).events


def read_journal_lines(run_dir: Path) -> JournalRead:
    events: list[Event] = []
    unreadable, last_bad = 0, False
    path = run_dir / JOURNAL_NAME
    with path.open(encoding="utf-8", errors="replace") as journal:
        for line in journal:
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                unreadable, last_bad = unreadable + 1, True
                continue
            last_bad = False
            if isinstance(event, dict) and "event" in event and "at" in event:
                events.append(event)
            else:
                unreadable += 1
    return JournalRead(events, unreadable, last_bad)
