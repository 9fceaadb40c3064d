"""Report files are written whole or not at all: a reader (or a CI job) never opens half a
report.html left by a full disk or a kill.

Each file is written under a temporary name in its own folder, then renamed over the real
name (``os.replace`` is atomic within one file system). The journal is not written this way:
it is appended to, line by line, as things happen.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to (for writers that take a path, such as
    ElementTree or Chromium); on success it becomes ``path``, on failure it is removed."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()


def write_whole(path: Path, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8) to ``path`` whole, or leave ``path`` as it was."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with replacing(path) as temporary:
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    return path
