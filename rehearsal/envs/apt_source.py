"""Where image builds take Debian's packages from: Debian's mirror, another mirror or an
apt-cacher-ng style proxy, or a folder of .deb files made into a repository.

The setting is the profile's ``lab.apt``, else ``REHEARSAL_APT_MIRROR``, else Debian's own
mirror. It is not part of any image's key: a mirror or proxy of bookworm serves the packages
Debian's does, so switching to one rebuilds nothing and an image built online serves a closed
lab. A version's own repository (``meta/rehearsal.yml``) changes what is inside, so it is in
the role image's key (:mod:`rehearsal.envs.roles`).

Every source is asked for its ``Release`` file from where the build will fetch before the
build starts, with a short timeout: a source that does not answer fails at once, naming the
URL and the fix, instead of apt retrying for minutes.
"""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rehearsal.errors import ImageBuildFailure
from rehearsal.models.profile import AptSource

SUITE = "bookworm"
DEBIAN = "http://deb.debian.org/debian"
DEBIAN_SECURITY = "http://deb.debian.org/debian-security"
MIRROR_ENV = "REHEARSAL_APT_MIRROR"
FETCH_TIMEOUT_S = 5
"""How long a source has to answer the check before a build; a mirror answers in well under."""


@dataclass(frozen=True)
class PackageSource:
    mirror: str = DEBIAN
    """The Debian archive's URL (bookworm, bookworm-updates; security at ``security``)."""
    folder: Path | None = None
    """A folder of .deb files: then the only source, and no network is needed."""
    setting: str = ""
    """Where it was set (``REHEARSAL_APT_MIRROR``, ``lab.apt.mirror in FILE``), for the fix."""

    @property
    def security(self) -> str:
        """Debian's security archive; beside a mirror's at ``MIRROR-security``, as both
        deb.debian.org and an apt-cacher-ng proxy of it lay them out."""
        return DEBIAN_SECURITY if self.mirror == DEBIAN else self.mirror + "-security"

    def lines(self, folder_at: str = "") -> tuple[str, ...]:
        """The ``sources.list`` lines; ``folder_at`` is where the folder lies in the build."""
        if self.folder is not None:
            return (f"deb [trusted=yes] file:{folder_at or self.folder} ./",)
        return (
            f"deb {self.mirror} {SUITE} main",
            f"deb {self.mirror} {SUITE}-updates main",
            f"deb {self.security} {SUITE}-security main",
        )

    def release_urls(self) -> tuple[str, ...]:
        """What must answer before a build (nothing for a folder: it is read, not fetched)."""
        if self.folder is not None:
            return ()
        return (
            f"{self.mirror}/dists/{SUITE}/Release",
            f"{self.mirror}/dists/{SUITE}-updates/Release",
            f"{self.security}/dists/{SUITE}-security/Release",
        )

    def unreachable(self, url: str, where: str, reason: str) -> ImageBuildFailure:
        """The failure for a source that did not answer: the URL, why, and what to change."""
        if self.setting:
            fix = (
                f"check that it serves Debian {SUITE} (a mirror, or an apt-cacher-ng proxy "
                f"such as http://HOST:3142/deb.debian.org/debian) and answers from {where}; "
                f"it is set by {self.setting}"
            )
        else:
            fix = (
                f"Debian's mirror does not answer from {where}; in a lab without it, set "
                f"{MIRROR_ENV}=URL (a mirror or apt-cacher-ng proxy) or the profile's "
                "lab.apt (mirror: URL, or folder: DIR of .deb files)"
            )
        return ImageBuildFailure(f"package source {url} did not answer ({reason}); {fix}")


DEBIAN_SOURCE = PackageSource()
"""No setting: Debian's own mirror."""


def package_source(
    setting: AptSource | None,
    profile_file: str = "the profile",
    environ: Mapping[str, str] = os.environ,
) -> PackageSource:
    """The source the profile's ``lab.apt`` names, else ``REHEARSAL_APT_MIRROR``'s, else
    Debian's mirror (a loaded profile's folder is already absolute)."""
    if setting is not None and setting.folder is not None:
        where = f"lab.apt.folder in {profile_file}"
        return PackageSource(folder=Path(setting.folder), setting=where)
    if setting is not None and setting.mirror is not None:
        where = f"lab.apt.mirror in {profile_file}"
        return PackageSource(setting.mirror.rstrip("/"), setting=where)
    if environ.get(MIRROR_ENV):
        return PackageSource(environ[MIRROR_ENV].rstrip("/"), setting=MIRROR_ENV)
    return DEBIAN_SOURCE


def check_from_here(source: PackageSource) -> None:
    """Raise at once when a URL of ``source`` does not answer from this machine (where
    mmdebstrap fetches the base image's packages)."""
    for url in source.release_urls():
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as answer:
                answer.read(1)
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            raise source.unreachable(url, "this machine", str(reason)) from None


def folder_index(folder: Path) -> bytes:
    """The ``Packages`` index of a folder of .deb files, made by dpkg-scanpackages (dpkg-dev):
    Debian's own tool writes every field apt reads, from each package's control file."""
    try:
        done = subprocess.run(
            ["dpkg-scanpackages", "--multiversion", ".", "/dev/null"],
            cwd=folder,
            capture_output=True,
            timeout=300,
            check=False,
        )
    except FileNotFoundError:
        raise ImageBuildFailure(
            f"a folder of .deb files ({folder}) is made into a repository with "
            "dpkg-scanpackages, which is not installed; install it with: "
            "apt-get install -y dpkg-dev"
        ) from None
    if done.returncode != 0 or not done.stdout.strip():
        raise ImageBuildFailure(
            f"could not index the .deb files in {folder}: "
            f"{done.stderr.decode(errors='replace')[-1500:] or 'no package found'}; "
            "check that they are Debian packages (dpkg-deb --info FILE)"
        )
    return done.stdout
