"""Faults in a running scenario: timed, scoped to a phase or the run, in the background,
and always reverted — also when the run is cancelled or interrupted with Ctrl-C, and by
``rehearsal recover`` after a run died without reverting."""

from __future__ import annotations

import _thread
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.docker import DockerEnvironment
from rehearsal.errors import RunCancelled
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.profile import Profile
from rehearsal.scenarios.document import Scenario
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.faults import FAULTS
from tests.integration.conftest import HTTP_PORT, http_get, make, run_dir_of
from tests.integration.test_faults_protocol import BASE_IMAGE_FAULTS

pytestmark = pytest.mark.docker

PROFILE = Profile.model_validate(
    {
        "customer": {"name": "Test"},
        "business": {"targets": {"rto": "1m"}},
        "nodes": [
            {"name": "n1", "role": "web", "networks": ["front"], "labels": {"tier": "front"}},
            {"name": "n2", "role": "web", "networks": ["front", "back"]},
            {"name": "n3", "role": "store", "networks": ["back"]},
        ],
        "networks": [{"name": "front"}, {"name": "back", "internal": True}],
        "probes": [{"name": "n1-http", "tcp": {"host": "n1", "port": HTTP_PORT}, "interval": 0.2}],
    }
)


def _scenario(*phases: list[dict[str, Any]]) -> Scenario:
    return Scenario.model_validate(
        {
            "kind": "rehearsal",
            "profile": "-",
            "team": {"operators": [{"name": "o"}], "analysts": [{"name": "a"}]},
            "steady_state": ["n1-http"],
            "steady_state_timeout": 10,
            "phases": [
                {"name": f"p{i + 1}", "operator": "o", "analyst": "a", "steps": steps}
                for i, steps in enumerate(phases)
            ],
        }
    )


def _order(events: list[dict[str, Any]]) -> list[str]:
    """The journal as 'event:fault-or-phase' words, to check what happened before what."""
    return [
        f"{e['event']}:{e.get('fault') or e.get('phase')}"
        for e in events
        if e["event"]
        in (
            "fault.injected",
            "fault.reverting",
            "fault.reverted",
            "phase.started",
            "phase.finished",
        )
    ]


def _healthy(nodes: DockerEnvironment) -> None:
    assert all(nodes.node_state(node) == "running" for node in nodes.nodes())
    assert http_get(nodes.address("n1")) is not None
    for node in nodes.nodes():
        chains = nodes.exec(node, ["sh", "-c", "iptables-save; iptables-save -t nat"], 10)
        assert "REHEARSAL-" not in chains.output, node


def test_duration_phase_and_run_scopes(nodes: DockerEnvironment, tmp_path: Path) -> None:
    scenario = _scenario(
        [
            {
                "fault": {
                    "type": "network.port-block",
                    "target": "n1",
                    "port": HTTP_PORT,
                    "duration": "1s",
                }
            },
            {"wait": {"until": {"probe": "n1-http", "status": "failing"}, "timeout": "5s"}},
            {"wait": {"until": {"probe": "n1-http", "status": "passing"}, "timeout": "5s"}},
            {
                "fault": {
                    "type": "container.pause",
                    "role": "store",
                    "parallel": True,
                    "after": "300ms",
                }
            },
            {"fault": {"type": "network.dns", "label": {"tier": "front"}, "until": "end"}},
            {"wait": {"for": "1s"}},
        ],
        [{"wait": {"for": "200ms"}}],
    )
    with Journal(tmp_path) as journal:
        Engine(scenario, PROFILE, nodes, journal).run()
    events = read_journal(tmp_path)
    order = _order(events)
    injecting = {e["fault"]: e["targets"] for e in events if e["event"] == "fault.injecting"}
    assert injecting == {"F1": ["n1"], "F2": ["n3"], "F3": ["n1"]}
    assert order.index("fault.reverting:F1") < order.index("fault.injected:F2")
    assert order.index("fault.reverted:F2") < order.index("phase.started:p2")
    assert order.index("fault.reverted:F3") > order.index("phase.started:p2")
    statuses = {e["fault"]: e["status"] for e in events if e["event"] == "fault.reverted"}
    assert statuses == {"F1": "reverted", "F2": "reverted", "F3": "reverted"}
    _healthy(nodes)


