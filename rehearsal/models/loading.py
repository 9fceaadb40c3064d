"""Load profiles and scenarios from YAML, and say precisely what is wrong with them."""

from __future__ import annotations

import os
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from rehearsal.errors import InvalidInput, Problem
from rehearsal.models.catalog import RoleCatalog, role_catalog
from rehearsal.models.includes import files, with_includes
from rehearsal.models.param_shapes import check_shapes
from rehearsal.models.profile import Profile
from rehearsal.models.references import check_profile
from rehearsal.models.role_params import resolve_paths
from rehearsal.models.suggest import did_you_mean
from rehearsal.models.yamlfile import YamlDocument, read_yaml

M = TypeVar("M", bound=BaseModel)


def playbooks_dir() -> Path:
    """``REHEARSAL_PLAYBOOKS``, else the playbooks a wheel ships inside the package, else the
    checkout's top-level ``playbooks/`` (an editable install)."""
    if "REHEARSAL_PLAYBOOKS" in os.environ:
        return Path(os.environ["REHEARSAL_PLAYBOOKS"])
    package = Path(__file__).parents[1]
    shipped = package / "playbooks"
    return shipped if shipped.is_dir() else package.parent / "playbooks"


def load_profile(path: Path) -> Profile:
    document = with_includes(read_yaml(path))
    profile = _templates_from(validate_model(Profile, document), document)
    folders, problems = _own_roles(profile, document, path)
    profile = profile.model_copy(update={"roles_path": [str(folder) for folder in folders]})
    profile, folder_problems = _apt_folder(profile, document)
    problems += folder_problems
    catalog = catalog_of(profile)
    profile, shipped = resolve_paths(profile, document, path.parent, catalog)
    problems += shipped + check_shapes(profile, document, catalog)
    problems += check_profile(profile, document, catalog)
    if problems:
        raise InvalidInput(problems)
    return _lab_paths_from(profile, path.parent)


def catalog_of(profile: Profile | None) -> RoleCatalog:
    """The roles a loaded profile may use: the shipped ones and its own folders (None: the
    shipped ones only)."""
    own = [Path(p) for p in profile.roles_path] if profile is not None else []
    return role_catalog(playbooks_dir() / "roles", own)


def _own_roles(
    profile: Profile, document: YamlDocument, path: Path
) -> tuple[list[Path], list[Problem]]:
    """The customer's role folders, absolute: ``roles/`` beside the profile and each fragment
    (when there is one), then each ``roles_path`` entry relative to the file naming it."""
    folders = [file.parent / "roles" for file in files(path)]
    folders = [folder for folder in folders if folder.is_dir()]
    problems = []
    for index, entry in enumerate(profile.roles_path):
        loc = ("roles_path", index)
        folder = (document.origin(loc).parent / Path(entry).expanduser()).resolve()
        if folder.is_dir():
            folders.append(folder)
        else:
            problems.append(
                document.problem(
                    loc,
                    f"roles_path: {entry!r} is not a folder ({folder}); give a folder of roles, "
                    "relative to this file",
                )
            )
    return list(dict.fromkeys(folders)), problems


def _apt_folder(profile: Profile, document: YamlDocument) -> tuple[Profile, list[Problem]]:
    """``lab.apt.folder``, absolute (relative to the file naming it): a folder of .deb files."""
    apt = profile.lab.apt
    if apt is None or apt.folder is None:
        return profile, []
    loc = ("lab", "apt", "folder")
    folder = (document.origin(loc).parent / Path(apt.folder).expanduser()).resolve()
    if not folder.is_dir() or not any(folder.glob("*.deb")):
        problem = document.problem(
            loc,
            f"lab.apt.folder: {apt.folder!r} ({folder}) is not a folder of .deb files; put the "
            "packages the role images need there (apt-get download NAME fetches one)",
        )
        return profile, [problem]
    lab = profile.lab.model_copy(update={"apt": apt.model_copy(update={"folder": str(folder)})})
    return profile.model_copy(update={"lab": lab}), []


