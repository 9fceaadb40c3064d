"""Removing a run's resources: an endpoint the engine lets go of late is waited for, and a
network the engine never frees (its stale-endpoint bug) does not stop the rest of the run
from being removed, and is named in an error that says what to do."""

from __future__ import annotations

from typing import Any

import docker.errors
import pytest

from rehearsal.envs import docker as envs_docker
from rehearsal.envs.docker import remove_run
from rehearsal.errors import EnvironmentFailure

BUSY = "error while removing network: network rh-1-back id 4dd9 has active endpoints"


class FakeNetwork:
    def __init__(self, name: str, refusals: int) -> None:
        self.name = name
        self.refusals = refusals
        self.removed = False

    def remove(self) -> None:
        if self.refusals:
            self.refusals -= 1
            raise docker.errors.APIError(BUSY)
        self.removed = True


class FakeVolume:
    removed = False

    def remove(self, force: bool) -> None:
        self.removed = force


class FakeListing:
    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def list(self, **_filters: Any) -> list[Any]:
        return self.items


class FakeClient:
    def __init__(self, networks: list[FakeNetwork], volumes: list[FakeVolume]) -> None:
        self.containers = FakeListing([])
        self.networks = FakeListing(networks)  # type: ignore[arg-type]
        self.volumes = FakeListing(volumes)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envs_docker, "ENDPOINT_WAITS_S", (0.0, 0.0, 0.0))


def test_endpoints_let_go_of_late_are_waited_for() -> None:
    back, volume = FakeNetwork("rh-1-back", refusals=2), FakeVolume()
    assert remove_run(FakeClient([back], [volume]), "run-1") == 2
    assert back.removed and volume.removed


def test_a_network_the_engine_never_frees_is_named_and_the_rest_is_removed() -> None:
    back, data, volume = FakeNetwork("rh-1-back", 99), FakeNetwork("rh-1-data", 0), FakeVolume()
    with pytest.raises(EnvironmentFailure) as failure:
        remove_run(FakeClient([back, data], [volume]), "run-1")
    assert data.removed and volume.removed and not back.removed
    assert "on rh-1-back (a Docker bug" in str(failure.value)
    assert "then `rehearsal env down run-1`" in str(failure.value)
