"""The run's record: one JSON object a line, appended and flushed as things happen.

Results and reports are derived from this file alone, so a run that crashes or is killed
still leaves everything up to its last event.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

JOURNAL_NAME = "journal.jsonl"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / JOURNAL_NAME
        run_dir.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = self.path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        entry = {"at": utc_now().isoformat(), "event": event, **fields}
        line = json.dumps(entry, default=str, ensure_ascii=False)
        with self._lock:
            if self._file.closed:
                return entry
            self._file.write(line + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        return entry

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def read_journal(run_dir: Path) -> list[dict[str, Any]]:
    """Every complete event; a line cut short by a kill is skipped, not fatal."""
    events: list[dict[str, Any]] = []
    path = run_dir / JOURNAL_NAME
    with path.open(encoding="utf-8") as journal:
        for line in journal:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict) and "event" in event and "at" in event:
                events.append(event)
    return events
