"""The emergency stop as the Prefect variable ``rehearsal-emergency-stop``, so that the
workers of a pool on other machines refuse new runs too.

Prefect loads only when a server is configured: ``rehearsal run`` checks the stop before
loading anything.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rehearsal.flows.server import prefect_configured
from rehearsal.runs.live import Stop

STOP_VARIABLE = "rehearsal-emergency-stop"


class StopVariable:
    def read(self) -> Stop | None:
        if not prefect_configured():
            return None
        from prefect.variables import Variable

        value: Any = Variable.get(STOP_VARIABLE, default=None)
        return Stop(**value) if isinstance(value, dict) else None

    def write(self, stop: Stop) -> None:
        if prefect_configured():
            from prefect.variables import Variable

            Variable.set(STOP_VARIABLE, asdict(stop), overwrite=True)

    def clear(self) -> None:
        if prefect_configured():
            from prefect.variables import Variable

            Variable.unset(STOP_VARIABLE)
