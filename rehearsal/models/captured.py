"""What profile capture read from a customer's servers: plain facts, each with where it came
from, so the draft profile can say so beside every value it guesses."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Interface

MIRRORABLE_OS = ("debian",)
"""Releases a node image can be: Debian and what says it is like Debian (ID_LIKE)."""


@dataclass(frozen=True)
class Mount:
    path: str
    size_bytes: int
    fstype: str


@dataclass(frozen=True)
class Listener:
    """A TCP port a process listens on."""

    port: int
    address: str
    process: str
    command: str
    """The process's command line (its arguments joined by spaces)."""
    package: str = ""
    """The Debian package its program belongs to, when one does."""
    http_status: int | None = None
    """What ``GET /`` on it answered during capture; None: not HTTP (or no answer)."""

    @property
    def loopback_only(self) -> bool:
        return self.address.startswith("127.") or self.address in ("::1", "[::1]")


@dataclass(frozen=True)
class CronEntry:
    """A cron line or a systemd timer: when, what, as whom, and the file it is in."""

    schedule: str
    command: str
    user: str
    source: str


@dataclass(frozen=True)
class ParamReading:
    """A param read back from the running product with the role's own read-back command."""

    name: str
    value: str
    command: str
    secret: bool = False


@dataclass(frozen=True)
class Product:
    """A role recognised on a host, the evidence, its version and the params read back."""

    role: str
    evidence: str
    version: str | None
    """The role's offered version the installed package matches; None: none or no versions."""
    installed: str = ""
    """The installed package and version, as dpkg says (empty: not a package)."""
    params: tuple[ParamReading, ...] = ()
    unreadable: tuple[str, ...] = ()
    """Read-backs that failed, each ``param: why``."""
    ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """Something that runs on the host and matches no role: a candidate for an own role."""

    process: str
    command: str
    ports: tuple[int, ...]
    package: str
    service: str


@dataclass(frozen=True)
class CapturedHost:
    node: str
    address: str
    """How capture reached it: ``user@host:port``."""
    os_id: str
    os_version: str
    os_like: tuple[str, ...]
    cpus: float | None
    memory_bytes: int | None
    limits_source: str
    """Where cores and memory came from (cgroup limits, or the machine's own)."""
    mounts: tuple[Mount, ...] = ()
    interfaces: tuple[IPv4Interface, ...] = ()
    routed: tuple[IPv4Interface, ...] = ()
    """The interfaces the default route leaves by (their networks are not internal)."""
    etc_hosts: tuple[tuple[str, str], ...] = ()
    """(address, name) pairs from /etc/hosts, the loopback ones left out."""
    services: tuple[str, ...] = ()
    listeners: tuple[Listener, ...] = ()
    cron: tuple[CronEntry, ...] = ()
    products: tuple[Product, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    groups: tuple[str, ...] = ()
    """The inventory groups the host is in (none when named on the command line)."""

    @property
    def mirrorable(self) -> bool:
        """Whether a Debian 12 node image can stand for this host as it is."""
        return self.os_id in MIRRORABLE_OS or any(like in MIRRORABLE_OS for like in self.os_like)

    @property
    def release(self) -> str:
        return f"{self.os_id}-{self.os_version}"


@dataclass(frozen=True)
class Unreached:
    """A host capture could not read, with the one line that says why and how to fix it."""

    target: str
    reason: str
    node: str = ""
    """The name it would have had: the inventory's, else the address given."""


@dataclass(frozen=True)
class Capture:
    hosts: tuple[CapturedHost, ...]
    unreached: tuple[Unreached, ...] = ()
    sources: tuple[str, ...] = field(default=())
    """What was captured from: the hosts named, or the inventory file."""

    @property
    def partial(self) -> bool:
        return bool(self.unreached)
