"""An orchestrator to kill: injects faults on an environment that is up, then sleeps.

Run as ``python3 -m bench.killable RUN_DIR RUN_ID SPECS_JSON [LAB_JSON]``; prints
``injected`` once every fault took. With LAB_JSON (node, address, key_file, known_hosts)
the faults go to a lab host over SSH instead of the run's containers.
``self_revert_times`` starts it, SIGKILLs it (so none of its reverts ever run) and times
how long each fault takes to vanish from its node: the dead man's switch tests assert on
those times and the ``switch`` benchmark reports them.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rehearsal.envs.base import Environment
from rehearsal.envs.docker import DockerEnvironment, docker_client
from rehearsal.envs.keys import KeyPair
from rehearsal.envs.labhost import LabAccess, LabHost, LabHostEnvironment
from rehearsal.journal.writer import Journal
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.lifecycle import ActiveFault, revert_with_retries
from rehearsal.scenarios.faults.node import on_each

ROOT = Path(__file__).resolve().parents[1]


def _fault(env: Environment, raw: dict[str, Any]) -> Fault[FaultSpec]:
    kind = FAULTS[str(raw["type"])]
    return kind(kind.Spec.model_validate(raw), env)


def self_revert_times(
    env: Environment,
    run_dir: Path,
    specs: dict[str, dict[str, Any]],
    give_up_s: float,
    lab: dict[str, str] | None = None,
) -> dict[str, float]:
    """Seconds from SIGKILL to each fault (by name) gone from its node; missing: never.
    The faults are reverted from here afterwards, whatever happened."""
    faults = {name: _fault(env, spec) for name, spec in specs.items()}
    argv = [sys.executable, "-m", "bench.killable", str(run_dir), env.run_id]
    argv.append(json.dumps(list(specs.values())))
    if lab is not None:
        argv.append(json.dumps(lab))
    orchestrator = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    took: dict[str, float] = {}
    try:
        assert orchestrator.stdout is not None
        if orchestrator.stdout.readline().strip() != "injected":
            raise RuntimeError("the orchestrator did not inject its faults")
        off = _not_on(faults)
        if off:
            raise RuntimeError(f"not on before the orchestrator was killed: {off}")
        orchestrator.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        orchestrator.wait(10)
        while len(took) < len(faults) and time.monotonic() - killed < give_up_s:
            left = [name for name in faults if name not in took]
            for name, back in zip(
                left, on_each(left, lambda n: faults[n].is_reverted()), strict=True
            ):
                if back:
                    took[name] = time.monotonic() - killed
            time.sleep(0.1)
    finally:
        orchestrator.kill()
        orchestrator.wait(10)
        problems = [revert_with_retries(fault) for fault in faults.values()]
    if any(problems):
        raise RuntimeError(f"faults could not be cleaned up: {problems}")
    return took


def _not_on(faults: dict[str, Fault[FaultSpec]], wait_s: float = 10.0) -> list[str]:
    """The faults not seen on their nodes within ``wait_s`` (a busy machine is slow)."""
    deadline = time.monotonic() + wait_s
    off = list(faults)
    while off and time.monotonic() < deadline:
        off = [name for name in off if not faults[name].is_injected()]
    return off


def lab_environment(run_id: str, lab: dict[str, str]) -> LabHostEnvironment:
    host = LabHost(lab["node"], lab["address"])
    access = LabAccess(key_file=Path(lab["key_file"]), known_hosts=Path(lab["known_hosts"]))
    return LabHostEnvironment(run_id, [host], access)


def main(
    run_dir: Path, run_id: str, specs: list[dict[str, Any]], lab: dict[str, str] | None
) -> None:
    env: Environment
    if lab is None:
        key = KeyPair(run_dir / "ssh" / "id_ed25519", "")
        env = DockerEnvironment.attach(docker_client(), run_id, key)
    else:
        env = lab_environment(run_id, lab)
    journal = Journal(run_dir)
    journal.record(
        "run.started",
        run_id=run_id,
        kind="rehearsal",
        title="a run to kill",
        customer="bench",
        profile=str(run_dir / "profile.yaml"),
        scenario="killable",
        team={},
    )
    for number, raw in enumerate(specs):
        active = ActiveFault(f"F{number + 1}", _fault(env, raw), journal, "p1", lambda *_: None)
        active.inject()  # the parent waits until each is seen on its node
    print("injected", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    lab = json.loads(sys.argv[4]) if len(sys.argv) > 4 else None
    main(Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), lab)
