"""The draft profile written from a capture: YAML text with a comment beside every value
saying where it came from, so a person reviews guesses rather than types facts.

Written by hand rather than dumped, because the comments are the point (PyYAML drops them).
Strings are written as JSON strings, which YAML reads as double-quoted scalars.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from ipaddress import IPv4Network

from rehearsal.models.captured import Candidate, Capture, CapturedHost, CronEntry, Product

_AT = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
       "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
       "@annually": "0 0 1 1 *"}  # fmt: skip
_NAME = re.compile(r"[^a-z0-9-]+")
SIZES_SHOWN = 0.85
"""A file system shows less than its disk (ext4's journal, inode tables): a size within this
of a power of two is taken as that power of two."""
PLACEHOLDER_RTO = "5m"
UNRECOGNISED_ROLE = "service"
"""The role a draft gives a server no role recognises: it runs the program found there."""


def draft_profile(capture: Capture, roles_path: Iterable[str] = ()) -> str:
    """The draft profile's text; ``validate`` accepts it as written."""
    lines = _head(capture)
    networks = _networks(capture.hosts)
    lines += [
        "customer:",
        '  name: "Customer name (to fill in)"  # needs a person: capture cannot see who it is',
        "business:",
        "  targets:",
        f"    rto: {PLACEHOLDER_RTO}  # needs a person: a placeholder, not the customer's RTO",
    ]
    paths = list(roles_path)
    if paths:
        lines.append(f"roles_path: {_flow(paths)}  # where capture found the own roles")
    lines.append("nodes:")
    secrets: dict[str, str] = {}
    for host in capture.hosts:
        lines += _node(host, networks, secrets)
    lines.append("networks:")
    for network, (name, members, internal) in networks.items():
        used = ", ".join(members)
        lines.append(f"  - name: {name}  # captured: subnet {network} ({used})")
        if internal:
            lines.append("    internal: true  # captured: no host's default route leaves by it")
        lines.append(
            f"    # subnet: {network}   (as on the servers; give it to keep their addresses)"
        )
    lines += _probes(capture.hosts)
    lines += _jobs(capture.hosts)
    if secrets:
        lines.append("secrets:  # never copied from the servers: export each variable before a run")
        for param, variable in sorted(secrets.items()):
            lines.append(f"  - {{param: {param}, env: {variable}}}")
    lines += _candidates(capture.hosts)
    return "\n".join(lines) + "\n"


def _head(capture: Capture) -> list[str]:
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
    lines = [
        f"# Draft customer system profile, captured by `rehearsal profile capture` at {when}",
        f"# from {', '.join(capture.sources)}.",
        "# Every value read from the servers says so (`# captured:`); `# needs a person:` marks",
        "# what capture cannot know. Review, then `rehearsal validate` this file.",
    ]
    if capture.partial:
        lines.append("# PARTIAL DRAFT: these hosts could not be read and are not in it:")
        lines += [f"#   {_comment(u.reason)}" for u in capture.unreached]
    return lines


def _node(
    host: CapturedHost, networks: dict[IPv4Network, tuple[str, list[str], bool]],
    secrets: dict[str, str],
) -> list[str]:  # fmt: skip
    lines = [f"  - name: {host.node}  # captured from {host.address}"]
    if host.groups:
        lines.append(f"    # inventory groups: {', '.join(host.groups)}")
    if not host.mirrorable:
        lines.append(
            f"    # NOT MIRRORABLE AS IS: the host runs {host.release}; a node is Debian 12, so "
            "its packages, paths and services may differ: a person decides what stands for it"
        )
    elif host.release != "debian-12":
        lines.append(
            f"    # captured: the host runs {host.release}; the mirror's node is debian-12"
        )
    product, others = _main_product(host)
    if product is not None:
        lines.append(f"    role: {product.role}  # captured: {_comment(product.evidence)}")
        lines += _version(product)
    else:
        lines.append(
            f"    role: {UNRECOGNISED_ROLE}  # needs a person: no role recognised; the program "
            "below is a guess (see the candidates at the end)"
        )
    for other in others:
        lines.append(
            f"    # also on this host: {other.role} ({_comment(other.evidence)}); a node has one "
            "role: make it a node of its own, or an own role that runs both"
        )
    names = [networks[i.network][0] for i in host.interfaces]
    seen = ", ".join(f"{i}" for i in host.interfaces) or "no address"
    lines.append(f"    networks: {_flow(names or ['net'])}  # captured: {seen}")
    lines += _resources(host)
    lines += _volumes(host)
    lines += _params(host, product, secrets)
    lines += _comments_of(host)
    return lines


def _main_product(host: CapturedHost) -> tuple[Product | None, list[Product]]:
    """The product a node stands for: the one serving ports first, then by name."""
    ranked = sorted(host.products, key=lambda p: (not p.ports, p.role))
    return (ranked[0], ranked[1:]) if ranked else (None, [])


def _version(product: Product) -> list[str]:
    if product.version:
        return [
            f'    version: "{product.version}"  # captured: {product.installed} is the '
            f"role's {product.version}"
        ]
    if product.installed:
        return [
            f"    # needs a person: {product.installed} is none of the versions role "
            f"{product.role} offers; the mirror gets the role's default"
        ]
    return []


def _resources(host: CapturedHost) -> list[str]:
    lines = []
    if host.cpus is not None and 0 < host.cpus <= 64:
        lines.append(f"      cpus: {host.cpus:g}  # captured: {host.limits_source}")
    if host.memory_bytes:
        mib = -(-host.memory_bytes // 1024**2)
        lines.append(f"      memory: {mib}m  # captured: {host.limits_source}")
    return ["    resources:", *lines] if lines else []


def _volumes(host: CapturedHost) -> list[str]:
    lines = []
    for mount in host.mounts:
        shown = mount.size_bytes / 1024**2
        size = _disk_mib(mount.size_bytes)
        lines.append(
            f"      - {{path: {mount.path}, size: {size}m}}  # captured: df shows "
            f"{shown:.0f} MiB {mount.fstype}"
        )
    return ["    volumes:", *lines] if lines else []


def _disk_mib(shown_bytes: int) -> int:
    """The disk's size in MiB from what its file system shows (a power of two when close)."""
    mib = max(1, -(-shown_bytes // 1024**2))
    power = 1 << (mib - 1).bit_length()
    return power if mib >= SIZES_SHOWN * power else mib


def _params(host: CapturedHost, product: Product | None, secrets: dict[str, str]) -> list[str]:
    lines = []
    if product is not None:
        for reading in product.params:
            if reading.secret:
                variable = _variable(reading.name)
                secrets.setdefault(reading.name, variable)
                lines.append(
                    f'      {reading.name}: ""  # secret: not copied from the server; export '
                    f"{variable} (see secrets:)"
                )
                continue
            lines.append(
                f"      {reading.name}: {_scalar(reading.value)}  # captured: read back with "
                f"`{_comment(reading.command)}`"
            )
        lines += [f"      # unreadable: {_comment(why)}" for why in product.unreadable]
    elif host.candidates:
        candidate = host.candidates[0]
        lines.append(
            f"      command: {_scalar(candidate.command)}  # needs a person: the program "
            "running on the server; ship it as `artifact:` beside the profile"
        )
        lines.append(f"      port: {candidate.ports[0]}  # captured: it listens here")
    else:
        lines.append(
            '      command: "sleep infinity"  # needs a person: nothing listens on this host; '
            "say what it runs"
        )
    return ["    params:", *lines] if lines else []


def _comments_of(host: CapturedHost) -> list[str]:
    lines = []
    if host.services:
        lines.append(f"    # services enabled: {', '.join(host.services)}")
    for listener in host.listeners:
        kind = f"HTTP {listener.http_status}" if listener.http_status else "TCP"
        lines.append(
            f"    # listening: {listener.address}:{listener.port} {listener.process or '?'} "
            f"({kind})"
        )
    if host.etc_hosts:
        names = ", ".join(f"{name} {address}" for address, name in host.etc_hosts)
        lines.append(f"    # /etc/hosts: {_comment(names)}")
    return lines


def _networks(
    hosts: tuple[CapturedHost, ...],
) -> dict[IPv4Network, tuple[str, list[str], bool]]:
    """One network a subnet, whoever is on it; internal unless a default route leaves by it."""
    found: dict[IPv4Network, tuple[str, list[str], bool]] = {}
    for host in hosts:
        routed = {i.network for i in host.routed}
        for interface in host.interfaces:
            network = interface.network
            name = "net-" + _NAME.sub("-", str(network).replace("/", "-").replace(".", "-"))
            _, members, internal = found.get(network, (name, [], True))
            found[network] = (name, [*members, host.node], internal and network not in routed)
    if any(not host.interfaces for host in hosts):
        found.setdefault(IPv4Network("0.0.0.0/32"), ("net", [], False))
    return found


def _probes(hosts: tuple[CapturedHost, ...]) -> list[str]:
    lines = []
    for host in hosts:
        for listener in host.listeners:
            if listener.loopback_only:
                continue
            name = f"{host.node}-{listener.port}"
            if listener.http_status:
                check = (
                    f'http: {{url: "http://{host.node}:{listener.port}/", '
                    f"expect_status: {listener.http_status}}}"
                )
                why = f"GET / answered {listener.http_status} during capture"
            else:
                check = f"tcp: {{host: {host.node}, port: {listener.port}}}"
                why = "it accepts TCP connections"
            lines.append(f"  - {{name: {name}, {check}}}  # captured: {why}; proposed")
    return ["probes:", *lines] if lines else []


def _jobs(hosts: tuple[CapturedHost, ...]) -> list[str]:
    lines = []
    for host in hosts:
        for index, entry in enumerate(host.cron, start=1):
            lines += _job(host.node, index, entry)
    return ["jobs:", *lines] if lines else []


def _job(node: str, index: int, entry: CronEntry) -> list[str]:
    if entry.schedule == "@reboot":
        return [f"  # not a job: {_comment(entry.command)} runs at boot ({entry.source})"]
    schedule = _AT.get(entry.schedule, entry.schedule)
    program = entry.command.split()[0].rsplit("/", 1)[-1] if entry.command else "job"
    name = _name(f"{node}-{program}-{index}")
    return [
        f"  - name: {name}  # captured: {entry.source}",
        f"    say: {_scalar(f'runs as {entry.user}; needs a person: say what it does')}",
        f"    schedule: {_scalar(_schedule(schedule, entry.source))}",
        f"    on: {node}",
        f"    run: {_scalar(entry.command)}",
    ]


def _schedule(schedule: str, source: str) -> str:
    return f"cron {schedule}" if len(schedule.split()) == 5 and ".timer" not in source else schedule


def _candidates(hosts: tuple[CapturedHost, ...]) -> list[str]:
    found = [(host.node, c) for host in hosts for c in host.candidates]
    if not found:
        return []
    lines = [
        "# Running and matching no role: candidates for an own role",
        "# (`rehearsal role new NAME --dir roles`, then `recognise:` in its meta/rehearsal.yml):",
    ]
    lines += [f"#   {node}: {_candidate(c)}" for node, c in found]
    return lines


def _candidate(candidate: Candidate) -> str:
    said = [f"process {candidate.process or '?'}", f"command {candidate.command}"]
    said.append("ports " + ", ".join(str(p) for p in candidate.ports))
    if candidate.package:
        said.append(f"package {candidate.package}")
    if candidate.service:
        said.append(f"service {candidate.service}")
    return _comment("; ".join(said))


def _variable(param: str) -> str:
    return "REHEARSAL_SECRET_" + re.sub(r"[^A-Z0-9]+", "_", param.upper())


def _name(text: str) -> str:
    name = _NAME.sub("-", text.lower()).strip("-")[:63].strip("-")
    return name or "job"


def _scalar(value: str) -> str:
    """A read value as YAML: a whole number bare, anything else a quoted string."""
    if re.fullmatch(r"-?[0-9]{1,15}", value):
        return str(int(value))
    return json.dumps(value)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _comment(text: str) -> str:
    """Text safe in a YAML comment: one line."""
    return " ".join(text.split())
