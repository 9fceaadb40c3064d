"""What a user would type by hand to get the same nodes: a ``docker run`` loop, or compose.

Both use the same base image and the same readiness wait as rehearsal (sshd's banner),
and label everything with the bench's run id so ``owned`` removes it afterwards.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from rehearsal.envs import labels as L
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.ssh import wait_for_ssh

TIMEOUT_S = 120


def docker(*argv: str) -> str:
    done = subprocess.run(
        ["docker", *argv], capture_output=True, text=True, timeout=TIMEOUT_S, check=True
    )
    return done.stdout.strip()


def container_names(run_id: str, nodes: int) -> list[str]:
    return [f"{run_id}-n{i}" for i in range(1, nodes + 1)]


def docker_run_loop(run_id: str, nodes: int) -> list[str]:
    """``docker network create``, then ``docker run -d`` one node after the other, then wait."""
    label = f"{L.RUN}={run_id}"
    docker("network", "create", "--label", label, run_id)
    names = container_names(run_id, nodes)
    for name in names:
        docker(
            "run", "-d", "--init", "--cap-add", "NET_ADMIN", "--label", label,
            "--network", run_id, "--name", name, "--hostname", name.rsplit("-", 1)[1],
            BASE_IMAGE,
        )  # fmt: skip
    for name in names:
        address = docker(
            "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name
        )
        wait_for_ssh(address, timeout_s=60)
    return names


def stop_rm_loop(run_id: str, names: list[str]) -> None:
    """The teardown a user's script does: stop and remove each node, then the network."""
    for name in names:
        docker("stop", name)
        docker("rm", name)
    docker("network", "rm", run_id)


def compose_file(run_id: str, nodes: int, folder: Path) -> Path:
    """An equivalent compose file: the same image, init, capability and one network."""
    lines = ['version: "2.4"', "services:"]
    for i in range(1, nodes + 1):
        lines += [
            f"  n{i}:",
            f"    image: {BASE_IMAGE}",
            f"    hostname: n{i}",
            "    init: true",
            "    cap_add: [NET_ADMIN]",
            f"    labels: {{{L.RUN}: {run_id}}}",
            "    networks: [net]",
        ]
    lines += ["networks:", "  net:", f"    labels: {{{L.RUN}: {run_id}}}"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "docker-compose.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def compose(path: Path, project: str, *argv: str) -> None:
    subprocess.run(
        ["docker-compose", "-f", str(path), "-p", project, *argv],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    )


def compose_up(path: Path, project: str, run_id: str) -> None:
    """``docker-compose up -d``, then the same banner wait on every node."""
    compose(path, project, "up", "-d")
    for name in docker("ps", "-q", "--filter", f"label={L.RUN}={run_id}").split():
        address = docker(
            "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name
        )
        wait_for_ssh(address, timeout_s=60)