@pytest.mark.parametrize("how", ["cancelled", "ctrl-c"])
def test_interrupted_run_restores_every_node(
    nodes: DockerEnvironment, tmp_path: Path, how: str
) -> None:
    scenario = _scenario(
        [
            {"fault": {"type": "network.partition", "target": "n1", "until": "end"}},
            {"fault": {"type": "container.pause", "target": "n3", "parallel": True}},
            {"fault": {"type": "resource.cpu", "target": "n2"}},
            {"wait": {"for": "1m"}},
        ]
    )
    engine = Engine(scenario, PROFILE, nodes, Journal(tmp_path))

    def interrupt_once_all_are_in() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len([e for e in read_journal(tmp_path) if e["event"] == "fault.injected"]) == 3:
                break
            time.sleep(0.2)
        if how == "cancelled":
            engine.cancelled.set()
        else:
            _thread.interrupt_main()

    interrupter = threading.Thread(target=interrupt_once_all_are_in)
    interrupter.start()
    with pytest.raises(RunCancelled if how == "cancelled" else KeyboardInterrupt):
        engine.run()
    interrupter.join()
    engine.journal.close()
    events = read_journal(tmp_path)
    assert len([e for e in events if e["event"] == "fault.injected"]) == 3
    assert [e["status"] for e in events if e["event"] == "fault.reverted"] == ["reverted"] * 3
    _healthy(nodes)
    assert not nodes.exec("n2", ["pgrep", "-f", "[r]ehearsal-stress"], 5).ok


@pytest.mark.parametrize("kind", BASE_IMAGE_FAULTS)
def test_run_interrupted_while_each_fault_type_is_on_restores_the_node(
    nodes: DockerEnvironment, tmp_path: Path, kind: str
) -> None:
    """Half the types are cancelled (as Prefect does), half interrupted (a real SIGINT)."""
    how = "cancelled" if BASE_IMAGE_FAULTS.index(kind) % 2 else "ctrl-c"
    example = FAULTS[kind].example
    scenario = _scenario([{"fault": {**example, "until": "end"}}, {"wait": {"for": "1m"}}])
    engine = Engine(scenario, PROFILE, nodes, Journal(tmp_path))

    def interrupt_once_injected() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(e["event"] == "fault.injected" for e in read_journal(tmp_path)):
                break
            time.sleep(0.1)
        if how == "cancelled":
            engine.cancelled.set()
        else:  # a real signal, which wakes the engine's waits as Ctrl-C does
            os.kill(os.getpid(), signal.SIGINT)

    interrupter = threading.Thread(target=interrupt_once_injected)
    interrupter.start()
    with pytest.raises(RunCancelled if how == "cancelled" else KeyboardInterrupt):
        engine.run()
    interrupter.join()
    engine.journal.close()
    events = read_journal(tmp_path)
    # Injected without error (a one-shot check may miss a slow effect on a busy machine).
    assert [e["error"] for e in events if e["event"] == "fault.injected"] == [None]
    assert [e["status"] for e in events if e["event"] == "fault.reverted"] == ["reverted"]
    assert make(nodes, example).is_reverted(), f"{kind} still shows on the node"
    assert all(nodes.node_state(node) == "running" for node in nodes.nodes())


def test_recover_reverts_what_a_dead_run_left(nodes: DockerEnvironment) -> None:
    from typer.testing import CliRunner

    from rehearsal.cli.app import app
    from rehearsal.scenarios.faults import FAULTS
    from rehearsal.scenarios.faults.lifecycle import ActiveFault
    from rehearsal.scenarios.faults.switch import HEARTBEAT

    run_dir = run_dir_of(nodes)
    specs = [
        {"type": "network.isolate", "target": "n1"},
        {"type": "container.pause", "target": "n3"},
        {"type": "network.latency", "target": "n2", "delay": 100, "port": HTTP_PORT},
    ]
    with Journal(run_dir) as journal:
        journal.record(
            "run.started",
            run_id=nodes.run_id,
            kind="rehearsal",
            title="a dead run",
            customer="c",
            profile="p",
            scenario="s",
            team={},
        )
        for number, raw in enumerate(specs):
            kind = FAULTS[raw["type"]]
            fault = kind(kind.Spec.model_validate(raw), nodes)
            ActiveFault(f"F{number + 1}", fault, journal, "p1", lambda *_, **__: None).inject()
    assert nodes.node_state("n3") == "paused"
    HEARTBEAT.forget(nodes)  # the run is dead: nothing renews its switches any more

    # `rehearsal recover RUN_DIR`, the command a revert failure tells the user to run
    recovered = CliRunner().invoke(app, ["recover", str(run_dir), "--force"])
    assert recovered.exit_code == 0, recovered.output
    assert recovered.output.splitlines() == [  # last injected, first undone
        "F3 network.latency on n2: reverted",
        "F2 container.pause on n3: reverted",
        "F1 network.isolate on n1: reverted",
        "3 fault(s) were still injected",
    ]
    _healthy(nodes)
    again = CliRunner().invoke(app, ["recover", str(run_dir), "--force"])
    assert again.output.splitlines() == ["0 fault(s) were still injected"], "nothing left"
    time.sleep(1)  # a disarmed watchdog notices within 0.5 s
    for node in ("n1", "n2"):
        assert not nodes.exec(node, ["pgrep", "-f", "[r]ehearsal-switch"], 5).ok, node
