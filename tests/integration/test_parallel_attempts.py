"""A reproduction's attempts side by side, for real: three attempts on three mirrors of their
own (containers, networks, labels), their times overlapping, each event of the journal
tagged with its attempt, the later attempts restoring the set the first converged, and
nothing left behind."""

from __future__ import annotations

import json
import secrets
import signal
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import docker
import pytest

from rehearsal.envs.docker import remove_with_attempts
from rehearsal.journal.writer import read_journal
from tests.integration.test_demo_drill import _only_run, _rehearsal

pytestmark = pytest.mark.docker
DATA = Path(__file__).parent / "data" / "parallel"


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[Path]:
    """The scenario beside a profile of this test's alone (its own address plan, and a file
    of its own so the snapshot keys are its own); the snapshots its runs save are removed
    afterwards."""
    token = secrets.token_hex(4)
    profile = (DATA / "profile.yaml").read_text()
    (tmp_path / "profile.yaml").write_text(
        profile.replace("name: Parallel", f"name: Parallel {token}").replace("TOKEN", token)
    )
    path = tmp_path / "repro.yaml"
    path.write_text((DATA / "repro.yaml").read_text())
    yield path
    client = docker.from_env()
    for journal in tmp_path.glob("out-*/*/journal.jsonl"):
        for event in read_journal(journal.parent):
            for tag in (
                (event.get("nodes") or {}).values() if event["event"] == "snapshot.saved" else []
            ):
                try:
                    client.images.remove(tag)
                except docker.errors.ImageNotFound:
                    pass


def _run(scenario: Path, out: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    process = _rehearsal("run", str(scenario), "--people", "none", "--out", str(out))
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output
    run_dir = _only_run(out)
    return json.loads((run_dir / "results.json").read_text()), read_journal(run_dir)


def _of(events: list[dict[str, Any]], kind: str) -> dict[int, dict[str, Any]]:
    return {e["attempt"]: e for e in events if e["event"] == kind}


def _span(events: list[dict[str, Any]], attempt: int) -> tuple[datetime, datetime]:
    started = _of(events, "attempt.started")[attempt]["at"]
    finished = _of(events, "attempt.finished")[attempt]["at"]
    return datetime.fromisoformat(started), datetime.fromisoformat(finished)


def _left_behind(run_id: str) -> list[str]:
    """Containers and networks of the run or of any of its attempts' mirrors."""
    client = docker.from_env()
    selector = {"label": "rehearsal.run"}
    labelled = [
        *((c.name, c.labels) for c in client.containers.list(all=True, filters=selector)),
        *((n.name, n.attrs["Labels"]) for n in client.networks.list(filters=selector)),
    ]
    return [name for name, labels in labelled if labels["rehearsal.run"].startswith(run_id)]


def test_three_attempts_run_side_by_side_on_mirrors_of_their_own(
    scenario: Path, tmp_path: Path
) -> None:
    # Cold: attempt 1 converges alone and saves the set; 2 and 3 restore it, together.
    results, events = _run(scenario, tmp_path / "out-cold")
    assert results["attempts"] == 3 and results["reproduction_rate"] == 1.0
    assert [a["attempt"] for a in results["attempt_results"]] == [1, 2, 3]
    [scheduled] = [e for e in events if e["event"] == "attempts.scheduled"]
    assert scheduled["groups"] == [[1], [2, 3]]
    sources = _of(events, "mirror.source")
    assert sources[1]["source"] == "converge"
    assert (sources[2]["source"], sources[3]["source"]) == ("snapshot", "snapshot")
    [saved] = [e for e in events if e["event"] == "snapshot.saved"]
    assert saved["attempt"] == 1 and saved["addresses"] is False
    assert _left_behind(results["run_id"]) == []

    # Warm: the set is there, so all three start at once from it.
    results, events = _run(scenario, tmp_path / "out-warm")
    kept = tmp_path / "out-kept"
    assert results["attempts"] == 3 and results["reproduction_rate"] == 1.0
    [scheduled] = [e for e in events if e["event"] == "attempts.scheduled"]
    assert scheduled["groups"] == [[1, 2, 3]]
    assert {e["source"] for e in _of(events, "mirror.source").values()} == {"snapshot"}

    up = _of(events, "environment.up")
    assert len({e["prefix"] for e in up.values()}) == 3
    assert len({e["nodes"]["web1"] for e in up.values()}) == 3
    assert {e["owner"]["rehearsal.run"] for e in up.values()} == {
        f"{results['run_id']}.{attempt}" for attempt in (1, 2, 3)
    }
    spans = [_span(events, attempt) for attempt in (1, 2, 3)]
    assert max(start for start, _ in spans) < min(end for _, end in spans), spans

    # Every event between the first attempt's start and the last one's end says its attempt.
    begun = min(i for i, e in enumerate(events) if e["event"] == "attempt.started")
    ended = max(i for i, e in enumerate(events) if e["event"] == "attempt.finished")
    untagged = [e["event"] for e in events[begun : ended + 1] if "attempt" not in e]
    assert untagged == []
    histories = {(p["attempt"], p["name"]) for p in results["probes"]}
    assert histories == {(attempt, "web-tcp") for attempt in (1, 2, 3)}
    phases = [(p["attempt"], p["name"], p["status"]) for p in results["phases"]]
    assert len(phases) == 6 and all(status == "passed" for _, _, status in phases), phases
    assert _left_behind(results["run_id"]) == []

    # Kept: the last attempt's mirror stays, labelled <run-id>.3; `env down <run-id>` means it.
    process = _rehearsal("run", str(scenario), "--people", "none", "--keep", "--out", str(kept))
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output
    run_id = _only_run(kept).name
    try:
        labels = {
            c.labels["rehearsal.run"]
            for c in docker.from_env().containers.list(all=True, filters={"label": "rehearsal.run"})
            if c.labels["rehearsal.run"].startswith(run_id)
        }
        assert labels == {f"{run_id}.3"}, labels
        down = _rehearsal("env", "down", run_id)
        said, _ = down.communicate(timeout=120)
        assert down.returncode == 0 and f"of {run_id}" in said, said
    finally:
        remove_with_attempts(docker.from_env(), run_id)
    assert _left_behind(run_id) == []


def test_sigterm_with_attempts_side_by_side_tears_every_mirror_down(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out-stopped"
    process = _rehearsal("run", str(scenario), "--people", "none", "--out", str(out))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        journals = list(out.glob("*/journal.jsonl"))
        events = read_journal(journals[0].parent) if journals else []
        if {2, 3} <= set(_of(events, "attempt.started")):  # the second group is running
            break
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=300)
    run_dir = _only_run(out)
    results = json.loads((run_dir / "results.json").read_text())
    assert process.returncode == 3 and results["status"] == "cancelled", output
    events = read_journal(run_dir)
    assert set(_of(events, "environment.removed")) == set(_of(events, "environment.up"))
    assert len(_of(events, "environment.up")) >= 2
    assert _left_behind(results["run_id"]) == []
