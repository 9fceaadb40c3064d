"""Closed labs, for real: role images baked with no route to Debian's mirror, their packages
from an apt-cacher-ng proxy or from a folder of .deb files; a mirror that does not answer
fails the bake at once; a role version comes from its own apt repository.

Each test role's install tasks first make sure the bake container cannot reach Debian's
mirror itself, so a bake that passes proves the configured source was the only one.
"""

from __future__ import annotations

import hashlib
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.apt_source import PackageSource, folder_index
from rehearsal.envs.docker import docker_client
from rehearsal.envs.images import BASE_IMAGE, ensure_base_image
from rehearsal.envs.keys import KeyPair, generate_key_pair
from rehearsal.envs.labels import NODE, RUN, owner_labels
from rehearsal.envs.roles import RoleImage, ensure_role_images
from rehearsal.envs.routes import engine_route
from rehearsal.errors import ImageBuildFailure
from rehearsal.models.loading import playbooks_dir
from tests.unit.envs.test_apt_source import make_deb

NO_ROUTE_OUT = """\
- name: Make sure Debian's mirror is out of reach (the configured source is the only one)
  ansible.builtin.command: curl -fsS --max-time 3 -o /dev/null http://deb.debian.org/debian/
  register: tiny_direct
  failed_when: tiny_direct.rc == 0
  changed_when: false
"""
INSTALL = (
    NO_ROUTE_OUT
    + """\
- name: Install {package}
  ansible.builtin.apt:
    name: "{package}"
    update_cache: true
    install_recommends: false
"""
)
PINNED = """\
- name: Install the version's package
  ansible.builtin.apt:
    name: "rehearsal-tiny={{ rehearsal_apt_version }}"
    update_cache: true
"""


@dataclass(frozen=True)
class Bake:
    client: Any
    keys: KeyPair
    labels: dict[str, str]
    run_dir: Path

    def role(self, install: str, meta: str = "packages: []\n") -> Path:
        """A role of the test's own (a fresh name, so its image tag is the test's alone)."""
        folder = self.run_dir / "roles" / f"tiny-{secrets.token_hex(3)}"
        for part in ("defaults", "tasks", "meta"):
            (folder / part).mkdir(parents=True)
        (folder / "defaults" / "main.yml").write_text("---\n{}\n")
        (folder / "tasks" / "main.yml").write_text("---\n[]\n")
        (folder / "tasks" / "install.yml").write_text("---\n" + install)
        (folder / "meta" / "rehearsal.yml").write_text(meta)
        return folder

    def bake(
        self, folder: Path, source: PackageSource, network: str | None = None, version: str = ""
    ) -> tuple[str, float]:
        """Bake the role's image; return its tag and the seconds it took."""
        wanted = RoleImage(folder.name, version, folder)
        started = time.monotonic()
        try:
            tags = ensure_role_images(
                self.client,
                {wanted},
                playbooks_dir(),
                self.keys,
                self.labels,
                self.run_dir / "images" / folder.name,
                engine_route(),
                source,
                network,
            )
        finally:
            self.assert_nothing_left()
        return tags[wanted], time.monotonic() - started

    def output(self, image: str, *argv: str) -> str:
        out = self.client.containers.run(image, list(argv), remove=True, labels=self.labels)
        return str(out.decode())

    def assert_nothing_left(self) -> None:
        """The bake removed its containers and its own network, passed or failed."""
        selector = {"label": f"{RUN}={self.labels[RUN]}"}
        containers = self.client.containers.list(all=True, filters=selector)
        assert not [c.name for c in containers if c.labels.get(NODE, "").startswith("build-")]
        networks = self.client.networks.list(filters=selector)
        assert not [n.name for n in networks if n.name.startswith("rehearsal-bake-")]


