"""How a node's container gets its data volumes: a bind mount of each loop-mounted volume
(made once, with what the image holds at its path copied in), or a sized tmpfs that the
image's files are unpacked into at every start (a tmpfs starts empty)."""

from __future__ import annotations

import io
import tarfile
from typing import Any

from rehearsal.envs.volumes import Backing, VolumeHost, VolumeSpec, seed
from rehearsal.errors import EnvironmentFailure

# Pairs of (archive, folder above the volume), then --, then the image's own command.
_SEED_TMPFS = 'while [ "$1" != -- ]; do tar -xpf "$1" -C "$2"; shift 2; done; shift; exec "$@"'
SEED_DIR = "/var/lib/rehearsal/volume-seeds"


class NodeVolumes:
    """One run's volumes as its containers see them; ``options`` goes into the container's
    create, ``before_start`` between create and start."""

    def __init__(
        self, client: Any, run_id: str, labels: dict[str, str], backing: Backing, host: VolumeHost
    ) -> None:
        self.client = client
        self.run_id = run_id
        self.labels = labels
        self.backing = backing
        self.host = host
        self._seeds: dict[str, dict[str, bytes]] = {}
        """Per container name, the archives its start command unpacks (tmpfs only)."""

    def options(
        self, node: str, container: str, image: str, volumes: tuple[VolumeSpec, ...]
    ) -> dict[str, Any]:
        """What the container's create takes for the node's volumes (its mounts, and for a
        tmpfs the start command that fills them)."""
        if self.backing.kind == "tmpfs":
            return self._tmpfs(container, image, volumes)
        return {"mounts": self._loop(node, container, image, volumes)}

    def before_start(self, container: Any) -> None:
        """Put the archives a tmpfs node's start command unpacks (nothing for loop volumes)."""
        seeds = self._seeds.pop(container.name, {})
        if not seeds:
            return
        bundle = io.BytesIO()
        with tarfile.open(fileobj=bundle, mode="w") as tar:  # the engine makes the folders
            for name, archive in seeds.items():
                member = tarfile.TarInfo(f"{SEED_DIR.strip('/')}/{name}")
                member.size = len(archive)
                tar.addfile(member, io.BytesIO(archive))
        container.put_archive("/", bundle.getvalue())

    def _loop(
        self, node: str, container: str, image: str, volumes: tuple[VolumeSpec, ...]
    ) -> list[Any]:
        """Each volume made, filled with what the image holds there and bind-mounted; one
        already made (a recreated node) is mounted again as it is, data and all."""
        from docker.types import Mount

        mounts = []
        for index, volume in enumerate(volumes):
            point = self.host.mount_point(self.run_id, node, index)
            if not self.host.made(self.run_id, node, index):
                try:
                    self.host.create(self.run_id, self.labels, node, index, volume.size_bytes)
                    archive = self._image_archive(container, image, volume.path)
                    if archive is not None:
                        seed(iter([archive]), point)
                except OSError as error:
                    raise EnvironmentFailure(
                        f"node {node}: cannot make its {volume.size} volume at {volume.path} "
                        f"({error})"
                    ) from None
            mounts.append(Mount(volume.path, str(point), type="bind"))
        return mounts

    def _tmpfs(self, container: str, image: str, volumes: tuple[VolumeSpec, ...]) -> dict[str, Any]:
        from docker.types import Mount

        config = self.client.images.get(image).attrs["Config"]
        command = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
        seeds: dict[str, bytes] = {}
        pairs = []
        for index, volume in enumerate(volumes):
            archive = self._image_archive(container, image, volume.path)
            if archive is not None:
                seeds[f"{index}.tar"] = archive
                pairs += [f"{SEED_DIR}/{index}.tar", volume.path.rsplit("/", 1)[0] or "/"]
        self._seeds[container] = seeds
        return {
            "mounts": [Mount(v.path, "", type="tmpfs", tmpfs_size=v.size_bytes) for v in volumes],
            "entrypoint": ["sh", "-c", _SEED_TMPFS, "sh", *pairs, "--", *command],
            "command": [],
        }

    def _image_archive(self, container: str, image: str, path: str) -> bytes | None:
        """What ``image`` holds at ``path`` as a tar stream (None: nothing there), read from
        a container made of the image and never started."""
        import docker.errors

        reader = self.client.containers.create(image, name=f"{container}-seed", labels=self.labels)
        try:
            chunks, _stat = reader.get_archive(path)
            return b"".join(chunks)
        except docker.errors.NotFound:
            return None
        finally:
            reader.remove(force=True)
