"""The package sources of one bake container: set before a role's install tasks, gone
before the container is committed.

The bake's apt reads only rehearsal's own list (``Dir::Etc::SourceList`` and
``SourceParts``), so the base image's own sources are neither used nor touched, and low
retries and timeouts make a source that stops answering fail the task instead of hanging.
A role image therefore carries no lab's URL, no version's repository and no folder: it is
made of packages, the same whichever source they came from.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Any

from rehearsal.envs.apt_source import FETCH_TIMEOUT_S, PackageSource
from rehearsal.errors import ImageBuildFailure
from rehearsal.models.catalog import VersionSource, role

APT_CONF = "/etc/apt/apt.conf.d/99rehearsal-bake"
LISTS = "/etc/apt/rehearsal-bake"
FOLDER = "/var/lib/rehearsal/apt-folder"
SETTINGS = f"""\
Acquire::Retries "1";
Acquire::http::Timeout "10";
Acquire::https::Timeout "10";
Dir::Etc::SourceList "{LISTS}/sources.list";
Dir::Etc::SourceParts "{LISTS}/sources.list.d";
"""
CHECK = (
    'for url; do out=$(curl -fsS -o /dev/null --max-time "$0" "$url" 2>&1) '
    '|| { printf "%s\\n%s\\n" "$url" "$out"; exit 1; }; done'
)
"""Asks each URL (positional parameters, never script text) with a timeout; prints the first
that fails and curl's reason."""


def prepare(
    container: Any,
    source: PackageSource,
    role_folder: Path,
    version: str,
    index: bytes = b"",
) -> None:
    """Give the container the bake's sources: the lab's (or Debian's), the role version's
    own repository and, for a folder, the .deb files with their ``index``; check they answer
    from the container."""
    repository = role(role_folder).sources.get(version)
    lines = list(source.lines(FOLDER))
    if source.folder is None and repository is not None:
        key_at = f"{LISTS}/keys/{role_folder.name}.asc" if repository.key else ""
        lines.append(repository.line(key_at))
    files = {
        APT_CONF: SETTINGS.encode(),
        f"{LISTS}/sources.list": ("\n".join(lines) + "\n").encode(),
    }
    if source.folder is None and repository is not None and repository.key:
        files[f"{LISTS}/keys/{role_folder.name}.asc"] = (role_folder / repository.key).read_bytes()
    if source.folder is not None:
        files[f"{FOLDER}/Packages"] = index
    with tempfile.TemporaryFile() as archive:
        _tar(archive, files, source.folder)
        archive.seek(0)
        container.put_archive("/", archive)
    own = _release(repository) if source.folder is None and repository is not None else ()
    code, output = container.exec_run(
        ["sh", "-c", CHECK, str(FETCH_TIMEOUT_S), *source.release_urls(), *own]
    )
    if code == 0:
        return
    url, _, reason = output.decode(errors="replace").partition("\n")
    where = "the bake container's network"
    if url not in own:
        raise source.unreachable(url, where, reason.strip())
    raise ImageBuildFailure(
        f"the apt repository of role {role_folder.name!r} version {version!r} ({url}) did not "
        f"answer from {where} ({reason.strip()}); check its source: in "
        f"{role_folder / 'meta' / 'rehearsal.yml'}, and that the repository is reachable from "
        "this lab (or give the packages in a lab.apt.folder)"
    )


def clean(container: Any) -> None:
    """Drop the bake's sources, the folder and apt's lists (they name the source's URL)."""
    container.exec_run(["rm", "-rf", APT_CONF, LISTS, FOLDER])
    container.exec_run(["find", "/var/lib/apt/lists", "-type", "f", "-delete"])


def _release(version: VersionSource) -> tuple[str, ...]:
    return (f"{version.url}/dists/{version.suite}/Release",)


def _tar(archive: IO[bytes], files: dict[str, bytes], folder: Path | None) -> None:
    with tarfile.open(fileobj=archive, mode="w") as tar:
        parts = tarfile.TarInfo(f"{LISTS.lstrip('/')}/sources.list.d")
        parts.type, parts.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(parts)
        for path, data in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        if folder is not None:
            for deb in sorted(folder.glob("*.deb")):
                tar.add(deb, arcname=f"{FOLDER.lstrip('/')}/{deb.name}")
