"""Which runs are going on this machine, and whether an emergency stop forbids new ones.

Both live in a state folder (``REHEARSAL_STATE_DIR``, else ``$XDG_STATE_HOME/rehearsal``):
``runs/RUN_ID.json`` for each live run (written as it starts, removed as it ends) and
``stopped.json`` while an emergency stop is in force. The stop is mirrored to every store
in ``SHARED_STOPS``, so that machines sharing one see it too: with Prefect, a Prefect
variable the workers of a pool read (``rehearsal.flows.adapters.install`` adds it).
Nothing heavy is imported here: ``rehearsal run`` checks the stop before Docker or Prefect
is loaded.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from rehearsal.envs.labels import process_start
from rehearsal.errors import RunRefused


def state_dir() -> Path:
    chosen = os.environ.get("REHEARSAL_STATE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "rehearsal"


@dataclass(frozen=True)
class LiveRun:
    run_id: str
    run_dir: str
    keep: bool
    pid: int
    start: str
    """The kernel's start time of ``pid``: with it, a reused pid is not mistaken for the run."""
    host: str
    flow_run_id: str | None = None
    lab_hosts: tuple[str, ...] = ()
    """The lab hosts (address:port) the run converges and breaks: no other run may meanwhile."""

    def alive(self) -> bool:
        return self.host == socket.gethostname() and process_start(self.pid) == self.start != ""


def _runs_dir() -> Path:
    return state_dir() / "runs"


@contextmanager
def registered(
    run_id: str,
    run_dir: Path,
    keep: bool,
    flow_run_id: str | None,
    lab_hosts: list[str] | None = None,
) -> Iterator[None]:
    """List the run as live while the block runs (the emergency stop finds it here); refused
    while another live run holds one of its lab hosts."""
    import fcntl

    pid = os.getpid()
    entry = LiveRun(
        run_id,
        str(run_dir),
        keep,
        pid,
        process_start(pid),
        socket.gethostname(),
        flow_run_id,
        tuple(lab_hosts or ()),
    )
    path = _runs_dir() / f"{run_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with (state_dir() / "runs.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs starting at once: one sees the other
        refuse_if_held(entry.lab_hosts, run_id)
        path.write_text(json.dumps(asdict(entry)))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def refuse_if_held(lab_hosts: tuple[str, ...] | list[str], run_id: str = "") -> None:
    """Refuse a run while another live run on this machine holds one of its lab hosts."""
    for other in live_runs() if lab_hosts else []:
        shared = sorted(set(other.lab_hosts) & set(lab_hosts))
        if shared and other.run_id != run_id:
            raise RunRefused(
                f"lab host {', '.join(shared)} is in use by run {other.run_id} (pid "
                f"{other.pid}); wait for it to end, or `rehearsal stop {other.run_id}`"
            )


def live_runs() -> list[LiveRun]:
    """Runs whose process still lives; entries of dead processes are cleared on the way."""
    found = []
    for path in sorted(_runs_dir().glob("*.json")):
        try:
            entry = LiveRun(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            continue
        if entry.alive():
            found.append(entry)
        else:
            path.unlink(missing_ok=True)
    return found


def forget(run_id: str) -> None:
    (_runs_dir() / f"{run_id}.json").unlink(missing_ok=True)


@dataclass(frozen=True)
class Stop:
    by: str
    why: str
    at: str

    def sentence(self) -> str:
        return f"emergency stop by {self.by} at {self.at}: {self.why}"

    @classmethod
    def from_sentence(cls, sentence: str) -> Stop | None:
        """The stop a cancel's message says (``sentence``), so a run cancelled elsewhere learns
        who and why from the cancel itself, not from a second read of the shared stop."""
        said = _SENTENCE.fullmatch(sentence)
        return cls(said["by"], said["why"], said["at"]) if said else None


# ``at`` is an ISO timestamp, so a name or reason with " at " or ": " in it still parses.
_SENTENCE = re.compile(
    r"emergency stop by (?P<by>.*?) at (?P<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d): "
    r"(?P<why>.*)",
    re.DOTALL,
)


class StopStore(Protocol):
    """A place an emergency stop is kept; reading it answers None when there is none."""

    def read(self) -> Stop | None: ...

    def write(self, stop: Stop) -> None: ...

    def clear(self) -> None: ...


class StopFlag:
    """The stop on this machine: ``stopped.json`` in the state folder."""

    def path(self) -> Path:
        return state_dir() / "stopped.json"

    def read(self) -> Stop | None:
        with suppress(OSError, ValueError, TypeError):
            return Stop(**json.loads(self.path().read_text()))
        return None

    def write(self, stop: Stop) -> None:
        self.path().parent.mkdir(parents=True, exist_ok=True)
        self.path().write_text(json.dumps(asdict(stop)))

    def clear(self) -> None:
        self.path().unlink(missing_ok=True)


SHARED_STOPS: dict[str, StopStore] = {}
"""Stores beside this machine's flag, by name, consulted in order after it."""


def _stores() -> list[StopStore]:
    return [StopFlag(), *SHARED_STOPS.values()]


def current_stop() -> Stop | None:
    """The stop in force on this machine, or in a store shared with others."""
    for store in _stores():
        stop = store.read()
        if stop is not None:
            return stop
    return None


def refuse_if_stopped() -> None:
    stop = current_stop()
    if stop is not None:
        raise RunRefused(
            f"no new runs: {stop.sentence()}. Lift it with `rehearsal stop --lift` once it is safe."
        )


def raise_stop(by: str, why: str) -> Stop:
    stop = Stop(by, why, datetime.now(UTC).isoformat(timespec="seconds"))
    for store in _stores():
        store.write(stop)
    return stop


def lift_stop() -> Stop:
    stop = current_stop()
    if stop is None:
        raise RunRefused("nothing is stopped: there is no emergency stop to lift")
    for store in _stores():
        store.clear()
    return stop
