"""Nodes that are existing lab hosts reached over SSH, instead of containers.

A lab host is not ours to stop, pause or recreate, so this backend offers what a host
reached by SSH can do: run commands (as the operator would, and for faults that act from
inside a node), tell its address, and gather facts. Authentication is by key file or the
SSH agent, never by password, so no secret is typed, stored or logged. Host keys are
checked against a known_hosts file, strictly by default:

- ``strict``: the host must already be in known_hosts (a lab host is a known machine);
- ``accept-new``: a host seen for the first time is added, a changed key is refused;
- ``off``: no check (a throwaway lab only).
"""

from __future__ import annotations

import os
import shlex
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import paramiko

from rehearsal.envs.base import CommandResult, NodeLimits
from rehearsal.envs.ssh import SshClients, run_on
from rehearsal.errors import EnvironmentFailure

HostKeyPolicy = Literal["strict", "accept-new", "off"]


@dataclass(frozen=True)
class LabHost:
    node: str
    address: str
    user: str = "root"
    port: int = 22
    networks: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabAccess:
    """How to log in: a key file (else the SSH agent) and the known_hosts policy."""

    key_file: Path | None = None
    known_hosts: Path = Path.home() / ".ssh" / "known_hosts"
    host_keys: HostKeyPolicy = "strict"
    connect_timeout_s: float = 10.0


class _AcceptNew(paramiko.MissingHostKeyPolicy):
    """Add an unknown host to known_hosts (paramiko refuses a *changed* key by itself)."""

    def __init__(self, known_hosts: Path, lock: threading.Lock) -> None:
        self.known_hosts = known_hosts
        self.lock = lock

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        with self.lock:
            client.get_host_keys().add(hostname, key.get_name(), key)
            self.known_hosts.parent.mkdir(parents=True, exist_ok=True)
            with self.known_hosts.open("a") as file:
                file.write(f"{hostname} {key.get_name()} {key.get_base64()}\n")


