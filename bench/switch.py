"""Dead man's switch: from SIGKILL of the orchestrator to each fault family gone from its
node, with no command from the orchestrator; target under the bound plus 2 s."""

from __future__ import annotations

from typing import Any

from bench.killable import self_revert_times
from bench.mirrors import base_environment, bench_id, owned
from bench.options import Options
from bench.stats import percentile
from bench.table import Figure
from rehearsal.envs.docker import docker_client
from rehearsal.scenarios.faults.switch import HEARTBEAT_S

BOUND_S = 6
FAMILIES: dict[str, dict[str, Any]] = {
    "network": {"type": "network.port-block", "target": "n1", "port": 22},
    "shaping": {"type": "network.bandwidth", "target": "n2", "rate": "1mbit"},
    "process": {"type": "process.hang", "target": "n3", "name": "sshd"},
    "resource": {"type": "resource.cpu", "target": "n2", "workers": 1},
}


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    rounds = options.repeats(5, 2)
    specs = {name: {**spec, "switch_after": f"{BOUND_S}s"} for name, spec in FAMILIES.items()}
    times: dict[str, list[float]] = {name: [] for name in FAMILIES}
    with owned(client, bench_id("switch")) as run_id:
        env = base_environment(client, run_id, 3, options.workdir)
        env.up()
        for number in range(rounds):
            run_dir = options.workdir / run_id / f"round-{number}"
            (run_dir / "ssh").mkdir(parents=True)
            for key in (options.workdir / run_id / "ssh").iterdir():
                (run_dir / "ssh" / key.name).write_bytes(key.read_bytes())
            took = self_revert_times(env, run_dir, specs, BOUND_S + 30)
            for name in FAMILIES:
                times[name].append(took.get(name, float("inf")))
    return [
        Figure(
            "switch",
            f"{name}: SIGKILL to self-revert, max",
            "s",
            max(values),
            target=BOUND_S + 2,
            note=f"bound {BOUND_S} s, heartbeat {HEARTBEAT_S:g} s; {rounds} kills; "
            f"p50 {percentile(values, 50):.1f} s",
        )
        for name, values in times.items()
    ]
