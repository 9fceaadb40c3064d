"""Whether a run may start, decided once, before anything is built: no emergency stop in
force, its lab hosts free, inside the profile's lab windows (or forced), and every secret
the profile names at hand, and room on this host for its data volumes. Every front end
(the CLI, the UI's flow, ``rehearsal.run``) admits a plan here, so none checks twice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from rehearsal.envs.routes import engine_route
from rehearsal.envs.volumes import VolumeHost
from rehearsal.errors import InvalidInput
from rehearsal.models.includes import with_includes
from rehearsal.models.profile import Profile
from rehearsal.models.yamlfile import read_yaml
from rehearsal.runs.lab_window import check_lab_window
from rehearsal.runs.live import refuse_if_held, refuse_if_stopped
from rehearsal.scenarios.planning import Plan
from rehearsal.secrets.resolve import resolve_secrets


@dataclass(frozen=True)
class Admitted:
    """A plan allowed to run, its profile's secrets filled in (so never shown or stored:
    a run redacts them from everything it writes)."""

    plan: Plan
    forced: str | None = None
    """The warning to show when the run starts outside the lab windows only because forced."""


def admit(
    plan: Plan, force: bool = False, now: datetime | None = None, volumes: VolumeHost | None = None
) -> Admitted:
    """The plan, admitted; RunRefused (exit 2) saying what to do when it may not start."""
    check_volume_room(plan.profile, plan.profile_path, volumes or VolumeHost())
    refuse_if_stopped()
    refuse_if_held(plan.profile.lab_hosts())
    forced = check_lab_window(plan.profile, now or datetime.now(UTC), force)
    return Admitted(replace(plan, profile=resolve_secrets(plan.profile)), forced)


def check_volume_room(profile: Profile, path: Path, host: VolumeHost) -> None:
    """InvalidInput (exit 2, at the profile's line) when a data volume, or all the run's
    together, is bigger than the free space of the folder that holds the backing files.
    The files are sparse, but a disk-fill writes them full. A tmpfs fallback uses memory,
    which the node's own limit bounds."""
    if host.backing(engine_route().engine).kind != "loop":
        return
    sized = [
        (n, v, volume.size_bytes)
        for n, node in enumerate(profile.nodes)
        if node.lab_host is None
        for v, volume in enumerate(node.volumes)
    ]
    if not sized:
        return
    free, total = host.free_bytes(), sum(size for _n, _v, size in sized)
    if total <= free:
        return
    document = with_includes(read_yaml(path))
    room = f"{free / 1024**3:.1f} GiB free in {host.root}"
    big = [(n, v) for n, v, size in sized if size > free]
    problems = [
        document.problem(
            ("nodes", n, "volumes", v, "size"),
            f"this volume is bigger than this host can give ({room}); make it smaller, "
            "or free space there (or set REHEARSAL_VOLUMES_DIR to a larger disk)",
        )
        for n, v in big
    ] or [
        document.problem(
            ("nodes", sized[-1][0], "volumes", sized[-1][1], "size"),
            f"the run's volumes together ({total / 1024**3:.1f} GiB) are more than this host "
            f"can give ({room}); make them smaller, or free space there",
        )
    ]
    raise InvalidInput(problems)
