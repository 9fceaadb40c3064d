"""``rehearsal recover``: undo what a run's journal says is still injected.

A run killed with SIGKILL (or a machine that lost power) never ran its reverts. Every
fault keeps what its revert needs inside the node, and the journal has each fault's
spec and resolved nodes, so the revert can be rebuilt here and run against the nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.envs import labels as L
from rehearsal.envs.docker import with_attempts
from rehearsal.envs.mirror import attach
from rehearsal.envs.mixed import MixedEnvironment
from rehearsal.errors import RunRefused
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.scenarios.faults import FAULTS, Placement
from rehearsal.scenarios.faults.lifecycle import revert_with_retries
from rehearsal.scenarios.faults.switch import disarm, fired


@dataclass(frozen=True)
class Recovered:
    fault: str
    label: str
    error: str | None


def still_injected(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``fault.injecting`` events with no successful ``fault.reverted`` after them."""
    reverted = {
        event["fault"]
        for event in events
        if event["event"] == "fault.reverted" and event.get("status") == "reverted"
    }
    return [e for e in events if e["event"] == "fault.injecting" and e["fault"] not in reverted]


def mirror_of(run_id: str, event: dict[str, Any], mirrors: dict[str, MixedEnvironment]) -> str:
    """The label of the mirror a fault was injected into: a side-by-side attempt's own
    (``<run-id>.<n>``), or the run's."""
    attempt = event.get("attempt")
    own = f"{run_id}.{attempt}"
    return own if attempt is not None and own in mirrors else run_id


def recover(
    client: Any, run_dir: Path, force: bool = False, by: str = "recover"
) -> list[Recovered]:
    """Revert the run's faults still injected; refused while the run's own process lives.
    ``by`` names who reverted them in the journal (``recover``, ``emergency_stop``)."""
    events = read_journal(run_dir)
    started = next((e for e in events if e["event"] == "run.started"), None)
    run_id = started["run_id"] if started else run_dir.name
    mirrors = {
        label: attach(client, label, run_dir, events) for label in with_attempts(client, run_id)
    }
    mirrors = {label: env for label, env in mirrors.items() if env.nodes()} or {
        run_id: attach(client, run_id, run_dir, events)  # lab hosts only: no label here
    }
    if not any(env.nodes() for env in mirrors.values()):
        raise RunRefused(f"run {run_id} has no nodes left on this Docker engine; nothing to do")
    containers = [
        container
        for label in mirrors
        for container in client.containers.list(all=True, filters={"label": f"{L.RUN}={label}"})
    ]
    up = next((e for e in events if e["event"] == "environment.up"), {})
    owner = containers[0].labels if containers else up.get("owner", {})
    if not force and L.owner_alive(owner) and owner.get(L.KEEP) != "true":
        raise RunRefused(
            f"run {run_id} is still going (pid {owner.get(L.OWNER_PID)}); "
            "stop it first (it reverts its own faults as it ends), or pass --force"
        )
    done: list[Recovered] = []
    with Journal(run_dir) as journal:
        for event in reversed(still_injected(events)):  # last injected, first undone
            env = mirrors.get(mirror_of(run_id, event, mirrors))
            if env is None:
                continue  # its attempt's mirror is gone, and the fault with it
            fault_type = FAULTS[event["type"]]
            spec = fault_type.Spec.model_validate(event["spec"])
            placement = Placement(tuple(event["targets"]), tuple(event.get("peers", ())))
            fault = fault_type(spec, env, placement)
            _journal_switches(env, journal, event)
            journal.record("fault.reverting", fault=event["fault"], by=by)
            error = revert_with_retries(fault)
            journal.record(
                "fault.reverted",
                fault=event["fault"],
                status="failed" if error else "reverted",
                detail=error,
                by=by,
            )
            label = f"{event['type']} on {', '.join(event['targets'])}"
            done.append(Recovered(event["fault"], label, error))
    for env in mirrors.values():
        env.close()
    return done


def _journal_switches(env: MixedEnvironment, journal: Journal, event: dict[str, Any]) -> None:
    """Record where the fault's dead man's switch reverted it, from the marks it left, and
    stand down the switches that have not fired."""
    key = event.get("switch")
    if not key:
        return
    by_node = {node: fired(env, node).get(key) for node in event["targets"]}
    codes = {node: code for node, code in by_node.items() if code is not None}
    if codes:
        journal.record("fault.switch_fired", fault=event["fault"], nodes=codes)
    for node in event["targets"]:
        if node not in codes:
            disarm(env, node, [key])  # reverted from here: the watchdog must not act later
