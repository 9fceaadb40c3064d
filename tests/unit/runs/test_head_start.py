"""A CLI run's head start: its start and images in a thread while the flow run starts, taken
over by the flow, or finished by the CLI when the flow never ran; what was said before the
flow run existed reaches its log."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from typing import Any, cast

import pytest

from rehearsal.runs.head_start import HeadStart, Relay
from rehearsal.runs.session import RunSession


class FakeMirror:
    def __init__(self, session: FakeSession, fails: Exception | None) -> None:
        self.session, self.fails = session, fails
        self.released = False

    def prepare_images(self) -> None:
        self.session.relay("role images for nginx")
        self.session.images_may_end.wait(5)
        self.session.stack.callback(self.session.done.append, "route closed")
        if self.fails is not None:
            raise self.fails

    def release(self) -> None:
        self.released = True


class FakeSession:
    """What a head start uses of a RunSession; its images end when the test says so."""

    def __init__(self, relay: Relay, images_fail: Exception | None = None) -> None:
        self.relay = relay
        self.stack = ExitStack()
        self.mirror = FakeMirror(self, images_fail)
        self.images_may_end = threading.Event()
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.done: list[str] = []
        self.journal = self
        self.threads: list[str] = []

    def start(self) -> None:
        self.threads.append(threading.current_thread().name)
        self.record("run.started")

    def record(self, event: str, **fields: Any) -> None:
        self.events.append((event, fields))

    def finish(self, outcome: str, error: str | None) -> str:
        self.mirror.release()
        return f"{outcome}: {error}"


def _ahead(images_fail: Exception | None = None) -> tuple[HeadStart, FakeSession, list[str]]:
    printed: list[str] = []
    relay = Relay(printed.append)
    fake = FakeSession(relay, images_fail)
    return HeadStart(cast(RunSession, fake), relay).begin(), fake, printed


def test_the_flow_takes_over_a_run_begun_before_it_and_its_log_gets_what_was_said() -> None:
    ahead, fake, printed = _ahead()
    ahead.started()
    logged: list[str] = []
    said: list[str] = []
    ahead.take_over(logged.append, said.append)
    threading.Timer(0.2, fake.images_may_end.set).start()  # the images end after the flow starts
    ahead.images()
    fake.relay("starting 1 nodes")
    assert fake.threads == ["head-start"]
    assert printed == ["role images for nginx"] and logged == printed
    assert said == ["starting 1 nodes"]
    assert ahead.executing
    [(event, fields)] = [e for e in fake.events if e[0] == "head_start"]
    assert set(fields) == {"flow_start_s", "images_s", "waited_s"}
    assert fields["images_s"] > fields["flow_start_s"] and fields["waited_s"] >= 0.15


def test_the_images_failure_is_raised_where_the_flow_waits_for_them() -> None:
    ahead, fake, _printed = _ahead(images_fail=RuntimeError("no base image"))
    ahead.started()
    fake.images_may_end.set()
    with pytest.raises(RuntimeError, match="no base image"):
        ahead.images()
    assert not [e for e in fake.events if e[0] == "head_start"]


def test_a_run_the_flow_never_took_over_is_undone_and_finished_by_the_cli() -> None:
    ahead, fake, _printed = _ahead()
    fake.images_may_end.set()  # Ctrl-C while Prefect's server starts
    assert ahead.abandon(KeyboardInterrupt()) == (
        "cancelled: interrupted (Ctrl-C or SIGTERM) before the run began"
    )
    assert fake.done == ["route closed"] and fake.mirror.released
    assert not ahead.executing
