"""A mirror that breaks under a run is noticed: a node's container removed by someone else,
or the Docker engine going away (simulated here: the SDK's event stream raising a connection
error, since the shared engine cannot be restarted in a test)."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from rehearsal.envs import labels as L
from rehearsal.envs.docker import DockerEnvironment, EnvironmentSpec, NodeSpec
from rehearsal.envs.keys import generate_key_pair


class FakeEvents:
    """What ``client.events`` returns: an iterator with ``close``."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.closed = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for item in self.items:
            if isinstance(item, BaseException):
                raise item
            yield item
        while not self.closed:  # a live stream: nothing more until closed
            time.sleep(0.01)

    def close(self) -> None:
        self.closed = True


class FakeClient:
    def __init__(self, items: list[Any]) -> None:
        self.stream = FakeEvents(items)
        self.filters: dict[str, Any] = {}

    def events(self, filters: dict[str, Any], decode: bool) -> FakeEvents:
        self.filters = filters
        return self.stream


def _destroyed(node: str) -> dict[str, Any]:
    return {"Action": "destroy", "Actor": {"Attributes": {L.NODE: node, L.RUN: "r1"}}}


def _watch(
    items: list[Any], removing: frozenset[str] = frozenset()
) -> tuple[list[str], FakeClient]:
    client = FakeClient(items)
    spec = EnvironmentSpec("r1", (NodeSpec("web1", "img", ("front",)),), ())
    with tempfile.TemporaryDirectory() as folder:
        env = DockerEnvironment(client, spec, generate_key_pair(Path(folder), "test"))
    env._removing.update(removing)
    told: list[str] = []
    done = threading.Event()

    def lost(detail: str) -> None:
        told.append(detail)
        done.set()

    env.watch(lost)
    done.wait(2)
    env._closing = True
    client.stream.close()
    return told, client


def test_a_node_removed_from_outside_is_reported_once() -> None:
    told, client = _watch([_destroyed("web1"), _destroyed("web1")])
    assert told == ["node web1's container (rh-r1-web1) was removed outside rehearsal"]
    assert client.filters["label"] == f"{L.RUN}=r1"


def test_a_node_rehearsal_removes_itself_is_not_lost() -> None:
    told, _ = _watch([_destroyed("web1")], removing={"web1"})
    assert told == []


def test_the_engine_going_away_is_reported() -> None:
    told, _ = _watch([requests.exceptions.ConnectionError("Connection aborted.")])
    assert len(told) == 1 and "Docker engine stopped answering" in told[0]
    assert "ConnectionError" in told[0]
