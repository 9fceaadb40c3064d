"""Naming a run names its side-by-side attempts' mirrors too (``<run-id>.<n>``), and a
fault is reverted in the mirror its attempt injected it into."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.docker import with_attempts
from rehearsal.runs.recovery import mirror_of


@dataclass
class _Resource:
    labels: dict[str, str]

    @property
    def attrs(self) -> dict[str, Any]:
        return {"Labels": self.labels}


@dataclass
class _Kind:
    resources: list[_Resource] = field(default_factory=list)

    def list(self, **_filters: Any) -> list[_Resource]:
        return self.resources


@dataclass
class _Engine:
    containers: _Kind
    networks: _Kind = field(default_factory=_Kind)
    volumes: _Kind = field(default_factory=_Kind)


def test_a_run_id_names_its_attempts_mirrors_and_no_other_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_VOLUMES_DIR", str(tmp_path))
    labels = ["r-1", "r-1.2", "r-1.3", "r-10", "r-1.x", "r-12.1"]
    engine = _Engine(_Kind([_Resource({"rehearsal.run": label}) for label in labels]))
    assert with_attempts(engine, "r-1") == ["r-1", "r-1.2", "r-1.3"]
    assert with_attempts(engine, "r-1.2") == ["r-1.2"]
    assert with_attempts(engine, "r-2") == []


def test_a_fault_is_reverted_in_its_attempts_mirror_else_in_the_runs() -> None:
    mirrors: dict[str, Any] = {"r-1": object(), "r-1.2": object()}
    assert mirror_of("r-1", {"attempt": 2}, mirrors) == "r-1.2"
    assert mirror_of("r-1", {"attempt": 1}, mirrors) == "r-1", "attempt 1 ran on the run's"
    assert mirror_of("r-1", {}, mirrors) == "r-1"
