"""The base image every node starts from, made without a registry when none answers.

The base image is Debian bookworm with what every node needs to be managed like a
server: sshd for Ansible and operators, python3 for Ansible modules, iproute2/iptables
for network faults, procps for process faults. Role images (one per product role and
version) are layered on it by ``rehearsal.envs.roles``.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from rehearsal.envs.apt_source import DEBIAN_SOURCE, SUITE, PackageSource, check_from_here
from rehearsal.errors import ImageBuildFailure

BASE_REPOSITORY = "rehearsal/base"
BASE_TAG = "bookworm"
BASE_IMAGE = f"{BASE_REPOSITORY}:{BASE_TAG}"
PACKAGES = (
    "python3",
    "python3-apt",
    "openssh-server",
    "iproute2",
    "iptables",
    "procps",
    "ca-certificates",
    "sudo",
    "curl",
    "libfaketime",
)
MIRRORS = PackageSource().lines()
"""Debian's own: what the image's sources.list says and its key hashes, whichever mirror or
proxy the packages were fetched through (the same bookworm packages: nothing to rebuild)."""
KEY_LABEL = "rehearsal.base-key"
Progress = Callable[[str], None]
"""Called with what is happening; a message starting with two spaces is a detail."""


def _init_script() -> Path:
    return Path(str(resources.files("rehearsal.envs") / "node" / "rehearsal-init"))


def base_key() -> str:
    """What the base image is made of (packages, mirrors, the node's init): an image with
    another key is stale, so adding a package reaches every engine without a manual rebuild."""
    digest = hashlib.sha256("\0".join((*PACKAGES, *MIRRORS)).encode())
    digest.update(_init_script().read_bytes())
    return digest.hexdigest()[:12]


def image_changes() -> list[str]:
    return [
        'CMD ["/usr/local/sbin/rehearsal-init"]',
        f"LABEL rehearsal.image=base {KEY_LABEL}={base_key()}",
    ]


def base_image_present(client: Any) -> bool:
    """Whether the base image is there and made of what ``base_key`` says today."""
    import docker.errors

    try:
        image = client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        return False
    return (image.labels or {}).get(KEY_LABEL) == base_key()


def ensure_base_image(
    client: Any, progress: Progress = lambda _line: None, source: PackageSource = DEBIAN_SOURCE
) -> str:
    """Return the base image id, building it only when it is missing or stale (role images
    are keyed by the base image's id, so they are baked again on the new one)."""
    if base_image_present(client):
        return str(client.images.get(BASE_IMAGE).id)
    if source.folder is not None:
        raise ImageBuildFailure(
            f"the base image {BASE_IMAGE} is missing or stale and {source.setting} names a "
            "folder of .deb files, which holds the role images' packages, not a whole Debian "
            "system; build the base image where a mirror answers (`rehearsal images bootstrap`, "
            "with REHEARSAL_APT_MIRROR=URL in a lab with a mirror or proxy) and bring it here"
        )
    if source.setting:
        return _build_offline(client, progress, source)
    if _pull_debian(client, progress):
        return _build_from_pulled(client, progress)
    return _build_offline(client, progress, source)


def _pull_debian(client: Any, progress: Progress) -> bool:
    import docker.errors

    progress("asking a registry for debian:bookworm")
    try:
        client.images.pull("debian", tag=SUITE)
    except docker.errors.APIError as error:
        progress(f"no registry answered ({error.explanation or error}); building offline")
        return False
    return True


def _build_from_pulled(client: Any, progress: Progress) -> str:
    progress("installing node packages into debian:bookworm")
    container = client.containers.create(f"debian:{SUITE}", command=["sleep", "infinity"])
    try:
        container.start()
        for argv in (["apt-get", "update"], ["apt-get", "install", "-y", *PACKAGES]):
            code, output = container.exec_run(
                argv, environment={"DEBIAN_FRONTEND": "noninteractive"}
            )
            if code != 0:
                raise ImageBuildFailure(f"{' '.join(argv)} failed:\n{output.decode()[-2000:]}")
        with tempfile.TemporaryDirectory() as tmp:
            container.put_archive("/usr/local/sbin", _tar_of(_init_script(), Path(tmp)))
        container.stop(timeout=1)
        image = container.commit(BASE_REPOSITORY, BASE_TAG, changes=image_changes())
    finally:
        container.remove(force=True)
    return str(image.id)


def _tar_of(path: Path, workdir: Path) -> bytes:
    import tarfile

    archive = workdir / "file.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(path, arcname=path.name)
    return archive.read_bytes()


def mmdebstrap_argv(tarball: Path, source: PackageSource = DEBIAN_SOURCE) -> list[str]:
    """mmdebstrap fetching from ``source`` with few retries and short timeouts; the image's
    own sources.list is Debian's (``MIRRORS``) and its apt settings the default, whichever
    mirror the packages came through."""
    own_sources = "\n".join(MIRRORS)
    return [
        "mmdebstrap",
        "--variant=apt",
        "--components=main",
        f"--include={','.join(PACKAGES)}",
        '--aptopt=Acquire::Retries "1"',
        '--aptopt=Acquire::http::Timeout "10"',
        f"--customize-hook=copy-in {_init_script()} /usr/local/sbin",
        '--customize-hook=chroot "$1" apt-get clean',
        '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/etc/apt/apt.conf.d/99mmdebstrap',
        f"--customize-hook=printf '%s\\n' '{own_sources}' >\"$1\"/etc/apt/sources.list",
        SUITE,
        str(tarball),
        *source.lines(),
    ]


def _build_offline(client: Any, progress: Progress, source: PackageSource) -> str:
    check_from_here(source)
    with tempfile.TemporaryDirectory(prefix="rehearsal-base-") as tmp:
        tarball = Path(tmp) / "base.tar"
        argv = mmdebstrap_argv(tarball, source)
        progress("building the base image with mmdebstrap (about half a minute)")
        try:
            process = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
        except FileNotFoundError as error:
            raise ImageBuildFailure(
                "no registry answered and mmdebstrap is not installed; "
                "install it with: apt-get install -y mmdebstrap"
            ) from error
        tail: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            tail = [*tail[-40:], line.rstrip()]
            progress("  " + line.rstrip())
        if process.wait(timeout=1800) != 0:
            raise ImageBuildFailure("mmdebstrap failed:\n" + "\n".join(tail))
        progress("importing the base image into Docker")
        client.api.import_image_from_file(
            str(tarball), repository=BASE_REPOSITORY, tag=BASE_TAG, changes=image_changes()
        )
    return str(client.images.get(BASE_IMAGE).id)
