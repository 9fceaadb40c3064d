"""Wait for a condition with a deadline, polling fast enough not to blur millisecond figures."""

from __future__ import annotations

import time
from collections.abc import Callable


def until(
    condition: Callable[[], bool], timeout_s: float, what: str, every_s: float = 0.005
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout_s:g} s")
        time.sleep(every_s)