@pytest.fixture(scope="module")
def bake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bake]:
    run_dir = tmp_path_factory.mktemp("closed-lab")
    run_id = f"closed-lab-test-{secrets.token_hex(3)}"
    client = docker_client()
    ensure_base_image(client)
    labels = owner_labels(run_id, False, run_dir)
    baker = Bake(client, generate_key_pair(run_dir / "ssh", run_id), labels, run_dir)
    try:
        yield baker
    finally:
        selector = {"label": f"{RUN}={run_id}"}
        for container in client.containers.list(all=True, filters=selector):
            container.remove(force=True)
        for network in client.networks.list(filters=selector):
            network.remove()
        for image in client.images.list(filters={"reference": "rehearsal/role-tiny-*"}):
            if any(folder.name in tag for tag in image.tags for folder in _roles(run_dir)):
                client.images.remove(image.id, force=True)


def _roles(run_dir: Path) -> list[Path]:
    return list((run_dir / "roles").glob("tiny-*"))


@pytest.fixture(scope="module")
def proxy(bake: Bake) -> Iterator[tuple[str, str, Any]]:
    """apt-cacher-ng in a container on Docker's default bridge (its route out) and on an
    internal network: its address there, the network's name, the container."""
    client, labels = bake.client, bake.labels
    closed = client.networks.create(f"closed-{labels[RUN]}", internal=True, labels=labels)
    container = client.containers.run(
        BASE_IMAGE, ["sleep", "infinity"], detach=True, labels=labels, init=True
    )
    install = ["sh", "-c", "apt-get update -qq && apt-get install -y -qq apt-cacher-ng"]
    code, output = container.exec_run(install, environment={"DEBIAN_FRONTEND": "noninteractive"})
    assert code == 0, output.decode()[-2000:]
    container.exec_run(
        ["/usr/sbin/apt-cacher-ng", "-c", "/etc/apt-cacher-ng", "ForeGround=1"], detach=True
    )
    closed.connect(container)
    container.reload()
    address = container.attrs["NetworkSettings"]["Networks"][closed.name]["IPAddress"]
    ready = ["sh", "-c", "for i in $(seq 50); do curl -s -o /dev/null localhost:3142 && exit 0; "
             "sleep 0.2; done; exit 1"]  # fmt: skip
    assert container.exec_run(ready).exit_code == 0
    yield address, closed.name, container


def test_a_role_bakes_through_a_proxy_from_a_network_without_a_route_out(
    bake: Bake, proxy: tuple[str, str, Any]
) -> None:
    address, network, container = proxy
    source = PackageSource(f"http://{address}:3142/deb.debian.org/debian", setting="the test")
    cold, cold_s = bake.bake(bake.role(INSTALL.format(package="tree")), source, network)
    warm, warm_s = bake.bake(bake.role(INSTALL.format(package="tree")), source, network)
    print(f"\nbake through apt-cacher-ng: cold {cold_s:.1f} s, warm {warm_s:.1f} s")
    for image in (cold, warm):
        status = bake.output(image, "dpkg-query", "-W", "-f", "${Status}\n", "tree")
        assert status == "install ok installed\n"
        # The image carries no trace of the lab's source: Debian's sources.list, no lists.
        shown = "ls -A /etc/apt /etc/apt/apt.conf.d /var/lib/apt/lists; cat /etc/apt/sources.list"
        left = bake.output(image, "sh", "-c", shown)
        assert "rehearsal-bake" not in left and "3142" not in left
        assert "deb http://deb.debian.org/debian bookworm main" in left
    log = container.exec_run(["cat", "/var/log/apt-cacher-ng/apt-cacher.log"]).output.decode()
    # apt-cacher-ng names Debian's archives debrep and secdeb; I: fetched, O: served.
    tree = "debrep/pool/main/t/tree/tree_"
    fetched = [line for line in log.splitlines() if "|I|" in line and tree in line]
    assert log.count(f"|{tree}") == 3 and len(fetched) == 1  # fetched once, served twice
    assert "debrep/dists/bookworm/" in log and "secdeb/dists/bookworm-security/" in log


