"""One cached image per product role and version, so environments start already installed.

A role's ``tasks/install.yml`` (packages, nothing customer-specific) is run once against a
throwaway container on Docker's default bridge, which reaches the package mirror (Ansible
reaches it through the engine's route, as it reaches nodes), or one whose apt reads the lab's
source (:mod:`rehearsal.envs.apt_source`, set up by :mod:`rehearsal.envs.bake_sources`); the
container is then committed. The image tag is a hash of what went into it (base image,
role, version, the files of the role's folder the install reads: :func:`baked_files`, and the
nodes' extra packages), so changing any of them makes a new one; nodes with the same role,
version and extra packages share one image; ``rehearsal images prune`` removes the images
nothing uses any more. A customer's own role is baked and cached as a shipped one is.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.envs import bake_sources
from rehearsal.envs import labels as L
from rehearsal.envs.ansible import HostVars, run_playbook
from rehearsal.envs.apt_source import DEBIAN_SOURCE, PackageSource, folder_index
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
        info = role(self.folder)
        digest.update(info.fingerprint().encode())
        repository = info.sources.get(self.version)
        if repository is not None and repository.key:
            digest.update(b"\0key\0" + (self.folder / repository.key).read_bytes())
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
    source: PackageSource = DEBIAN_SOURCE,
    network: str | None = None,
) -> dict[RoleImage, str]:
    """Return the image for every wanted role, building the missing ones in one Ansible run.

    Packages come from ``source``; the bake containers join ``network`` (default: Docker's
    default bridge, or for a folder source an internal network of their own: no route out).
    """
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
        bake = _Bake(client, keys, labels, source, network)
        try:
            _build(bake, missing, tags, playbooks, workdir, route)
        finally:
            bake.close()
    return tags


class _Bake:
    """Where the bake containers run and what their apt reads; owns the internal network a
    folder source's bake gets."""

    def __init__(
        self,
        client: Any,
        keys: KeyPair,
        labels: dict[str, str],
        source: PackageSource,
        network: str | None,
    ) -> None:
        self.client, self.keys, self.labels, self.source = client, keys, labels, source
        self.index = folder_index(source.folder) if source.folder is not None else b""
        self._made: Any = None
        if network is None and source.folder is not None:
            name = f"rehearsal-bake-{labels.get(L.RUN, 'images')}"
            self._made = client.networks.create(name, internal=True, labels=labels)
            network = name
        self.network = network

    def builder(self, image: RoleImage) -> Any:
        container = self.client.containers.create(
            BASE_IMAGE,
            labels={**self.labels, L.NODE: f"build-{image.role}"},
            init=True,
            hostname=f"build-{image.role}",
            network=self.network,
        )
        try:
            container.put_archive("/root", self.keys.authorized_keys_tar())
            container.start()
            bake_sources.prepare(container, self.source, image.folder, image.version, self.index)
        except BaseException:
            container.remove(force=True)
            raise
        return container

    def close(self) -> None:
        if self._made is not None:
            self._made.remove()


def _build(
    bake: _Bake,
    missing: list[RoleImage],
    tags: dict[RoleImage, str],
    playbooks: Path,
    workdir: Path,
    route: Route,
) -> None:
    builders: dict[RoleImage, Any] = {}
    try:
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:
            futures = [pool.submit(bake.builder, image) for image in missing]
        builders = {
            image: future.result()
            for image, future in zip(missing, futures, strict=True)
            if future.exception() is None
        }
        failed = next((f.exception() for f in futures if f.exception() is not None), None)
        if failed is not None:
            raise failed
        hosts = []
        for index, (image, container) in enumerate(builders.items()):
            info = role(image.folder)
            address = _address(container)
            wait_for_ssh(address, timeout_s=30, dial=route.connect)
            address, port = route.endpoint(address, 22)
            hosts.append(
                HostVars(
                    f"build-{image.role}-{index}",
                    address,
                    image.role,
                    image.version,
                    {
                        "rehearsal_packages": list(image.packages),
                        "rehearsal_apt_version": info.versions.get(image.version, ""),
                    },
                    port=port,
                )
            )
        try:
            folders = tuple(dict.fromkeys(image.folder.parent for image in missing))
            run_playbook(playbooks / "install.yml", hosts, bake.keys.private_path, workdir, folders)
        except Exception as error:
            raise ImageBuildFailure(
                f"installing role packages failed: {error}{_folder_hint(bake.source)}"
            ) from None
        for image, container in builders.items():
            bake_sources.clean(container)
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


def _folder_hint(source: PackageSource) -> str:
    if source.folder is None:
        return ""
    return (
        f"\n(the folder {source.folder}, {source.setting}, is the only package source: add "
        "the .deb files of the package apt names above and of everything it depends on)"
    )


def _address(container: Any) -> str:
    """The container's address on the one network it joined (the default bridge or not)."""
    container.reload()
    settings = container.attrs["NetworkSettings"]
    joined = [str(n.get("IPAddress") or "") for n in (settings.get("Networks") or {}).values()]
    return str(settings.get("IPAddress") or next(iter(joined), ""))
