"""An orchestrator to kill: injects faults on an environment that is up, then sleeps.

Run as ``python3 -m tests.integration.orchestrator RUN_DIR RUN_ID SPECS_JSON``; prints
``injected`` once every fault took. The dead man's switch tests SIGKILL it, so none of
its reverts ever run.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rehearsal.envs.docker import DockerEnvironment, docker_client
from rehearsal.envs.keys import KeyPair
from rehearsal.journal import Journal
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.faults.lifecycle import ActiveFault


def main(run_dir: Path, run_id: str, specs: list[dict[str, object]]) -> None:
    env = DockerEnvironment.attach(
        docker_client(), run_id, KeyPair(run_dir / "ssh" / "id_ed25519", "")
    )
    journal = Journal(run_dir)
    journal.record("run.started", run_id=run_id)
    for number, raw in enumerate(specs):
        kind = FAULTS[str(raw["type"])]
        fault = kind(kind.Spec.model_validate(raw), env)
        active = ActiveFault(f"F{number + 1}", fault, journal, "p1", lambda *_: None)
        assert active.inject(), raw
    print("injected", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]))
