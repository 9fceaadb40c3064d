"""The customer's own software in the mirror, without Docker: which image a node gets (its role,
version and extra packages) and whether a cached one is current, what converge is told to
ship, and the fidelity fact comparing a shipped artifact with the file beside the profile."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

from rehearsal.envs.base import CommandResult, NodeLimits
from rehearsal.envs.fidelity import check_fidelity
from rehearsal.envs.image_cache import cached_role_images
from rehearsal.envs.mirror import converge_vars
from rehearsal.envs.roles import PACKAGES_LABEL, RoleImage
from rehearsal.models.catalog import roles
from rehearsal.models.loading import catalog_of, load_profile, playbooks_dir
from rehearsal.models.role_params import image_packages

PROFILE = """\
customer: {name: Own software}
business: {targets: {rto: 1m}}
nodes:
  - name: app1
    role: service
    networks: [front]
    packages: [zstd, postgresql-client]
    params: {artifact: app.tgz, command: [app], packages: [python3-venv, zstd]}
  - {name: app2, role: service, networks: [front], packages: [postgresql-client, python3-venv,
     zstd], params: {command: [app]}}
  - {name: app3, role: service, networks: [front], params: {command: [app]}}
networks: [{name: front}]
"""


class Node:
    """A node that holds one file, as ``sha256sum`` prints it."""

    def __init__(self, path: str, content: bytes) -> None:
        self.path, self.content = path, content

    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult:
        if argv[:1] == ["sha256sum"] and argv[1] == self.path:
            return CommandResult(0, f"{hashlib.sha256(self.content).hexdigest()}  {argv[1]}", 0)
        return CommandResult(1, "not here", 0)

    def limits(self, node: str) -> NodeLimits:
        return NodeLimits(("front",), None, None)


def _profile(tmp_path: Path) -> Path:
    (tmp_path / "app.tgz").write_bytes(b"version 1")
    (tmp_path / "profile.yaml").write_text(PROFILE)
    return tmp_path / "profile.yaml"


def test_nodes_with_the_same_role_version_and_packages_share_one_image(tmp_path: Path) -> None:
    profile = load_profile(_profile(tmp_path))
    info = roles(playbooks_dir() / "roles")["service"]
    images = [RoleImage(n.role, "", info.folder, image_packages(n, info)) for n in profile.nodes]
    assert images[0].packages == ("postgresql-client", "python3-venv", "zstd")
    assert images[0] == images[1] and images[0] != images[2]
    tags = {image.tag("sha256:base") for image in images}
    assert len(tags) == 2
    assert images[2].tag("sha256:base") == RoleImage("service", "", info.folder).tag(
        "sha256:base"
    ), "a node without extra packages keeps the image its role alone has"


def test_converge_ships_each_path_param_and_hands_the_role_its_path_on_the_node(
    tmp_path: Path,
) -> None:
    profile = load_profile(_profile(tmp_path))
    info = roles(playbooks_dir() / "roles")["service"]
    found = converge_vars(profile.node("app1"), info)
    on_node = "/var/lib/rehearsal/params/artifact/app.tgz"
    assert found["service_artifact"] == on_node  # the role's variable (its var_prefix)
    assert found["rehearsal_shipped"] == [{"src": str(tmp_path / "app.tgz"), "dest": on_node}]
    assert found["rehearsal_packages"] == ["postgresql-client", "python3-venv", "zstd"]
    assert converge_vars(profile.node("app3"), info)["rehearsal_shipped"] == []


def test_fidelity_compares_a_shipped_artifact_with_the_file_beside_the_profile(
    tmp_path: Path,
) -> None:
    profile = load_profile(_profile(tmp_path))
    profile = profile.model_copy(update={"nodes": profile.nodes[:1]})
    node = Node("/var/lib/rehearsal/params/artifact/app.tgz", b"version 1")
    catalog = catalog_of(profile)
    [same] = [f for f in check_fidelity(node, profile, catalog) if f.aspect == "param"]
    assert (same.name, same.matches) == ("artifact", True)
    (tmp_path / "app.tgz").write_bytes(b"version 2")
    [changed] = [f for f in check_fidelity(node, profile, catalog) if f.aspect == "param"]
    assert not changed.matches
    assert changed.expected == f"sha256 {hashlib.sha256(b'version 2').hexdigest()[:12]}"


class Images:
    """An engine holding the base image and one role image, as ``images.list`` shows it."""

    def __init__(self, tag: str, labels: dict[str, str]) -> None:
        self.image = SimpleNamespace(
            id="sha256:role", tags=[tag], labels=labels, short_id="role", attrs={"Size": 1}
        )

    def get(self, name: str) -> SimpleNamespace:
        return SimpleNamespace(id="sha256:base")

    def list(self, filters: dict[str, str]) -> list[SimpleNamespace]:
        return [self.image]


def test_a_cached_image_with_extra_packages_is_current_not_stale() -> None:
    image = RoleImage(
        "service", "", playbooks_dir() / "roles" / "service", ("jq", "postgresql-client")
    )
    tag = image.tag("sha256:base")
    labels = {"rehearsal.role": "service", "rehearsal.version": "default"}
    packages = {PACKAGES_LABEL: "jq,postgresql-client"}
    for given, current in ((labels | packages, True), (labels, False)):
        client = SimpleNamespace(
            images=Images(tag, given), containers=SimpleNamespace(list=lambda all: [])
        )
        [cached] = cached_role_images(client, catalog_of(None))
        assert cached.current is current
