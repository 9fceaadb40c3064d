"""Node params and files whose meaning rehearsal knows: files beside the profile, Debian packages.

A ``copy:`` file and each param a role lists under ``path_params`` in its
``meta/rehearsal.yml`` name a file beside the profile. Each is resolved relative to the file
that names it (an included fragment's own folder), must exist and must stay inside the folder
tree of the profile or of that fragment: a profile is a folder a team shares, and a path that
climbs out of it would ship whatever the machine running rehearsal happens to hold. A param
under ``package_params`` is a list of Debian packages baked into the node's image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rehearsal.errors import Problem
from rehearsal.models.catalog import RoleCatalog, RoleInfo
from rehearsal.models.profile import DEBIAN_PACKAGE, Node, Profile
from rehearsal.models.yamlfile import YamlDocument


def resolve_paths(
    profile: Profile, document: YamlDocument, top: Path, catalog: RoleCatalog
) -> tuple[Profile, list[Problem]]:
    """The profile with every ``copy:`` and path param absolute, and what is wrong with them."""
    problems: list[Problem] = []

    def absolute(loc: tuple[str | int, ...], given: Any) -> Any:
        found = _resolved(document, loc, top, given)
        if isinstance(found, Problem):
            problems.append(found)
            return given
        return found

    nodes = []
    for n, node in enumerate(profile.nodes):
        files = [
            file.model_copy(
                update={"copy_": absolute(("nodes", n, "files", f, "copy"), file.copy_)}
            )
            if file.copy_ is not None
            else file
            for f, file in enumerate(node.files)
        ]
        info = catalog.get(node.role)
        params = dict(node.params)
        for name in info.path_params if info else ():
            if name in params:
                params[name] = absolute(("nodes", n, "params", name), params[name])
        for name in info.package_params if info else ():
            problems += _packages(document, ("nodes", n, "params", name), params.get(name, []))
        nodes.append(node.model_copy(update={"files": files, "params": params}))
    return profile.model_copy(update={"nodes": nodes}), problems


def image_packages(node: Node, info: RoleInfo) -> tuple[str, ...]:
    """The node's extra packages and its role's package params, sorted: part of its image."""
    found = set(node.packages)
    for name in info.package_params:
        found.update(str(p) for p in node.params.get(name) or [])
    return tuple(sorted(found))


def _resolved(
    document: YamlDocument, loc: tuple[str | int, ...], top: Path, given: Any
) -> str | Problem:
    if not isinstance(given, str) or not given.strip():
        return document.problem(loc, f"{loc[-1]}: give a file's path, relative to this file")
    origin = document.origin(loc).resolve().parent
    path = (origin / Path(given).expanduser()).resolve()
    roots = {top.resolve(), origin}
    if not any(path.is_relative_to(root) for root in roots):
        return document.problem(
            loc,
            f"{loc[-1]}: {given!r} is outside the profile's folder ({path}); keep the file in the "
            f"profile's folder tree ({' or '.join(sorted(str(r) for r in roots))})",
        )
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        return document.problem(loc, f"{loc[-1]}: {given!r} {what} ({path}); check the path")
    return str(path)


def _packages(document: YamlDocument, loc: tuple[str | int, ...], given: Any) -> list[Problem]:
    if not isinstance(given, list):
        return [document.problem(loc, "give a list of Debian package names")]
    return [
        document.problem(
            (*loc, index),
            f"{name!r} is not a Debian package name: lower-case letters, digits, '+', '-' "
            "and '.', at least two",
        )
        for index, name in enumerate(given)
        if not isinstance(name, str) or not DEBIAN_PACKAGE.fullmatch(name)
    ]


SHIPPED = Path("/var/lib/rehearsal/params")
"""Where a path param's file is put on the node, in a folder of the param's name."""


def node_path(param: str, source: str) -> str:
    """Where the file a path param names is on the node: its own name is kept (pip wants a
    wheel's, dpkg a package's)."""
    return str(SHIPPED / param / Path(source).name)


def shipped(node: Node, info: RoleInfo) -> dict[str, str]:
    """Each path param the node gives: param → the file's absolute path here."""
    return {
        name: str(node.params[name])
        for name in info.path_params
        if isinstance(node.params.get(name), str)
    }
