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
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import paramiko

from rehearsal.envs.ansible import SshLogin
from rehearsal.envs.base import CommandResult, NodeLimits
from rehearsal.envs.ssh import SshClients, run_on
from rehearsal.errors import EnvironmentFailure

HostKeyPolicy = Literal["strict", "accept-new", "off"]


@dataclass(frozen=True)
class LabAccess:
    """How to log in: a key file (else the SSH agent) and the known_hosts policy."""

    key_file: Path | None = None
    known_hosts: Path = Path.home() / ".ssh" / "known_hosts"
    host_keys: HostKeyPolicy = "strict"
    connect_timeout_s: float = 10.0


@dataclass(frozen=True)
class LabHost:
    node: str
    address: str
    user: str = "root"
    port: int = 22
    networks: tuple[str, ...] = ()
    access: LabAccess | None = None
    """How to log in to this host; None: the environment's default."""


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

    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        return self.hosts[node].address, port

    def connect(self, node: str, port: int, timeout_s: float) -> socket.socket:
        return socket.create_connection((self.hosts[node].address, port), timeout=timeout_s)

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
        """The machine's own size (cores, memory), as the profile's resources describe it."""
        result = self.exec(node, ["sh", "-c", "nproc; grep MemTotal /proc/meminfo"], 10)
        lines = result.output.split() if result.ok else []
        cpus = float(lines[0]) if lines and lines[0].isdigit() else None
        memory = int(lines[2]) * 1024 if len(lines) > 2 and lines[2].isdigit() else None
        return NodeLimits(self.hosts[node].networks, cpus, memory, measured=True)

    def access_of(self, node: str) -> LabAccess:
        return self.hosts[node].access or self.access

    def login(self, node: str) -> SshLogin:
        """How Ansible logs in: the same user, key or agent, and host-key policy."""
        host, access = self.hosts[node], self.access_of(node)
        return SshLogin(host.user, host.port, access.key_file, access.known_hosts, access.host_keys)

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
        """No container to exec into: the same argv, quoted, over SSH; as root, through a
        sudo that asks no password when the login is another user (faults need root)."""
        if self.hosts[node].user != "root":
            argv = ["sudo", "-n", "--", *argv]
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

    def reach(self) -> None:
        """Log in to every host now: a wrong address, key or host key fails the build, not
        the first fault."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(self.hosts))) as pool:
            list(pool.map(self._client, self.hosts))

    def node_running(self, node: str) -> bool:
        try:
            return self.run_command(node, "true", 10).ok
        except (paramiko.SSHException, OSError, EOFError, EnvironmentFailure):
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
        access = self.access_of(node)
        self._check_host_keys(client, access)
        try:
            client.connect(
                host.address,
                port=host.port,
                username=host.user,
                key_filename=str(access.key_file) if access.key_file else None,
                allow_agent=access.key_file is None,
                look_for_keys=False,
                timeout=access.connect_timeout_s,
                banner_timeout=access.connect_timeout_s,
                auth_timeout=access.connect_timeout_s,
            )
        except paramiko.BadHostKeyException:
            raise EnvironmentFailure(
                f"{node} ({host.address}): its host key is not the one in "
                f"{access.known_hosts}; if the host was reinstalled, remove its old "
                "line from known_hosts"
            ) from None
        except paramiko.AuthenticationException:
            raise EnvironmentFailure(self._login_refused(node)) from None
        except paramiko.SSHException as error:
            if "No authentication methods available" in str(error):  # the agent has no keys
                raise EnvironmentFailure(self._login_refused(node)) from None
            if "not found in known_hosts" in str(error):
                raise EnvironmentFailure(
                    f"{node} ({host.address}) is not in {access.known_hosts}; add its "
                    f"key (ssh-keyscan -p {host.port} {host.address} >> known_hosts) or "
                    "use host_keys: accept-new"
                ) from None
            raise EnvironmentFailure(f"{node} ({host.address}): SSH: {error}") from None
        except OSError as error:
            raise EnvironmentFailure(
                f"{node}: cannot reach lab host {host.address} port {host.port} "
                f"({error.strerror or error}); check the address and that sshd runs"
            ) from None
        return client

    def _login_refused(self, node: str) -> str:
        """Why the login failed and what to do: names the key tried, never its content."""
        host, access = self.hosts[node], self.access_of(node)
        refused = f"{node} ({host.user}@{host.address}:{host.port}) refused the login"
        authorized = f"~{host.user}/.ssh/authorized_keys on the host"
        if access.key_file is not None:
            return (
                f"{refused} with the key {access.key_file}: add its public key to "
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

    def _check_host_keys(self, client: paramiko.SSHClient, access: LabAccess) -> None:
        policy = access.host_keys
        if policy == "off":
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            return
        if access.known_hosts.is_file():
            client.load_host_keys(str(access.known_hosts))
        if policy == "accept-new":
            client.set_missing_host_key_policy(
                _AcceptNew(access.known_hosts, self._known_hosts_lock)
            )
        else:
            client.set_missing_host_key_policy(paramiko.RejectPolicy())

    def close(self) -> None:
        self._clients.close()
