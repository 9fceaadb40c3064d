"""What each product role offers (versions, parameters, packages), and where it lives.

Roles come from the shipped ``playbooks/roles`` and from the customer's own folders beside
the profile (see :class:`RoleCatalog`).

Read from two small files a role ships, so ``validate`` can refuse an unavailable version or
a misspelt parameter without asking apt or running Ansible:

- ``defaults/main.yml``: every parameter the role takes (its keys), documented there;
- ``meta/rehearsal.yml`` (Ansible ignores it): the product ``versions`` a node may ask for,
  each with the apt version pattern the install tasks pin (``"15": "15.*"``) and, where
  bookworm lacks it, the apt repository offering it (``"16": {apt: "16.*", source: {...}}``:
  :class:`VersionSource`), the ``default_version``, the
  ``packages`` baked into the role's image, extra params the role ``also_accepts``,
  ``readback`` commands the fidelity check uses to read effective values back, the
  ``path_params`` that name files beside the profile (resolved, checked and shipped to the
  node), the ``package_params`` that list more Debian packages for the node's image, and
  the ``params_schema`` that gives each param's shape (a JSON Schema, checked at validate), and
  the ``var_prefix`` of the role's variables: with ``var_prefix: nginx_`` the defaults
  declare ``nginx_worker_connections`` (ansible-lint's var-naming), a node gives the param
  ``worker_connections`` and Ansible gets it as ``nginx_worker_connections``; and how to
  ``recognise`` the product on a server (``rehearsal profile capture``): its Debian
  ``packages``, a ``binary`` (a path, ``*`` allowed) and a ``service`` name.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLE_FILE = Path("meta") / "rehearsal.yml"


@dataclass(frozen=True)
class VersionSource:
    """An apt repository one version of a role comes from (bookworm lacks that version): added
    to the bake container before the role's install tasks run, and part of the image's key."""

    url: str
    suite: str
    components: tuple[str, ...] = ("main",)
    key: str = ""
    """The repository's signing key, a file relative to the role's folder; none: trusted."""

    def line(self, key_path: str = "") -> str:
        """The ``sources.list`` line; ``key_path`` is where the key lies in the container."""
        option = f"signed-by={key_path}" if key_path else "trusted=yes"
        return f"deb [{option}] {self.url} {self.suite} {' '.join(self.components)}"


@dataclass(frozen=True)
class Recognise:
    """How profile capture tells that a server runs the role's product: every kind of
    evidence given must be there (all the packages installed, the binary, the service)."""

    packages: tuple[str, ...] = ()
    """Debian package names (``*`` allowed), each installed."""
    binary: str = ""
    """A program's path (``*`` allowed); a listening process running it is the product's."""
    service: str = ""
    """The service's name (a SysV init script or a systemd unit)."""

    @property
    def given(self) -> bool:
        return bool(self.packages or self.binary or self.service)


@dataclass(frozen=True)
class RoleInfo:
    name: str
    params: frozenset[str]
    folder: Path = Path()
    """The role's own folder: what its image is made from and Ansible runs."""
    versions: dict[str, str] = field(default_factory=dict)
    """version → the apt version pattern pinned."""
    sources: dict[str, VersionSource] = field(default_factory=dict)
    """version → the apt repository it comes from, for versions bookworm does not have."""
    default_version: str = ""
    packages: tuple[str, ...] = ()
    package: str = ""
    """The package whose version is the product's; ``{version}`` stands for the node's."""
    readback: dict[str, str] = field(default_factory=dict)
    """param name → shell command run in the node that prints the effective value."""
    path_params: tuple[str, ...] = ()
    """Params naming a file beside the profile; the role sees the file's path on the node."""
    package_params: tuple[str, ...] = ()
    """Params listing Debian packages, baked into the node's image with the role's."""
    var_prefix: str = ""
    """What a param's name gets in front to be the role's variable (empty: used as given)."""
    capabilities: tuple[str, ...] = ()
    """Linux capabilities the product needs in a node's container (keepalived: NET_ADMIN)."""
    params_schema: dict[str, Any] = field(default_factory=dict)
    """param name → the JSON Schema its value must fit (checked at validate)."""
    recognise: Recognise = Recognise()
    """How profile capture recognises the product on a server; empty: it does not."""

    def variable(self, param: str) -> str:
        """The Ansible variable a node's param reaches the role as."""
        return self.var_prefix + param

    def variables(self, params: dict[str, Any]) -> dict[str, Any]:
        """A node's params as the role's variables."""
        return {self.variable(name): value for name, value in params.items()}

    def version(self, asked: str | None) -> str:
        """The version a node gets: the one it asks for, else the role's default."""
        return asked or self.default_version

    def fingerprint(self) -> str:
        """What of the role goes into its image: versions and packages."""
        return repr((sorted(self.versions.items()), sorted(self.sources.items()), self.packages))


