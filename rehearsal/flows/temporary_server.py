"""Prefect's temporary server for a CLI run, started before the run's head start.

Prefect starts it on the flow's first API call and waits there until it answers; started here
instead, its process exists before the run's reaper does (which then ends it if the run is
killed), and the wait for it to answer overlaps the run's start and images. The flow then
finds it up: Prefect keeps one per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from prefect.settings import PREFECT_API_URL

SPAWN_S = 30.0
"""How long its process may take to exist; a server that fails is told by the wait."""


def start_temporary_server() -> Callable[[], None] | None:
    """Start the server the flow would start (none when ``PREFECT_API_URL`` names one);
    return once its process exists, with the wait for it to answer."""
    if PREFECT_API_URL.value():
        return None
    # The server's code (FastAPI, SQLAlchemy) is loaded only by a run that needs it.
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    answering: Future[None] = Future()

    def start() -> None:
        try:
            server.start()
        except BaseException as error:
            answering.set_exception(error)
        else:
            answering.set_result(None)

    threading.Thread(target=start, name="temporary-server", daemon=True).start()
    deadline = time.monotonic() + SPAWN_S
    while server.server_process is None and not answering.done() and time.monotonic() < deadline:
        time.sleep(0.01)
    return answering.result
