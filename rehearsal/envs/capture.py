"""Read a customer's servers over SSH into captured facts, changing nothing on them.

Each host is read with one shell script (OS release, size, addresses, mounts, packages,
services, listening ports, cron and timers: read-only commands only), then each role whose
``recognise:`` evidence is all there has its params read with the role's own read-backs, the
same commands the fidelity check runs. What listens and matches no role is a candidate for
an own role. A host that cannot be reached is one line with the fix; the others are read.
"""

from __future__ import annotations

import fnmatch
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import paramiko

from rehearsal.envs.capture_targets import Target
from rehearsal.envs.fidelity import read_back
from rehearsal.envs.host_facts import (
    FACTS_SCRIPT,
    host_facts,
    installed_packages,
    split_parts,
    tab_pairs,
)
from rehearsal.envs.labhost import HostKeyPolicy, LabAccess, LabHost, LabHostEnvironment
from rehearsal.errors import EnvironmentFailure
from rehearsal.models.captured import (
    Candidate,
    Capture,
    CapturedHost,
    Listener,
    ParamReading,
    Product,
    Unreached,
)
from rehearsal.models.catalog import RoleCatalog, RoleInfo
from rehearsal.secrets.redaction import is_secret

_KEY_MATERIAL = re.compile(r"-----BEGIN |^[A-Za-z0-9+/=_-]{32,}$")


@dataclass(frozen=True)
class CaptureAccess:
    """How capture logs in to every host: a key file (else the agent) and known_hosts."""

    key_file: Path | None = None
    known_hosts: Path = Path.home() / ".ssh" / "known_hosts"
    host_keys: HostKeyPolicy = "strict"
    connect_timeout_s: float = 10.0


def capture(targets: list[Target], access: CaptureAccess, catalog: RoleCatalog) -> Capture:
    """Every target read in parallel; one that cannot be reached is named with the fix."""
    hosts = [
        LabHost(
            t.name,
            t.host,
            t.user,
            t.port,
            access=LabAccess(
                t.key_file or access.key_file,
                access.known_hosts,
                access.host_keys,
                access.connect_timeout_s,
            ),
        )
        for t in targets
    ]
    env = LabHostEnvironment("capture", hosts, LabAccess())
    try:
        with ThreadPoolExecutor(max_workers=min(8, len(targets))) as pool:
            found = list(pool.map(lambda t: _read_or_why(env, t, catalog), targets))
    finally:
        env.close()
    return Capture(
        hosts=_unique([h for h in found if isinstance(h, CapturedHost)]),
        unreached=tuple(h for h in found if isinstance(h, Unreached)),
        sources=tuple(t.login for t in targets),
    )


def _unique(hosts: list[CapturedHost]) -> tuple[CapturedHost, ...]:
    """Hosts of one hostname (two copies of a server) become ``NAME``, ``NAME-2``, ..."""
    seen: dict[str, int] = {}
    found = []
    for host in hosts:
        seen[host.node] = seen.get(host.node, 0) + 1
        count = seen[host.node]
        found.append(host if count == 1 else replace(host, node=f"{host.node[:60]}-{count}"))
    return tuple(found)


def _read_or_why(
    env: LabHostEnvironment, target: Target, catalog: RoleCatalog
) -> CapturedHost | Unreached:
    try:
        return read_host(env, target, catalog)
    except EnvironmentFailure as failure:
        reason = str(failure).replace("use host_keys: accept-new", "use --host-keys accept-new")
        return Unreached(target.login, reason, target.name)
    except (paramiko.SSHException, OSError, EOFError) as error:
        return Unreached(
            target.login,
            f"{target.name} ({target.login}): the connection dropped ({error}); try again",
            target.name,
        )