@dataclass(frozen=True)
class RoleCatalog:
    """The roles one profile may use: the shipped ones and the customer's own folders.

    Every consumer (validate, image bake, converge, fidelity) takes this one object, so a
    role is found in the same place by all of them.
    """

    roles: dict[str, RoleInfo]
    folders: tuple[Path, ...]
    """Where roles were looked for, shipped folder first (Ansible's roles path)."""
    clashes: tuple[tuple[str, Path, Path], ...] = ()
    """Role names found in two folders: (name, first folder, second folder)."""

    def __contains__(self, name: object) -> bool:
        return name in self.roles

    def __getitem__(self, name: str) -> RoleInfo:
        return self.roles[name]

    def get(self, name: str) -> RoleInfo | None:
        return self.roles.get(name)

    def names(self) -> list[str]:
        return sorted(self.roles)

    def own(self) -> list[RoleInfo]:
        """The customer's roles (not shipped): the ones validate checks deeply."""
        shipped = self.folders[0] if self.folders else None
        return [info for info in self.roles.values() if info.folder.parent != shipped]

    def roles_path(self) -> str:
        """``ANSIBLE_ROLES_PATH`` for these folders."""
        return ":".join(str(folder) for folder in self.folders)


def role_catalog(shipped: Path, own: tuple[Path, ...] | list[Path] = ()) -> RoleCatalog:
    """The roles under ``shipped`` and each ``own`` folder; a name in two is a clash."""
    found: dict[str, RoleInfo] = {}
    clashes = []
    folders = tuple(dict.fromkeys([shipped.resolve(), *(folder.resolve() for folder in own)]))
    for folder in folders:
        for name, info in roles(folder).items():
            if name in found:
                clashes.append((name, found[name].folder, info.folder))
            else:
                found[name] = info
    return RoleCatalog(found, folders, tuple(clashes))


def roles(roles_dir: Path) -> dict[str, RoleInfo]:
    """Every role under ``roles_dir`` by name; re-read when a role's files change."""
    if not roles_dir.is_dir():
        return {}
    found = {}
    for path in sorted(roles_dir.iterdir()):
        if path.is_dir():
            found[path.name] = role(path)
    return found


def role(path: Path) -> RoleInfo:
    stamps = tuple(_stamp(path / part) for part in ("defaults/main.yml", str(ROLE_FILE)))
    return _role(path, stamps)


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@functools.lru_cache(maxsize=64)
def _role(path: Path, _stamps: tuple[int, ...]) -> RoleInfo:
    defaults = _mapping(path / "defaults" / "main.yml")
    meta = _mapping(path / ROLE_FILE)
    entries = {str(k): v for k, v in (meta.get("versions") or {}).items()}
    versions = {
        k: str((v.get("apt") if isinstance(v, dict) else v) or "") for k, v in entries.items()
    }
    sources = {
        k: _source(v["source"])
        for k, v in entries.items()
        if isinstance(v, dict) and isinstance(v.get("source"), dict)
    }
    prefix = str(meta.get("var_prefix") or "")
    return RoleInfo(
        name=path.name,
        folder=path,
        params=frozenset(param_name(str(key), prefix) for key in defaults)
        | frozenset(meta.get("also_accepts", [])),
        var_prefix=prefix,
        versions=versions,
        sources=sources,
        default_version=str(meta.get("default_version") or ""),
        packages=tuple(str(p) for p in meta.get("packages", [])),
        package=str(meta.get("package") or ""),
        readback={str(k): str(v) for k, v in (meta.get("readback") or {}).items()},
        path_params=tuple(str(p) for p in meta.get("path_params") or []),
        package_params=tuple(str(p) for p in meta.get("package_params") or []),
        capabilities=tuple(str(c) for c in meta.get("capabilities") or []),
        params_schema={str(k): v for k, v in (meta.get("params_schema") or {}).items()},
        recognise=_recognise(meta.get("recognise")),
    )


def _source(entry: dict[str, Any]) -> VersionSource:
    """A version's ``source:`` as written; ``role check`` says what is wrong with a bad one."""
    components = entry.get("components") or ["main"]
    return VersionSource(
        url=str(entry.get("url") or "").rstrip("/"),
        suite=str(entry.get("suite") or ""),
        components=tuple(str(c) for c in components),
        key=str(entry.get("key") or ""),
    )


def _recognise(block: Any) -> Recognise:
    if not isinstance(block, dict):
        return Recognise()
    return Recognise(
        packages=tuple(str(p) for p in block.get("packages") or []),
        binary=str(block.get("binary") or ""),
        service=str(block.get("service") or ""),
    )


def param_name(variable: str, prefix: str) -> str:
    """The param a node gives for the role's variable ``variable`` (its prefix dropped)."""
    return variable.removeprefix(prefix) if prefix else variable


def _mapping(path: Path) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text()
    except OSError:
        return {}
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    return data if isinstance(data, dict) else {}
