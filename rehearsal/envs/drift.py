"""How the customer's servers have drifted from the profile: a capture compared with it.

Only what the profile states is compared (a param it leaves to the role's default is not a
difference), with the fidelity check's notion of equal values; a node that could not be read
is a difference too, so a schedule that cannot see a server does not pass it as unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rehearsal.envs.capture import CaptureAccess, capture
from rehearsal.envs.capture_targets import Target
from rehearsal.envs.fidelity import same_value
from rehearsal.models.captured import Capture, CapturedHost
from rehearsal.models.catalog import RoleCatalog
from rehearsal.models.draft import UNRECOGNISED_ROLE
from rehearsal.models.loading import catalog_of
from rehearsal.models.profile import Node, Profile


@dataclass(frozen=True)
class Drift:
    node: str
    aspect: str  # node, role, version, param, job
    name: str
    profile: str
    servers: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def row(self) -> tuple[str, str, str, str, str]:
        """The cells of the table's columns (COLUMNS)."""
        return (self.node, self.aspect, self.name, self.profile, self.servers)


COLUMNS = ("node", "what", "name", "profile", "servers")


def servers_drift(profile: Profile, targets: list[Target], access: CaptureAccess) -> list[Drift]:
    """The servers read with the profile's roles, then compared with it: what ``profile diff``
    and the scheduled drift check both run."""
    catalog = catalog_of(profile)
    return drift(profile, capture(targets, access, catalog), catalog)


def drift_markdown(found: list[Drift], profile: str) -> str:
    """The differences as a Markdown table (a Prefect artifact), or the sentence saying none."""
    if not found:
        return f"no differences: the servers are as {profile} says\n"
    rows = ["| " + " | ".join(cell.replace("|", "\\|") for cell in d.row()) + " |" for d in found]
    head = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    return (
        f"{len(found)} differences between {profile} and the servers:\n\n"
        + "\n".join(head + rows)
        + "\n"
    )


def drift(profile: Profile, captured: Capture, catalog: RoleCatalog) -> list[Drift]:
    """Every difference between the profile and the servers, node by node."""
    hosts = {host.node: host for host in captured.hosts}
    unread = {u.node: u.reason for u in captured.unreached}
    found: list[Drift] = []
    for node in profile.nodes:
        host = hosts.get(node.name)
        if host is None:
            why = unread.get(node.name, "not on the servers")
            found.append(Drift(node.name, "node", node.name, node.role, why))
            continue
        found += _node(node, host, catalog)
        found += _jobs(profile, node.name, host)
    names = {node.name for node in profile.nodes}
    for host in captured.hosts:
        if host.node not in names:
            roles = ", ".join(p.role for p in host.products) or "no role recognised"
            found.append(Drift(host.node, "node", host.node, "not in the profile", roles))
    found += [
        Drift(name, "node", name, "", reason)
        for name, reason in unread.items()
        if name not in names
    ]
    return found


def _node(node: Node, host: CapturedHost, catalog: RoleCatalog) -> list[Drift]:
    product = next((p for p in host.products if p.role == node.role), None)
    if product is None and not host.products and node.role == UNRECOGNISED_ROLE:
        return []  # the customer's own program, as the draft has it: nothing to compare
    if product is None:
        roles = ", ".join(p.role for p in host.products) or "no role recognised"
        return [Drift(node.name, "role", node.role, node.role, roles)]
    found = []
    info = catalog.get(node.role)
    wanted = info.version(node.version) if info is not None else node.version or ""
    if wanted and info is not None and info.versions and product.version != wanted:
        found.append(
            Drift(node.name, "version", node.role, wanted, product.installed or "not installed")
        )
    readings = {reading.name: reading for reading in product.params}
    for param, value in node.params.items():
        reading = readings.get(param)
        if reading is None or reading.secret:
            continue
        if not same_value(str(value), reading.value):
            found.append(Drift(node.name, "param", param, str(value), reading.value))
    return found


def _jobs(profile: Profile, node: str, host: CapturedHost) -> list[Drift]:
    """Jobs by their command: one on the servers the profile lacks, one gone, one moved."""
    stated = {job.run: job for job in profile.jobs if job.on == node and job.run}
    running = {entry.command: entry for entry in host.cron}
    found = []
    for command, entry in running.items():
        job = stated.get(command)
        if job is None:
            found.append(Drift(node, "job", command, "not in the profile", entry.schedule))
        elif _cron(job.schedule) != _cron(entry.schedule):
            found.append(Drift(node, "job", job.name, job.schedule, entry.schedule))
    for command, job in stated.items():
        if command not in running:
            found.append(Drift(node, "job", job.name, job.schedule, "not on the server"))
    return found


def _cron(schedule: str) -> str:
    words = schedule.split()
    return " ".join(words[1:] if words[:1] == ["cron"] else words)
