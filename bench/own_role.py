"""A profile whose nodes run the customer's own role (the one ``rehearsal role new`` writes,
beside the profile): its first image bake and its converge, against plain
``ansible-playbook`` of the same role on the same kind of containers.

The bake's baseline is the same by hand: a base-image container on the default bridge,
``ansible-playbook`` of the role's install tasks on it, ``docker commit``. Each side of the converge
gets its own mirror from the baked image; the second run is the warm, no-change one. The
role carries this run's token, so its image key is new and the first build really bakes;
the image is removed afterwards.
"""

from __future__ import annotations

import secrets
import time
from contextlib import ExitStack
from pathlib import Path

from bench.mirrors import bench_id, owned
from bench.options import Options
from bench.plain_ansible import plain_bake, plain_playbook
from bench.table import Figure
from rehearsal.cli.role_scaffold import write_role
from rehearsal.envs.ansible import HostVars, run_playbook
from rehearsal.envs.docker import docker_client
from rehearsal.envs.images import BASE_IMAGE, ensure_base_image
from rehearsal.envs.mirror import Mirror
from rehearsal.envs.roles import RoleImage
from rehearsal.journal.writer import Journal
from rehearsal.models.loading import load_profile, playbooks_dir

ROLE = "bench-api"
PROFILE = f"""\
customer: {{name: Bench Own Role}}
business: {{targets: {{rto: 1m}}}}
nodes:
  - {{name: api1, role: {ROLE}, networks: [app], params: {{bench_api_greeting: one}}}}
  - {{name: api2, role: {ROLE}, networks: [app], params: {{bench_api_greeting: two}}}}
networks: [{{name: app, internal: true}}]
"""


def _profile(folder: Path) -> Path:
    role = write_role(ROLE, folder / "roles")
    defaults = role / "defaults" / "main.yml"
    defaults.write_text(defaults.read_text() + f"# bench run {secrets.token_hex(4)}\n")
    path = folder / "profile.yaml"
    path.write_text(PROFILE)
    return path


def _hosts(mirror: Mirror) -> list[HostVars]:
    assert mirror.env is not None
    return [
        HostVars(n.name, mirror.env.address(n.name), n.role, n.version or "", n.params)
        for n in mirror.profile.nodes
    ]


def measure(options: Options) -> list[Figure]:
    client = docker_client()
    ensure_base_image(client)
    folder = options.workdir / bench_id("own-role")
    profile = load_profile(_profile(folder))
    converge = playbooks_dir() / "converge.yml"
    figures = []
    with (
        ExitStack() as stack,
        owned(client, bench_id("own-role")) as ours_id,
        owned(client, bench_id("own-role-ansible")) as plain_id,
        owned(client, bench_id("own-role-bake")) as bake_id,
    ):
        mirrors = []
        for run_id in (ours_id, plain_id):
            journal = stack.enter_context(Journal(folder / run_id))
            mirrors.append(
                Mirror(profile, run_id, folder / run_id, journal, False, stack, lambda _m: None)
            )
        ours, plain = mirrors
        roles = ours.catalog.folders
        started = time.monotonic()
        ours.prepare_images()
        bake = time.monotonic() - started
        baseline_bake = plain_bake(client, bake_id, folder, roles, ROLE)
        info = ours.catalog[ROLE]
        baked = RoleImage(ROLE, "", info.folder).tag(str(client.images.get(BASE_IMAGE).id))
        stack.callback(client.images.remove, baked, force=True)
        figures.append(
            Figure(
                "own_role",
                "own role: first image bake",
                "s",
                bake,
                baseline_bake,
                "docker run + ansible-playbook + commit",
                target=1.2 * baseline_bake,
            )
        )
        plain.prepare_images()
        ours.environment_up()
        plain.environment_up()
        assert ours.keys is not None and plain.keys is not None
        for attempt in ("first", "second (warm)"):
            workdir = folder / ours_id / f"ansible-{attempt.split()[0]}"
            report = run_playbook(converge, _hosts(ours), ours.keys.private_path, workdir, roles)
            baseline = plain_playbook(converge, _hosts(plain), plain.keys.private_path, roles)
            figures.append(
                Figure(
                    "own_role",
                    f"own role converge, {attempt} run",
                    "s",
                    report.duration_s,
                    baseline,
                    "ansible-playbook",
                    target=1.2 * baseline,
                    note=f"{sum(report.changed.values())} changes",
                )
            )
    return figures
