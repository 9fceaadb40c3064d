"""How the orchestrator reaches a node's ports: directly, or through a remote engine's host.

Container addresses are routable only from the host that runs the Docker engine. With a
local engine (or a ``tcp://`` one whose node subnets are routed to this machine) nodes are
reached directly, at no cost. With ``DOCKER_HOST=ssh://[user@]host[:port]`` every
connection goes through that host: one SSH transport to it, a ``direct-tcpip`` channel a
connection (paramiko SSH to nodes, TCP probes), and local port forwards for whatever needs
a plain ``host:port`` (HTTP probes, load, Ansible). Node addresses behind a ``tcp://``
engine are not tunnelled: they must be routable from here.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import threading
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias
from urllib.parse import urlsplit

from rehearsal.errors import EnvironmentFailure

if TYPE_CHECKING:
    import paramiko


Stream: TypeAlias = "socket.socket | paramiko.Channel"
"""A connection to a node: a socket, or a channel through the engine's host."""


class Route(Protocol):
    engine: str
    """Which engine the nodes run on, for the journal: ``local`` or the host's URL."""

    def connect(self, host: str, port: int, timeout_s: float) -> Stream:
        """A connection to ``host:port`` as seen from the engine; OSError when refused."""
        ...

    def endpoint(self, host: str, port: int) -> tuple[str, int]:
        """Where a plain socket here reaches ``host:port`` as seen from the engine."""
        ...

    def close(self) -> None:
        """Drop connections and forwards; the route may be used again afterwards."""
        ...


class DirectRoute:
    """Node addresses are routable from here: nothing in between."""

    def __init__(self, engine: str = "local") -> None:
        self.engine = engine

    def connect(self, host: str, port: int, timeout_s: float) -> Stream:
        return socket.create_connection((host, port), timeout=timeout_s)

    def endpoint(self, host: str, port: int) -> tuple[str, int]:
        return host, port

    def close(self) -> None:
        return None


def engine_route(docker_host: str | None = None) -> Route:
    """The route for the engine ``DOCKER_HOST`` names (as ``docker.from_env`` reads it)."""
    url = os.environ.get("DOCKER_HOST", "") if docker_host is None else docker_host
    if url.startswith("ssh://"):
        return JumpRoute(url)
    if url.startswith("tcp://"):
        return DirectRoute(f"{url} (node addresses must be routable from here)")
    return DirectRoute()


class JumpRoute:
    """Nodes reached through the engine's host, over one SSH transport opened on first use.

    Authentication is the docker SDK's: ``~/.ssh/config`` (HostName, Port, User,
    IdentityFile, ProxyCommand), the SSH agent and the default key files, and the host key
    must be in ``~/.ssh/known_hosts``.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if not parts.hostname:
            raise EnvironmentFailure(f"DOCKER_HOST={url}: no host; write ssh://user@host:port")
        self._host = parts.hostname
        self._port = parts.port
        self._user = parts.username
        user = f"{self._user}@" if self._user else ""
        port = f":{self._port}" if self._port else ""
        self.engine = f"ssh://{user}{self._host}{port}"
        self._transport: paramiko.Transport | None = None
        self._forwards: dict[tuple[str, int], Forward] = {}
        self._lock = threading.Lock()
        self.channels_opened = 0

    def connect(self, host: str, port: int, timeout_s: float) -> Stream:
        import paramiko

        for attempt in (1, 2):
            transport = self._open()
            try:
                channel = transport.open_channel(
                    "direct-tcpip", (host, port), ("127.0.0.1", 0), timeout=timeout_s
                )
            except paramiko.ChannelException as error:
                # The engine's host could not connect: the node is down or the port closed.
                raise ConnectionRefusedError(
                    f"{host}:{port} via {self.engine}: {error.text}"
                ) from None
            except (paramiko.SSHException, EOFError, OSError) as error:
                self._drop(transport)
                if attempt == 2:
                    raise ConnectionError(
                        f"{self.engine} dropped the connection: {error}"
                    ) from None
                continue
            with self._lock:
                self.channels_opened += 1
            return channel
        raise AssertionError("unreachable")

    def endpoint(self, host: str, port: int) -> tuple[str, int]:
        with self._lock:
            forward = self._forwards.get((host, port))
            if forward is None:
                forward = self._forwards[(host, port)] = Forward(self, host, port)
        return "127.0.0.1", forward.port

    def close(self) -> None:
        with self._lock:
            forwards, self._forwards = list(self._forwards.values()), {}
            transport, self._transport = self._transport, None
        for forward in forwards:
            forward.close()
        if transport is not None:
            transport.close()

    def _open(self) -> paramiko.Transport:
        with self._lock:
            if self._transport is not None and self._transport.is_active():
                return self._transport
            self._transport = self._login()
            return self._transport

    def _drop(self, transport: paramiko.Transport) -> None:
        with self._lock:
            if self._transport is transport:
                self._transport = None
        transport.close()

    def _login(self) -> paramiko.Transport:
        import paramiko

        params: dict[str, Any] = {"hostname": self._host, "port": self._port or 22}
        params["username"] = self._user
        config_path = os.path.expanduser("~/.ssh/config")
        if os.path.exists(config_path):
            found = paramiko.SSHConfig.from_path(config_path).lookup(self._host)
            params["hostname"] = found.get("hostname", self._host)
            if self._port is None and "port" in found:
                params["port"] = int(found["port"])
            params["username"] = self._user or found.get("user")
            if "identityfile" in found:
                params["key_filename"] = found["identityfile"]
            if "proxycommand" in found:
                params["sock"] = paramiko.ProxyCommand(found["proxycommand"])
        client = paramiko.SSHClient()
        client.load_system_host_keys()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(**params, timeout=10, banner_timeout=10, auth_timeout=10)
        except (paramiko.SSHException, OSError) as error:
            raise EnvironmentFailure(
                f"cannot reach the engine's host {self.engine} over SSH to reach its nodes "
                f"({type(error).__name__}: {error}); check that `ssh` to it works without a "
                "prompt (key in the agent or ~/.ssh, host key in ~/.ssh/known_hosts)"
            ) from None
        transport = client.get_transport()
        assert transport is not None
        transport.set_keepalive(30)
        return transport


class Forward:
    """A listening socket on 127.0.0.1 whose every connection is a channel to ``host:port``."""

    def __init__(self, route: JumpRoute, host: str, port: int) -> None:
        self._route = route
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True, name=f"forward {host}:{port}").start()

    def _accept(self) -> None:
        while True:
            try:
                local, _ = self._listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(local,), daemon=True).start()

    def _serve(self, local: socket.socket) -> None:
        try:
            remote = self._route.connect(*self._target, timeout_s=5)
        except (OSError, EnvironmentFailure):
            # Refused on the far side: reset here too, as the node itself would refuse.
            local.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            local.close()
            return
        try:
            _pump(local, remote)
        except OSError:  # reset by either side: the connection is over, as it would be
            pass
        finally:
            remote.close()
            local.close()

    def close(self) -> None:
        self._listener.close()


def _pump(local: socket.socket, remote: Stream) -> None:
    """Copy bytes both ways until either side closes."""
    while True:
        readable, _, _ = select.select([local, remote], [], [], 60)
        if local in readable:
            data = local.recv(32768)
            if not data:
                return
            remote.sendall(data)
        if remote in readable:
            data = remote.recv(32768)
            if not data:
                return
            local.sendall(data)
