"""``stop --all`` reaches runs on other machines through each registered orchestrator."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.runs import emergency
from rehearsal.runs.emergency import Stopped, stop_all
from rehearsal.runs.live import LiveRun, Stop

STOP = Stop("Kim", "db wiped", "2026-12-01T12:00:00+00:00")


class Pool:
    def __init__(self) -> None:
        self.marked: list[list[LiveRun]] = []
        self.cancelled: list[Stop] = []

    def mark_cancelled(self, runs: list[LiveRun], stop: Stop) -> None:
        self.marked.append(runs)

    def cancel_elsewhere(self, stop: Stop) -> list[Stopped]:
        self.cancelled.append(stop)
        return [Stopped("drill-on-worker-2", where="via the pool")]


def test_stopping_everything_cancels_what_each_orchestrator_runs_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path))  # no live runs here
    pool = Pool()
    monkeypatch.setattr(emergency, "ELSEWHERE", {"pool": pool})
    assert stop_all(STOP) == [Stopped("drill-on-worker-2", where="via the pool")]
    assert pool.cancelled == [STOP]
    assert pool.marked == [], "nothing stopped here, so nothing to mark"


def test_with_no_orchestrator_a_stop_reaches_only_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(emergency, "ELSEWHERE", {})
    assert stop_all(STOP) == []