def test_a_role_bakes_from_a_folder_of_debs_alone(bake: Bake) -> None:
    folder = bake.run_dir / "debs"
    folder.mkdir()
    make_deb(folder, "rehearsal-tiny", "1.0")
    source = PackageSource(folder=folder, setting="lab.apt.folder in the test")
    image, seconds = bake.bake(bake.role(INSTALL.format(package="rehearsal-tiny")), source)
    print(f"\nbake from a folder of .deb files: {seconds:.1f} s")
    assert bake.output(image, "cat", "/usr/share/rehearsal-tiny/version") == "1.0\n"
    assert "apt-folder" not in bake.output(image, "ls", "/var/lib/rehearsal")

    with pytest.raises(ImageBuildFailure) as caught:
        bake.bake(bake.role(INSTALL.format(package="rehearsal-absent")), source)
    message = str(caught.value)
    assert "rehearsal-absent" in message
    assert f"the folder {folder}, lab.apt.folder in the test, is the only package source" in message


def test_an_unreachable_mirror_fails_the_bake_at_once_with_its_url(bake: Bake) -> None:
    source = PackageSource("http://127.0.0.1:9/debian", setting="REHEARSAL_APT_MIRROR")
    started = time.monotonic()
    with pytest.raises(ImageBuildFailure) as caught:
        bake.bake(bake.role(INSTALL.format(package="tree")), source)
    assert time.monotonic() - started < 20
    message = str(caught.value)
    assert "package source http://127.0.0.1:9/debian/dists/bookworm/Release did not answer" in (
        message
    )
    assert "from the bake container's network" in message and "REHEARSAL_APT_MIRROR" in message


def _repository(root: Path) -> None:
    """A Debian-format repository (suite ``local``, component ``main``) holding
    rehearsal-tiny 2.0, indexed with dpkg-scanpackages and described by a Release file."""
    pool = root / "pool"
    pool.mkdir(parents=True)
    make_deb(pool, "rehearsal-tiny", "2.0")
    binary = root / "dists" / "local" / "main" / "binary-amd64"
    binary.mkdir(parents=True)
    packages = folder_index(root).replace(b"Filename: ./pool/", b"Filename: pool/")
    (binary / "Packages").write_bytes(packages)
    digest = hashlib.sha256(packages).hexdigest()
    (root / "dists" / "local" / "Release").write_text(
        "Suite: local\nCodename: local\nArchitectures: amd64\nComponents: main\n"
        f"SHA256:\n {digest} {len(packages)} main/binary-amd64/Packages\n"
    )


def test_a_role_version_comes_from_its_own_apt_repository(bake: Bake) -> None:
    root = bake.run_dir / "repository"
    _repository(root)
    server = bake.client.containers.run(
        BASE_IMAGE, ["sleep", "infinity"], detach=True, labels=bake.labels, init=True
    )
    tar = bake.run_dir / "repository.tar"
    subprocess.run(["tar", "-cf", str(tar), "-C", str(root), "."], check=True)
    server.exec_run(["mkdir", "-p", "/srv/repository"])
    server.put_archive("/srv/repository", tar.read_bytes())
    http = ["python3", "-m", "http.server", "8000", "--directory", "/srv/repository"]
    server.exec_run(http, detach=True)
    server.reload()
    url = f"http://{server.attrs['NetworkSettings']['IPAddress']}:8000"
    meta = (
        'default_version: "1"\nversions:\n  "1": "1.*"\n'
        f'  "2": {{apt: "2.*", source: {{url: "{url}", suite: local, components: [main]}}}}\n'
    )
    try:
        image, seconds = bake.bake(bake.role(PINNED, meta), PackageSource(), version="2")
    finally:
        server.remove(force=True)
    print(f"\nbake of a version from its own repository: {seconds:.1f} s")
    assert bake.output(image, "cat", "/usr/share/rehearsal-tiny/version") == "2.0\n"
    assert "rehearsal-bake" not in bake.output(image, "ls", "/etc/apt", "/etc/apt/apt.conf.d")
