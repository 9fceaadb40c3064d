"""Plugs Prefect into the seams of the layers below, which know nothing of it: Secret
blocks as a secret source, events as a notify channel, a variable as a shared emergency
stop, and flow runs as what a stop cancels elsewhere.

``install()`` is the one place they are registered: ``rehearsal.flows.launch`` calls it as
it is imported (so every flow run, served or on a worker, has them) and the CLI before the
commands that resolve secrets or consult the stop. Installing imports no Prefect; each
adapter loads it when first used.
"""

from __future__ import annotations

from rehearsal.flows.alert_events import send_event
from rehearsal.flows.cancel import PrefectFlowRuns
from rehearsal.flows.secret_blocks import read_secret_block
from rehearsal.flows.stop_variable import StopVariable
from rehearsal.runs.emergency import ELSEWHERE
from rehearsal.runs.live import SHARED_STOPS
from rehearsal.scenarios.notify import CHANNELS
from rehearsal.secrets.resolve import READERS


def install() -> None:
    """Register the Prefect adapters (again is harmless: each has its one key)."""
    READERS["prefect_secret"] = read_secret_block
    CHANNELS["prefect"] = send_event
    SHARED_STOPS["prefect-variable"] = StopVariable()
    ELSEWHERE["prefect"] = PrefectFlowRuns()
