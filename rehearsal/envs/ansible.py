"""Configure nodes with the roles in ``playbooks/``, through ansible-runner over SSH."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.errors import ConvergeFailure

KEEP_OPEN = "-o ControlMaster=auto -o ControlPersist=120s"
NO_HOST_KEYS = "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no"


@dataclass(frozen=True)
class SshLogin:
    """How Ansible logs in to a machine that is not one of the run's containers."""

    user: str
    port: int
    key_file: Path | None
    """None: the SSH agent."""
    known_hosts: Path
    host_keys: str
    """strict, accept-new or off, as ``ssh -o StrictHostKeyChecking`` says yes/accept-new/no."""

    def variables(self) -> dict[str, Any]:
        found: dict[str, Any] = {"ansible_user": self.user, "ansible_port": self.port}
        if self.key_file is not None:
            found["ansible_ssh_private_key_file"] = str(self.key_file)
        if self.user != "root":
            found |= {"ansible_become": True, "ansible_become_method": "sudo"}
        if self.host_keys != "off":
            checking = "yes" if self.host_keys == "strict" else "accept-new"
            found |= {
                "ansible_host_key_checking": True,
                "ansible_ssh_args": KEEP_OPEN,
                "ansible_ssh_common_args": f"-o StrictHostKeyChecking={checking} "
                f"-o UserKnownHostsFile={self.known_hosts}",
            }
        return found


@dataclass(frozen=True)
class HostVars:
    node: str
    address: str
    role: str
    version: str
    params: dict[str, Any]
    login: SshLogin | None = None
    """None: a container of the run, logged in to as root with the run's key."""
    port: int = 22
    """Where sshd answers at ``address`` (a local forward's port, for a remote engine)."""


@dataclass(frozen=True)
class ConvergeReport:
    status: str
    changed: dict[str, int]
    ok: dict[str, int]
    duration_s: float


def inventory(hosts: list[HostVars], private_key: Path) -> dict[str, Any]:
    run_login = {"ansible_user": "root", "ansible_ssh_private_key_file": str(private_key)}
    return {
        "all": {
            "hosts": {
                host.node: {
                    **host.params,
                    "ansible_host": host.address,
                    "ansible_port": host.port,
                    **(host.login.variables() if host.login else run_login),
                    "ansible_python_interpreter": "/usr/bin/python3",
                    "rehearsal_node": host.node,
                    "rehearsal_role": host.role,
                    "rehearsal_version": host.version,
                }
                for host in hosts
            }
        }
    }


def settings(playbook: Path, hosts: int, roles: tuple[Path, ...] = ()) -> dict[str, str]:
    """Ansible's environment for a converge: one fork a node, pipelining, kept-open SSH.

    ``roles`` are the folders roles are found in (a profile's catalog); without them, the
    ``roles/`` beside the playbook.

    The ControlPath folder is per process, so concurrent runs never share a master
    connection to an address that another run's node may hold now.
    """
    return {
        "ANSIBLE_ROLES_PATH": os.pathsep.join(
            str(folder) for folder in roles or (playbook.parent.resolve() / "roles",)
        ),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_FORKS": str(max(5, hosts)),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(Path("/tmp") / f"rh-cp-{os.getpid()}"),
        "ANSIBLE_SSH_ARGS": f"{KEEP_OPEN} {NO_HOST_KEYS}",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "True",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        # Ansible's commands are installed beside this Python; a virtual environment's bin
        # folder is often not on PATH (scripts call .venv/bin/python directly).
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }


def run_playbook(
    playbook: Path,
    hosts: list[HostVars],
    private_key: Path,
    workdir: Path,
    roles: tuple[Path, ...] = (),
    after: Callable[[Path], None] = lambda _folder: None,
) -> ConvergeReport:
    """Run one playbook on ``hosts``; raise ConvergeFailure with Ansible's words on failure.

    ``roles``: the folders of the roles it may use (see :func:`settings`).

    ``after`` gets the artifact folder once Ansible is done, whatever happened (the run masks
    secrets in it).
    """
    import time

    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        runner = _run(playbook, hosts, private_key, workdir, roles)
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


def _run(
    playbook: Path, hosts: list[HostVars], private_key: Path, workdir: Path, roles: tuple[Path, ...]
) -> Any:
    import ansible_runner

    return ansible_runner.run(
        private_data_dir=str(workdir),
        playbook=str(playbook.resolve()),
        inventory=inventory(hosts, private_key),
        envvars=settings(playbook, len(hosts), roles),
        quiet=True,
        timeout=1800,
        # Without a callback ansible-runner installs SIGTERM/SIGINT handlers of its own and
        # never restores them, which would stop Ctrl-C and SIGTERM from tearing down the run.
        cancel_callback=lambda: False,
    )


def _failures(runner: Any) -> str:
    lines: list[str] = []
    for event in runner.events:
        kind = event.get("event")
        if kind not in ("runner_on_failed", "runner_on_unreachable", "runner_item_on_failed"):
            continue
        data = event.get("event_data", {})
        if data.get("ignore_errors"):
            continue
        result = data.get("res", {})
        if kind == "runner_on_failed" and result.get("results"):
            continue  # a loop's summary: its failed items were told one by one
        message = result.get("msg") or result.get("stderr") or result.get("stdout") or ""
        if result.get("stderr") and result.get("msg") == "non-zero return code":
            message = result["stderr"]
        lines.append(f"{data.get('host')}: task '{data.get('task')}': {str(message)[-1500:]}")
    if not lines:
        lines.append(runner.stdout.read()[-3000:] if hasattr(runner.stdout, "read") else "")
    return "\n".join(lines)