def read_host(env: LabHostEnvironment, target: Target, catalog: RoleCatalog) -> CapturedHost:
    """One host's facts, its products with their read-back params, and what matched none."""
    recognisable = [info for info in catalog.roles.values() if info.recognise.given]
    binaries = sorted({r.recognise.binary for r in recognisable if r.recognise.binary})
    services = sorted({r.recognise.service for r in recognisable if r.recognise.service})
    argv = ["sh", "-c", FACTS_SCRIPT, "sh", *binaries, "--", *services]
    result = env.exec(target.name, argv, 60)
    if not result.ok and "@@os" not in result.output:
        raise EnvironmentFailure(
            f"{target.name} ({target.login}): reading the host failed ({result.output[:200]}); "
            "log in as root, or as a user that may sudo without a password"
        )
    parts = dict(split_parts(result.output))
    host = host_facts(target, parts)
    packages = installed_packages(parts.get("packages", ""))
    present_binaries = tab_pairs(parts.get("binaries", ""))
    present_services = set(parts.get("services", "").split())
    products: list[Product] = []
    claimed: set[int] = set()
    for info in sorted(recognisable, key=lambda r: r.name):
        evidence = _evidence(info, packages, present_binaries, present_services)
        if evidence is None:
            continue
        ports = tuple(
            sorted(
                {
                    lis.port
                    for lis in host.listeners
                    if _runs(lis, info, present_binaries.get(info.recognise.binary, []))
                }
            )
        )
        claimed.update(ports)
        products.append(_product(env, target.name, info, packages, evidence, ports))
    if len(products) == 1:
        # ss shows no process where capture may not look into other users' processes (a
        # container without CAP_SYS_PTRACE): the host's one product is taken to serve them.
        unseen = tuple(lis.port for lis in host.listeners if not lis.process)
        products[0] = replace(products[0], ports=tuple(sorted({*products[0].ports, *unseen})))
        claimed.update(unseen)
    candidates = _candidates(host.listeners, claimed, set(host.services))
    return replace(host, products=tuple(products), candidates=candidates)


def _evidence(
    info: RoleInfo,
    packages: dict[str, str],
    binaries: dict[str, list[str]],
    services: set[str],
) -> str | None:
    """What shows the role's product is on the host; None unless every kind given is there."""
    said = []
    recognise = info.recognise
    for pattern in recognise.packages:
        matched = sorted(name for name in packages if fnmatch.fnmatchcase(name, pattern))
        if not matched:
            return None
        said.append(f"package {matched[0]} {packages[matched[0]]}")
    if recognise.binary:
        if recognise.binary not in binaries:
            return None
        said.append(f"binary {binaries[recognise.binary][0]}")
    if recognise.service:
        if recognise.service not in services:
            return None
        said.append(f"service {recognise.service}")
    return ", ".join(said)


def _runs(listener: Listener, info: RoleInfo, paths: list[str]) -> bool:
    """Whether the listening process is the role's product: its program or its package."""
    words = listener.command.split()
    if any(path in words for path in paths):
        return True
    return bool(listener.package) and any(
        fnmatch.fnmatchcase(listener.package, pattern) for pattern in info.recognise.packages
    )


def _product(
    env: LabHostEnvironment,
    node: str,
    info: RoleInfo,
    packages: dict[str, str],
    evidence: str,
    ports: tuple[int, ...],
) -> Product:
    version, installed = _version(info, packages)
    readings, unreadable = [], []
    for param, command in sorted(info.readback.items()):
        if param in info.path_params:
            continue
        result = read_back(env, node, command)
        value = result.output.strip()
        if not result.ok or not value:
            unreadable.append(f"{param}: {value[:80] or 'no output'}")
            continue
        secret = is_secret(param, ()) or bool(_KEY_MATERIAL.search(value))
        readings.append(ParamReading(param, "" if secret else value, command, secret))
    return Product(
        info.name, evidence, version, installed, tuple(readings), tuple(unreadable), ports
    )


def _version(info: RoleInfo, packages: dict[str, str]) -> tuple[str | None, str]:
    """The role's offered version the installed package matches (None: none does), and the
    installed ``package version``."""
    if not info.package:
        return None, ""
    for offered, pattern in info.versions.items():
        name = info.package.format(version=offered)
        if name in packages and fnmatch.fnmatchcase(packages[name], pattern):
            return offered, f"{name} {packages[name]}"
    prefix = info.package.split("{", 1)[0]
    installed = sorted(n for n in packages if n == info.package or n.startswith(prefix))
    return None, f"{installed[0]} {packages[installed[0]]}" if installed else ""


def _candidates(
    listeners: tuple[Listener, ...], claimed: set[int], services: set[str]
) -> tuple[Candidate, ...]:
    """Listening processes no role claims, grouped by process, with their evidence."""
    grouped: dict[str, list[Listener]] = {}
    for listener in listeners:
        if listener.loopback_only and not listener.process:
            continue  # a resolver of the platform (Docker's 127.0.0.11), not the customer's
        if listener.port not in claimed:
            grouped.setdefault(listener.command or listener.process, []).append(listener)
    found = []
    for command, group in grouped.items():
        process = group[0].process
        service = next((s for s in sorted(services) if process and process in s), "")
        found.append(
            Candidate(process, command, tuple(lis.port for lis in group), group[0].package, service)
        )
    return tuple(found)
