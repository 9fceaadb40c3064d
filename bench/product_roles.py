"""Each shipped product role of ``bench/product_profiles/ROLE.yaml``: its first image bake
and its converge (first, and second: warm, nothing to change), against plain
``ansible-playbook`` of the same role on the same kind of containers, in the same run.

A shipped role cannot be changed in place, so the benchmark runs on a copy of ``playbooks/``
(``REHEARSAL_PLAYBOOKS``) whose role's defaults end with this run's token: the role's image
key is new and the first build really bakes; the images it baked are removed afterwards. The
two mirrors of a profile are up one after the other, since a profile may fix its subnets
(keepalived's virtual IP needs one).
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.plain_ansible import plain_bake, plain_playbook
from bench.table import Figure
from rehearsal.envs.ansible import run_playbook
from rehearsal.envs.docker import docker_client
from rehearsal.envs.images import BASE_IMAGE, ensure_base_image
from rehearsal.envs.mirror import Mirror
from rehearsal.envs.roles import role_image
from rehearsal.journal.writer import Journal
from rehearsal.models.loading import load_profile, playbooks_dir
from rehearsal.models.profile import Profile

PROFILES = Path(__file__).with_name("product_profiles")
"""One minimal profile a role, named for it: ROLE.yaml."""
TARGET = 1.2
"""Ours may take a fifth longer than the baseline (ansible-runner's events, our inventory)."""


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    ensure_base_image(client)
    figures = []
    for path in sorted(PROFILES.glob("*.yaml")):
        figures += _product(client, path, options.workdir / bench_id(f"product-{path.stem}"))
    return figures


@contextmanager
def _fresh_playbooks(folder: Path, role: str) -> Iterator[None]:
    """rehearsal reads a copy of the playbooks whose ``role`` has a new image key."""
    copy = folder / "playbooks"
    shutil.copytree(playbooks_dir(), copy)
    defaults = copy / "roles" / role / "defaults" / "main.yml"
    defaults.write_text(defaults.read_text() + f"# bench run {secrets.token_hex(4)}\n")
    before = os.environ.get("REHEARSAL_PLAYBOOKS")
    os.environ["REHEARSAL_PLAYBOOKS"] = str(copy)
    try:
        yield
    finally:
        if before is None:
            del os.environ["REHEARSAL_PLAYBOOKS"]
        else:
            os.environ["REHEARSAL_PLAYBOOKS"] = before


def _mirror(profile: Profile, run_id: str, folder: Path, stack: ExitStack) -> Mirror:
    journal = stack.enter_context(Journal(folder / run_id))
    return Mirror(profile, run_id, folder / run_id, journal, False, stack, lambda _m: None)


def _remove_image(client: Any, tag: str) -> None:
    """The image this run baked, if the bake got that far."""
    import docker.errors

    try:
        client.images.remove(tag, force=True)
    except docker.errors.ImageNotFound:
        pass


def _product(client: Any, path: Path, folder: Path) -> list[Figure]:
    role = path.stem
    with (
        _fresh_playbooks(folder, role),
        ExitStack() as stack,
        owned(client, bench_id(f"{role}-ours")) as ours_id,
        owned(client, bench_id(f"{role}-ansible")) as plain_id,
        owned(client, bench_id(f"{role}-bake")) as bake_id,
    ):
        profile = load_profile(path)
        ours = _mirror(profile, ours_id, folder, stack)
        roles = ours.catalog.folders
        images = {role_image(node, ours.catalog[node.role]) for node in profile.nodes}
        base = str(client.images.get(BASE_IMAGE).id)
        for image in images:  # after both mirrors are down (the stack unwinds last in, first out)
            stack.callback(_remove_image, client, image.tag(base))
        started = time.monotonic()
        ours.prepare_images()
        bake = time.monotonic() - started
        baseline_bake = sum(
            plain_bake(
                client,
                bake_id,
                folder / str(index),
                roles,
                image.role,
                image.version,
                {"rehearsal_packages": list(image.packages)},
            )
            for index, image in enumerate(sorted(images, key=repr))
        )
        converge = playbooks_dir() / "converge.yml"
        ours.environment_up()
        assert ours.keys is not None
        runs = []
        for attempt in ("first", "second"):
            workdir = folder / ours_id / f"ansible-{attempt}"
            hosts = ours.hosts()
            runs.append(run_playbook(converge, hosts, ours.keys.private_path, workdir, roles))
        ours.teardown()
        plain = _mirror(profile, plain_id, folder, stack)
        plain.prepare_images()
        plain.environment_up()
        assert plain.keys is not None
        baselines = [
            plain_playbook(converge, plain.hosts(), plain.keys.private_path, roles)
            for _attempt in runs
        ]
        plain.teardown()
    figures = [
        Figure(
            "product_roles",
            f"{role}: first image bake",
            "s",
            bake,
            baseline_bake,
            "docker run + ansible-playbook + commit",
            target=TARGET * baseline_bake,
            note=f"{len(images)} image(s)",
        )
    ]
    for attempt, report, baseline in zip(("first", "second (warm)"), runs, baselines, strict=True):
        figures.append(
            Figure(
                "product_roles",
                f"{role}: converge, {attempt} run",
                "s",
                report.duration_s,
                baseline,
                "ansible-playbook",
                target=TARGET * baseline,
                note=f"{len(profile.nodes)} nodes, {sum(report.changed.values())} changes",
            )
        )
    return figures