def _templates_from(profile: Profile, document: YamlDocument) -> Profile:
    """Node file templates, absolute: each relative to the file (fragment) that names it."""
    nodes = []
    for n, node in enumerate(profile.nodes):
        files = [
            file.model_copy(
                update={
                    "template": str(
                        (document.origin(("nodes", n, "files", f, "template")).parent)
                        .joinpath(Path(file.template).expanduser())
                        .resolve()
                    )
                }
            )
            if file.template is not None
            else file
            for f, file in enumerate(node.files)
        ]
        nodes.append(node.model_copy(update={"files": files}) if node.files else node)
    return profile.model_copy(update={"nodes": nodes})


def _lab_paths_from(profile: Profile, folder: Path) -> Profile:
    """Lab hosts' key and known_hosts files, absolute: the run does not start where the
    profile is."""

    def absolute(name: str) -> str:
        return str((folder / Path(name).expanduser()).resolve())

    nodes = [
        node.model_copy(
            update={
                "lab_host": node.lab_host.model_copy(
                    update={
                        "key_file": absolute(node.lab_host.key_file)
                        if node.lab_host.key_file
                        else None,
                        "known_hosts": absolute(node.lab_host.known_hosts),
                    }
                )
            }
        )
        if node.lab_host is not None
        else node
        for node in profile.nodes
    ]
    return profile.model_copy(update={"nodes": nodes})


def validate_model(model: type[M], document: YamlDocument) -> M:
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        errors = _without_misspelt_missing(model, error.errors())
        raise InvalidInput([_problem(model, document, item) for item in errors]) from None


def _without_misspelt_missing(model: type[BaseModel], errors: list[Any]) -> list[Any]:
    """Drop "missing 'x'" when the same mapping has an unknown key that is a typo of 'x'."""
    import difflib

    typos = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            parent, key = tuple(error["loc"][:-1]), str(error["loc"][-1])
            for meant in difflib.get_close_matches(key, _fields_at(model, parent), 1, 0.6):
                typos.add((*parent, meant))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in typos)]


def _problem(model: type[BaseModel], document: YamlDocument, error: Any) -> Problem:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    where = ".".join(str(part) for part in _user_path(document, loc)) or "top level"
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        return document.problem(
            loc, f"unknown key {key!r} in {_parent(where)}{did_you_mean(key, allowed)}"
        )
    if kind == "missing":
        return document.problem(loc[:-1], f"{where}: missing required key {str(loc[-1])!r}")
    message = error["msg"].removeprefix("Value error, ")
    given = error.get("input")
    if kind not in ("value_error", "step_kind") and isinstance(given, str | int | float):
        message = f"{message} (got {given!r})"
    return document.problem(loc, f"{where}: {message}")


def _parent(where: str) -> str:
    head, _, _ = where.rpartition(".")
    return head or "the top level"


def _user_path(document: YamlDocument, loc: tuple[str | int, ...]) -> list[str | int]:
    """The parts of ``loc`` that are keys in the file (drops pydantic's union tags)."""
    node, path = document.data, []
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            path.append(part)
    return path


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Keys a model accepts at ``loc``, for 'did you mean' on unknown keys."""
    candidates: list[Any] = [model]
    for part in loc:
        following: list[Any] = []
        for candidate in candidates:
            following.extend(_step(candidate, part))
        candidates = following or candidates
    names: list[str] = []
    for candidate in candidates:
        for inner in _unwrap(candidate):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                names += [field.alias or name for name, field in inner.model_fields.items()]
    return names


def _unwrap(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return [inner for arg in get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> list[Any]:
    found: list[Any] = []
    for inner in _unwrap(annotation):
        origin = get_origin(inner)
        if isinstance(part, int) and origin is list:
            found.append(get_args(inner)[0])
        elif origin is dict:
            found.append(get_args(inner)[1])
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            for name, field in inner.model_fields.items():
                if part in (name, field.alias):
                    found.append(field.annotation)
    return found
