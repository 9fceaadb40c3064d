"""Checks on a profile's data volumes that need more than one field."""

from __future__ import annotations

from rehearsal.errors import Problem
from rehearsal.models.profile import Profile
from rehearsal.models.yamlfile import YamlDocument


def check_volumes(profile: Profile, doc: YamlDocument) -> list[Problem]:
    """One volume a path on each node, and none on a lab host (its disks are the machine's
    own: a volume laid over a real server's folder would hide what is in it)."""
    found = []
    for n, node in enumerate(profile.nodes):
        if node.volumes and node.lab_host is not None:
            found.append(
                doc.problem(
                    ("nodes", n, "volumes"),
                    f"node {node.name!r} is a lab host, whose disks are its own; remove "
                    "'volumes:' and size the disk on the machine",
                )
            )
        seen: set[str] = set()
        for v, volume in enumerate(node.volumes):
            if volume.path in seen:
                found.append(
                    doc.problem(
                        ("nodes", n, "volumes", v, "path"),
                        f"{volume.path} already has a volume on node {node.name!r}; keep one",
                    )
                )
            seen.add(volume.path)
    return found
