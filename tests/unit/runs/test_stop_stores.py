"""An emergency stop is kept in this machine's flag and in every shared store registered
beside it: raised in all, seen from any, lifted from all."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import RunRefused
from rehearsal.runs import live
from rehearsal.runs.live import Stop, StopFlag, current_stop, lift_stop, raise_stop


class SharedStop:
    def __init__(self) -> None:
        self.stop: Stop | None = None

    def read(self) -> Stop | None:
        return self.stop

    def write(self, stop: Stop) -> None:
        self.stop = stop

    def clear(self) -> None:
        self.stop = None


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SharedStop:
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path))
    store = SharedStop()
    monkeypatch.setattr(live, "SHARED_STOPS", {"elsewhere": store})
    return store


def test_a_stop_raised_here_is_written_to_the_flag_and_every_shared_store(
    shared: SharedStop,
) -> None:
    stop = raise_stop("Kim", "db wiped")
    assert StopFlag().read() == stop and shared.stop == stop


def test_a_stop_raised_on_another_machine_refuses_runs_here(shared: SharedStop) -> None:
    shared.stop = Stop("Sato", "cutover postponed", "2026-12-01T12:00:00+00:00")
    assert current_stop() == shared.stop
    with pytest.raises(RunRefused, match="no new runs: emergency stop by Sato at 2026-12-01"):
        live.refuse_if_stopped()


def test_lifting_clears_the_flag_and_every_shared_store(shared: SharedStop) -> None:
    raised = raise_stop("Kim", "db wiped")
    assert lift_stop() == raised
    assert StopFlag().read() is None and shared.stop is None and current_stop() is None
    with pytest.raises(RunRefused, match="nothing is stopped"):
        lift_stop()
