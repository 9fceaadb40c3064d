"""One cached image per product role and version, so environments start already installed.

A role's ``tasks/install.yml`` (packages, nothing customer-specific) is run once against a
throwaway container on Docker's default bridge, which reaches the package mirror (Ansible
reaches it through the engine's route, as it reaches nodes); the container is then
committed. The image tag is a hash of what went into it (base image, role, version, the
files of the role's folder the install reads: :func:`baked_files`, and the nodes' extra
packages), so changing any of them makes a new one; nodes with the same role, version and
extra packages share one image; ``rehearsal images prune`` removes the images nothing uses
any more. A customer's own role is baked and cached as a shipped one is.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.envs import labels as L
from rehearsal.envs.ansible import HostVars, run_playbook
from rehearsal.envs.images import BASE_IMAGE
from rehearsal.envs.keys import KeyPair
from rehearsal.envs.routes import Route
from rehearsal.envs.ssh import wait_for_ssh
from rehearsal.errors import ImageBuildFailure
from rehearsal.models.catalog import RoleInfo, role
from rehearsal.models.profile import Node
from rehearsal.models.role_params import image_packages

ROLE_REPOSITORY = "rehearsal/role"
PACKAGES_LABEL = "rehearsal.packages"
FOLDER_LABEL = "rehearsal.role-folder"
"""Where the role an image was baked from lives: ``images ls`` checks it is still current."""


@dataclass(frozen=True)
class RoleImage:
    role: str
    version: str
    folder: Path
    """The role's own folder (shipped or the customer's)."""
    packages: tuple[str, ...] = ()
    """The nodes' extra Debian packages, sorted; none keeps the tag a role alone has."""

    def tag(self, base_id: str) -> str:
        digest = hashlib.sha256(f"{base_id}\0{self.role}\0{self.version}".encode())
        if self.packages:
            digest.update(("\0packages\0" + " ".join(self.packages)).encode())
        digest.update(role(self.folder).fingerprint().encode())
        for path in baked_files(self.folder):
            digest.update(f"\0{path.relative_to(self.folder)}\0".encode())
            digest.update(path.read_bytes())
        return (
            f"{ROLE_REPOSITORY}-{self.role}:{(self.version or 'default')}-{digest.hexdigest()[:12]}"
        )


def baked_files(folder: Path) -> list[Path]:
    """What of a role the image is made from: its install tasks, meta, defaults, every file
    under ``files/`` (and ``templates/`` when the install uses templates)."""
    install = folder / "tasks" / "install.yml"
    parts = ["defaults", "files"]
    if install.is_file() and "template" in install.read_text():
        parts.append("templates")
    found = [path for path in (install, folder / "meta" / "rehearsal.yml") if path.is_file()]
    for part in parts:
        found += sorted(path for path in (folder / part).rglob("*") if path.is_file())
    return found


def role_image(node: Node, info: RoleInfo) -> RoleImage:
    """The image a node starts from: its role's, at its version, with its extra packages."""
    return RoleImage(node.role, info.version(node.version), info.folder, image_packages(node, info))


def ensure_role_images(
    client: Any,
    wanted: set[RoleImage],
    playbooks: Path,
    keys: KeyPair,
    labels: dict[str, str],
    workdir: Path,
    route: Route,
) -> dict[RoleImage, str]:
    """Return the image for every wanted role, building the missing ones in one Ansible run."""
    import docker.errors

    base_id = str(client.images.get(BASE_IMAGE).id)
    tags = {image: image.tag(base_id) for image in wanted}
    missing = []
    for image, tag in tags.items():
        try:
            client.images.get(tag)
        except docker.errors.ImageNotFound:
            missing.append(image)
    if missing:
        _build(client, missing, tags, playbooks, keys, labels, workdir, route)
    return tags


def _build(
    client: Any,
    missing: list[RoleImage],
    tags: dict[RoleImage, str],
    playbooks: Path,
    keys: KeyPair,
    labels: dict[str, str],
    workdir: Path,
    route: Route,
) -> None:
    builders: dict[RoleImage, Any] = {}
    try:
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:
            started = list(pool.map(lambda image: _builder(client, image, keys, labels), missing))
        builders = dict(zip(missing, started, strict=True))
        hosts = []
        for index, (image, container) in enumerate(builders.items()):
            address = _address(container)
            wait_for_ssh(address, timeout_s=30, dial=route.connect)
            address, port = route.endpoint(address, 22)
            hosts.append(
                HostVars(
                    f"build-{image.role}-{index}",
                    address,
                    image.role,
                    image.version,
                    {"rehearsal_packages": list(image.packages)},
                    port=port,
                )
            )
        try:
            folders = tuple(dict.fromkeys(image.folder.parent for image in missing))
            run_playbook(playbooks / "install.yml", hosts, keys.private_path, workdir, folders)
        except Exception as error:
            raise ImageBuildFailure(f"installing role packages failed: {error}") from None
        for image, container in builders.items():
            container.exec_run(["rm", "-f", "/root/.ssh/authorized_keys"])
            container.stop(timeout=5)
            repository, tag = tags[image].rsplit(":", 1)
            container.commit(
                repository,
                tag,
                changes=[
                    'CMD ["/usr/local/sbin/rehearsal-init"]',
                    f"LABEL rehearsal.image=role rehearsal.role={image.role} "
                    f"rehearsal.version={image.version or 'default'} "
                    f"{FOLDER_LABEL}={json.dumps(str(image.folder))}"
                    + (f" {PACKAGES_LABEL}={','.join(image.packages)}" if image.packages else ""),
                ],
            )
    finally:
        for container in builders.values():
            container.remove(force=True)


def _builder(client: Any, image: RoleImage, keys: KeyPair, labels: dict[str, str]) -> Any:
    container = client.containers.create(
        BASE_IMAGE,
        labels={**labels, L.NODE: f"build-{image.role}"},
        init=True,
        hostname=f"build-{image.role}",
    )
    container.put_archive("/root", keys.authorized_keys_tar())
    container.start()
    return container


def _address(container: Any) -> str:
    container.reload()
    return str(container.attrs["NetworkSettings"]["IPAddress"])
