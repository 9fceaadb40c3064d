"""SSH into nodes with paramiko, one kept-open connection per node."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import paramiko

from rehearsal.envs.base import CommandResult
from rehearsal.envs.routes import Stream

Dial = Callable[[str, int, float], Stream]
"""Opens a connection to ``host:port`` within a timeout: a route's ``connect``."""


def dial_directly(host: str, port: int, timeout_s: float) -> Stream:
    return socket.create_connection((host, port), timeout=timeout_s)


OUTPUT_LIMIT = 64_000


class SshClients:
    """Kept-open paramiko clients by name: opened on first use, opened again once dropped."""

    def __init__(self, connect: Callable[[str], paramiko.SSHClient]) -> None:
        self._connect = connect
        self._clients: dict[str, paramiko.SSHClient] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> paramiko.SSHClient:
        with self._lock:
            client = self._clients.get(name)
            transport = client.get_transport() if client else None
            if client is not None and transport is not None and transport.is_active():
                return client
            client = self._connect(name)
            self._clients[name] = client
            return client

    def forget(self, name: str) -> None:
        with self._lock:
            client = self._clients.pop(name, None)
        if client is not None:
            client.close()

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()


class SshPool:
    def __init__(self, private_key: Path, user: str = "root", dial: Dial = dial_directly) -> None:
        self._dial = dial
        self._key = paramiko.Ed25519Key.from_private_key_file(str(private_key))
        self._user = user
        self._clients = SshClients(self._connect)

    def run(self, address: str, command: str, timeout_s: float) -> CommandResult:
        """Run ``command`` on the node's shell; a dropped connection is re-opened once."""
        started = time.monotonic()
        for attempt in (1, 2):
            try:
                client = self._clients.get(address)
                return run_on(client, command, timeout_s, started)
            except (paramiko.SSHException, OSError, EOFError):
                self._clients.forget(address)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connect(self, address: str) -> paramiko.SSHClient:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect(
            address,
            sock=self._dial(address, 22, 5),
            username=self._user,
            pkey=self._key,
            timeout=5,
            banner_timeout=5,
            auth_timeout=5,
            look_for_keys=False,
            allow_agent=False,
        )
        return client

    def close(self) -> None:
        self._clients.close()


def run_on(
    client: paramiko.SSHClient, command: str, timeout_s: float, started: float
) -> CommandResult:
    """Run ``command`` on an open connection; output capped, stderr merged, time-limited."""
    _stdin, stdout, _stderr = client.exec_command(command, timeout=timeout_s, get_pty=False)
    channel = stdout.channel
    channel.set_combine_stderr(True)
    chunks: list[bytes] = []
    size = 0
    deadline = started + timeout_s
    while not channel.exit_status_ready() or channel.recv_ready():
        if time.monotonic() > deadline:
            channel.close()
            text = b"".join(chunks).decode(errors="replace")
            return CommandResult(
                124, text + f"\n[timed out after {timeout_s:g} s]", time.monotonic() - started
            )
        if channel.recv_ready():
            data = channel.recv(32768)
            if size < OUTPUT_LIMIT:
                chunks.append(data)
            size += len(data)
        else:
            time.sleep(0.02)
    code = channel.recv_exit_status()
    return CommandResult(
        code,
        b"".join(chunks).decode(errors="replace")[:OUTPUT_LIMIT],
        time.monotonic() - started,
    )


def wait_for_ssh(address: str, timeout_s: float, dial: Dial = dial_directly) -> None:
    """Return when sshd answers with its banner; raise TimeoutError otherwise.

    Once a connection is accepted, the banner is waited for (up to 5 s) rather than the
    connection dropped and another opened: on a loaded machine sshd is slow to fork, and
    connections piling up past its MaxStartups (10) are dropped, so readiness never came.
    """
    deadline = time.monotonic() + timeout_s
    pause = 0.05
    while True:
        try:
            connection = dial(address, 22, 1)
            try:
                connection.settimeout(max(0.1, min(5.0, deadline - time.monotonic())))
                if connection.recv(4).startswith(b"SSH"):
                    return
            finally:
                connection.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"sshd at {address} did not answer within {timeout_s:g} s")
        time.sleep(pause)
        pause = min(pause * 1.5, 0.5)
