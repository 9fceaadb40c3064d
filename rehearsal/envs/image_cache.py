"""The role-image cache on this engine: what is there, what is current, what can go.

A role image is *current* when its tag is still the hash of what would go into it today
(base image, role files, version); after a role's install tasks or the base image change,
the old one is *stale*: no run will use it again. A customer's own role is looked for in
the folder its image was baked from (a label), so its images are judged as a shipped role's
are. Images a container still runs from are never removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.roles import FOLDER_LABEL, PACKAGES_LABEL, RoleImage
from rehearsal.models.catalog import RoleCatalog

ROLE_LABEL = "rehearsal.image=role"


@dataclass(frozen=True)
class CachedImage:
    tag: str
    image_id: str
    role: str
    version: str
    size_bytes: int
    created: str
    current: bool
    in_use: int


def cached_role_images(client: Any, catalog: RoleCatalog) -> list[CachedImage]:
    """Every role image, with whether it is current and how many containers use it."""
    import docker.errors

    try:
        base_id = str(client.images.get(BASE_IMAGE).id)
    except docker.errors.ImageNotFound:
        base_id = ""
    users: dict[str, int] = {}
    for container in client.containers.list(all=True):
        image_id = container.attrs.get("Image", "")
        users[image_id] = users.get(image_id, 0) + 1
    found = []
    for image in client.images.list(filters={"label": ROLE_LABEL}):
        labels = image.labels or {}
        role = labels.get("rehearsal.role", "?")
        version = labels.get("rehearsal.version", "default")
        packages = tuple(p for p in labels.get(PACKAGES_LABEL, "").split(",") if p)
        known = catalog.get(role)
        folder = known.folder if known else Path(labels.get(FOLDER_LABEL) or "/nonexistent")
        wanted = RoleImage(role, "" if version == "default" else version, folder, packages)
        today = wanted.tag(base_id) if base_id and folder.is_dir() else ""
        for tag in image.tags or [f"<untagged>@{image.short_id}"]:
            found.append(
                CachedImage(
                    tag=tag,
                    image_id=str(image.id),
                    role=role,
                    version=version,
                    size_bytes=int(image.attrs.get("Size", 0)),
                    created=str(image.attrs.get("Created", ""))[:19],
                    current=tag == today,
                    in_use=users.get(str(image.id), 0),
                )
            )
    return sorted(found, key=lambda item: (item.role, item.version, item.created))


def prune(
    client: Any, catalog: RoleCatalog, everything: bool = False, role: str | None = None
) -> list[CachedImage]:
    """Remove stale role images (every unused one with ``everything``); return them."""
    import docker.errors

    removed = []
    for image in cached_role_images(client, catalog):
        if image.in_use or (image.current and not everything):
            continue
        if role is not None and image.role != role:
            continue
        try:
            client.images.remove(image.tag, noprune=False)
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError as error:
            if error.status_code == 409:  # a container was made from it meanwhile
                continue
            raise
        removed.append(image)
    return removed
