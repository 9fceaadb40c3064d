"""Configure nodes with the roles in ``playbooks/``, through ansible-runner over SSH."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.errors import ConvergeFailure


@dataclass(frozen=True)
class HostVars:
    node: str
    address: str
    role: str
    version: str
    params: dict[str, Any]
    port: int = 22
    """Where sshd answers at ``address`` (a local forward's port, for a remote engine)."""


@dataclass(frozen=True)
class ConvergeReport:
    status: str
    changed: dict[str, int]
    ok: dict[str, int]
    duration_s: float


def inventory(hosts: list[HostVars], private_key: Path) -> dict[str, Any]:
    return {
        "all": {
            "hosts": {
                host.node: {
                    **host.params,
                    "ansible_host": host.address,
                    "ansible_port": host.port,
                    "ansible_user": "root",
                    "ansible_ssh_private_key_file": str(private_key),
                    "ansible_python_interpreter": "/usr/bin/python3",
                    "rehearsal_node": host.node,
                    "rehearsal_role": host.role,
                    "rehearsal_version": host.version,
                }
                for host in hosts
            }
        }
    }


def settings(playbook: Path, hosts: int) -> dict[str, str]:
    """Ansible's environment for a converge: one fork a node, pipelining, kept-open SSH.

    The ControlPath folder is per process, so concurrent runs never share a master
    connection to an address that another run's node may hold now.
    """
    return {
        "ANSIBLE_ROLES_PATH": str(playbook.parent.resolve() / "roles"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_FORKS": str(max(5, hosts)),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(Path("/tmp") / f"rh-cp-{os.getpid()}"),
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=auto -o ControlPersist=120s "
        "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "True",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
    }


def run_playbook(
    playbook: Path,
    hosts: list[HostVars],
    private_key: Path,
    workdir: Path,
    after: Callable[[Path], None] = lambda _folder: None,
) -> ConvergeReport:
    """Run one playbook on ``hosts``; raise ConvergeFailure with Ansible's words on failure.

    ``after`` gets the artifact folder once Ansible is done, whatever happened (the run masks
    secrets in it).
    """
    import time

    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        runner = _run(playbook, hosts, private_key, workdir)
    finally:
        after(workdir)
    duration = time.monotonic() - started
    stats = runner.stats or {}
    if runner.status != "successful" or runner.rc != 0:
        raise ConvergeFailure(
            f"Ansible failed running {playbook.name} ({runner.status}, rc={runner.rc})",
            _failures(runner),
        )
    return ConvergeReport(
        status=str(runner.status),
        changed=dict(stats.get("changed", {})),
        ok=dict(stats.get("ok", {})),
        duration_s=duration,
    )


def _run(playbook: Path, hosts: list[HostVars], private_key: Path, workdir: Path) -> Any:
    import ansible_runner

    return ansible_runner.run(
        private_data_dir=str(workdir),
        playbook=str(playbook.resolve()),
        inventory=inventory(hosts, private_key),
        envvars=settings(playbook, len(hosts)),
        quiet=True,
        timeout=1800,
        # Without a callback ansible-runner installs SIGTERM/SIGINT handlers of its own and
        # never restores them, which would stop Ctrl-C and SIGTERM from tearing down the run.
        cancel_callback=lambda: False,
    )


def _failures(runner: Any) -> str:
    lines: list[str] = []
    for event in runner.events:
        if event.get("event") not in ("runner_on_failed", "runner_on_unreachable"):
            continue
        data = event.get("event_data", {})
        if data.get("ignore_errors"):
            continue
        result = data.get("res", {})
        message = result.get("msg") or result.get("stderr") or result.get("stdout") or ""
        lines.append(f"{data.get('host')}: task '{data.get('task')}': {str(message)[-1500:]}")
    if not lines:
        lines.append(runner.stdout.read()[-3000:] if hasattr(runner.stdout, "read") else "")
    return "\n".join(lines)
