"""A CLI run's first part, done while its flow run starts.

Without a configured server, a CLI run's flow needs Prefect's temporary server, which takes
seconds to answer (``flows.temporary_server``), and nothing a run does before its images are
ready needs a server: the journal's start and the images. A thread does those meanwhile;
``execute`` takes them over where it would do them, and the journal's ``head_start`` says how
long each side took. A run that holds lab hosts gets none: their slots are held before
anything is built.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from rehearsal.results.model import Results
from rehearsal.runs.session import RunSession

Say = Callable[[str], None]


class Relay:
    """Progress said before the flow run exists: on the terminal at once, and into the flow
    run's log once it takes over; from then on, what the flow says."""

    def __init__(self, terminal: Say | None) -> None:
        self._terminal = terminal
        self._kept: list[str] = []
        self._to: Say | None = None
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self._lock:
            to = self._to
            if to is None:
                self._kept.append(message)
        if to is not None:
            to(message)
        elif self._terminal is not None:
            self._terminal(message)

    def take_over(self, log: Say, say: Say) -> None:
        with self._lock:
            kept, self._kept, self._to = self._kept, [], say
        for message in kept:
            log(message)


class HeadStart:
    def __init__(self, session: RunSession, relay: Relay) -> None:
        self.session = session
        self.relay = relay
        self._started: Future[None] = Future()
        self._images: Future[float] = Future()
        self._thread = threading.Thread(target=self._work, name="head-start", daemon=True)
        self._began = 0.0
        self._taken: float | None = None
        self.executing = False
        """``execute`` has the session: it tears down and finishes the run, whatever happens."""

    def begin(self) -> HeadStart:
        self._began = time.monotonic()
        self._thread.start()
        return self

    def _work(self) -> None:
        try:
            self.session.start()
        except BaseException as error:
            self._started.set_exception(error)
            self._images.set_exception(error)
            return
        self._started.set_result(None)
        try:
            self.session.mirror.prepare_images()
        except BaseException as error:
            self._images.set_exception(error)
        else:
            self._images.set_result(time.monotonic())

    def take_over(self, log: Say, say: Say) -> None:
        """The flow run is up: what was said before goes to its log, what is said next too."""
        self._taken = time.monotonic()
        self.relay.take_over(log, say)

    def started(self) -> None:
        self._started.result()
        self.executing = True

    def images(self) -> None:
        """Wait for the images, and journal what the head start saved."""
        ready = self._images.result()
        joined = time.monotonic()
        taken = self._taken if self._taken is not None else joined
        self.session.journal.record(
            "head_start",
            flow_start_s=round(taken - self._began, 3),
            images_s=round(ready - self._began, 3),
            waited_s=round(max(0.0, joined - taken), 3),
        )

    def abandon(self, error: BaseException) -> Results | None:
        """The flow never ran the session (Ctrl-C, or Prefect failing, while its server
        started): the thread's work is undone and the run finished here, as it would have
        been by ``execute``; None when even its start failed."""
        self._thread.join()
        self.session.stack.close()
        if self._started.exception() is not None:
            self.session.mirror.release()
            return None
        if isinstance(error, KeyboardInterrupt):
            outcome, why = "cancelled", "interrupted (Ctrl-C or SIGTERM) before the run began"
        else:
            outcome, why = "error", f"{type(error).__name__}: {error}"
        return self.session.finish(outcome, why)