class LabHostEnvironment:
    """The environment-backend protocol for lab hosts; lifecycle faults are refused."""

    def __init__(self, run_id: str, hosts: list[LabHost], access: LabAccess) -> None:
        self.run_id = run_id
        self.hosts = {host.node: host for host in hosts}
        self.access = access
        self._clients = SshClients(self._connect)
        self._known_hosts_lock = threading.Lock()

    def address(self, node: str) -> str:
        return self.hosts[node].address

    def nodes(self) -> list[str]:
        return list(self.hosts)

    def peer_addresses(self, node: str) -> list[str]:
        return [self.hosts[node].address]

    def gateways(self, node: str) -> list[str]:
        """This machine's address as the lab host sees it (network faults keep it open)."""
        transport = self._client(node).get_transport()
        assert transport is not None
        return [str(transport.sock.getsockname()[0])]  # type: ignore[union-attr]

    def limits(self, node: str) -> NodeLimits:
        return NodeLimits(self.hosts[node].networks, None, None)

    def private_key(self) -> Path:
        if self.access.key_file is None:
            raise EnvironmentFailure("lab hosts are reached with the SSH agent; no key file")
        return self.access.key_file

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult:
        import time

        started = time.monotonic()
        client = self._client(node)
        try:
            return run_on(client, command, timeout_s, started)
        except (paramiko.SSHException, OSError, EOFError):
            self._clients.forget(node)
            return run_on(self._client(node), command, timeout_s, time.monotonic())

    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult:
        """No container to exec into: the same argv, quoted, over SSH."""
        return self.run_command(node, shlex.join(argv), timeout_s)

    def _unsupported(self, what: str, node: str) -> EnvironmentFailure:
        return EnvironmentFailure(
            f"{node} is a lab host reached over SSH: rehearsal does not {what} it; "
            "use a fault that acts inside the node (process, service, network, resource)"
        )

    def stop_node(self, node: str, grace_s: float) -> None:
        raise self._unsupported("stop", node)

    def start_node(self, node: str) -> None:
        raise self._unsupported("start", node)

    def kill_node(self, node: str, signal: str) -> None:
        raise self._unsupported("kill", node)

    def pause_node(self, node: str) -> None:
        raise self._unsupported("pause", node)

    def unpause_node(self, node: str) -> None:
        raise self._unsupported("unpause", node)

    def restart_node(self, node: str, grace_s: float) -> None:
        raise self._unsupported("restart", node)

    def recreate_node(self, node: str) -> None:
        raise self._unsupported("recreate", node)

    def node_running(self, node: str) -> bool:
        try:
            return self.run_command(node, "true", 10).ok
        except (paramiko.SSHException, OSError, EOFError):
            return False

    def node_state(self, node: str) -> str:
        return "running" if self.node_running(node) else "unreachable"

    def started_at(self, node: str) -> str:
        return self.run_command(node, "uptime -s", 10).output.strip()

    def _client(self, node: str) -> paramiko.SSHClient:
        return self._clients.get(node)

    def _connect(self, node: str) -> paramiko.SSHClient:
        host = self.hosts[node]
        client = paramiko.SSHClient()
        self._check_host_keys(client)
        try:
            client.connect(
                host.address,
                port=host.port,
                username=host.user,
                key_filename=str(self.access.key_file) if self.access.key_file else None,
                allow_agent=self.access.key_file is None,
                look_for_keys=False,
                timeout=self.access.connect_timeout_s,
                banner_timeout=self.access.connect_timeout_s,
                auth_timeout=self.access.connect_timeout_s,
            )
        except paramiko.BadHostKeyException:
            raise EnvironmentFailure(
                f"{node} ({host.address}): its host key is not the one in "
                f"{self.access.known_hosts}; if the host was reinstalled, remove its old "
                "line from known_hosts"
            ) from None
        except paramiko.AuthenticationException:
            raise EnvironmentFailure(self._login_refused(node)) from None
        except paramiko.SSHException as error:
            if "No authentication methods available" in str(error):  # the agent has no keys
                raise EnvironmentFailure(self._login_refused(node)) from None
            if "not found in known_hosts" in str(error):
                raise EnvironmentFailure(
                    f"{node} ({host.address}) is not in {self.access.known_hosts}; add its "
                    f"key (ssh-keyscan -p {host.port} {host.address} >> known_hosts) or "
                    "use host_keys: accept-new"
                ) from None
            raise EnvironmentFailure(f"{node} ({host.address}): SSH: {error}") from None
        return client

    def _login_refused(self, node: str) -> str:
        """Why the login failed and what to do: names the key tried, never its content."""
        host = self.hosts[node]
        refused = f"{node} ({host.user}@{host.address}:{host.port}) refused the login"
        authorized = f"~{host.user}/.ssh/authorized_keys on the host"
        if self.access.key_file is not None:
            return (
                f"{refused} with the key {self.access.key_file}: add its public key to "
                f"{authorized}, or set key_file to a key that is there"
            )
        if not os.environ.get("SSH_AUTH_SOCK"):
            return (
                f"{refused}: no key_file is set and no SSH agent is running (SSH_AUTH_SOCK is "
                "not set); set key_file, or start ssh-agent and ssh-add a key the host accepts"
            )
        return (
            f"{refused}: the SSH agent at SSH_AUTH_SOCK holds no key the host accepts; "
            f"ssh-add the key whose public half is in {authorized}, or set key_file"
        )

    def _check_host_keys(self, client: paramiko.SSHClient) -> None:
        policy = self.access.host_keys
        if policy == "off":
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            return
        if self.access.known_hosts.is_file():
            client.load_host_keys(str(self.access.known_hosts))
        if policy == "accept-new":
            client.set_missing_host_key_policy(
                _AcceptNew(self.access.known_hosts, self._known_hosts_lock)
            )
        else:
            client.set_missing_host_key_policy(paramiko.RejectPolicy())

    def close(self) -> None:
        self._clients.close()
