"""`rehearsal images`: the base node image, the cached role images made from it, and the
converged snapshots made from those."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rehearsal.cli.console import Reporter, out

if TYPE_CHECKING:
    from rehearsal.models.catalog import RoleCatalog

images_app = typer.Typer(help="The node images.", no_args_is_help=True)


@images_app.command("bootstrap")
def images_bootstrap() -> None:
    """Make the base node image: pulled when a registry answers, else built with mmdebstrap
    (from REHEARSAL_APT_MIRROR when it is set)."""
    from rehearsal.envs.apt_source import package_source
    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.images import BASE_IMAGE, base_image_present, ensure_base_image

    client = docker_client()
    if base_image_present(client):
        out.print(f"{BASE_IMAGE} is already there", highlight=False)
        return
    reporter = Reporter()
    with reporter.status:
        image = ensure_base_image(client, reporter, package_source(None))
    out.print(f"{BASE_IMAGE} built ({image[:19]})", highlight=False)


Profile = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="also judge the profile's own roles by their current files (an own role's "
        "image is otherwise judged by the folder it was baked from)",
    ),
]


def _catalog(profile: Path | None) -> RoleCatalog:
    from rehearsal.models.loading import catalog_of, load_profile

    return catalog_of(load_profile(profile) if profile is not None else None)


@images_app.command("ls")
def images_ls(profile: Profile = None) -> None:
    """List the cached role images (role, version, size, whether current, containers using it)
    and the converged snapshots (node, key, own size, last used)."""
    from rich.table import Table

    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.image_cache import cached_role_images
    from rehearsal.envs.snapshots import snapshots as list_snapshots

    images = cached_role_images(docker_client(), _catalog(profile))
    table = Table("image", "role", "version", "size", "created", "state", "containers")
    for image in images:
        state = "current" if image.current else "stale"
        size = f"{image.size_bytes / 1e6:.0f} MB"
        table.add_row(
            image.tag, image.role, image.version, size, image.created, state, str(image.in_use)
        )
    out.print(table)
    snapshots = list_snapshots(docker_client())
    if not snapshots:
        return
    shots = Table("snapshot", "node", "key", "size", "last used", "state", "containers")
    for snapshot in reversed(snapshots):
        shots.add_row(
            snapshot.tag,
            snapshot.node,
            snapshot.key[:12],
            f"{snapshot.size_bytes / 1e6:.0f} MB",
            snapshot.last_used or snapshot.created,
            "current" if snapshot.current else "stale",
            str(snapshot.in_use),
        )
    out.print(shots)


@images_app.command("prune")
def images_prune(
    everything: Annotated[
        bool, typer.Option("--all", help="also remove current images no container uses")
    ] = False,
    role: Annotated[str | None, typer.Option(help="only images of this role")] = None,
    profile: Profile = None,
) -> None:
    """Remove stale role images (made from older role files or an older base image), and the
    converged snapshots of role images no longer there (then the least recently used ones
    beyond REHEARSAL_SNAPSHOT_MAX_GB)."""
    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.image_cache import prune
    from rehearsal.envs.snapshots import bound_bytes
    from rehearsal.envs.snapshots import prune as prune_snapshots

    client = docker_client()
    shots = [] if role else prune_snapshots(client, everything, bound_bytes())
    removed = prune(client, _catalog(profile), everything, role)
    for tag in [s.tag for s in shots] + [image.tag for image in removed]:
        out.print(f"removed {tag}", highlight=False)
    freed = (sum(i.size_bytes for i in removed) + sum(s.size_bytes for s in shots)) / 1e6
    out.print(f"{len(removed) + len(shots)} image(s) removed ({freed:.0f} MB)", highlight=False)


@images_app.command("save")
def images_save(
    file: Annotated[Path, typer.Argument(help="the archive to write (replaced when done)")],
    profiles: Annotated[
        list[Path] | None,
        typer.Option("--profile", help="a profile whose nodes' images go in (repeatable)"),
    ] = None,
    scenarios: Annotated[
        list[Path] | None,
        typer.Option("--scenario", help="a scenario: its profile's images go in (repeatable)"),
    ] = None,
) -> None:
    """Write the base image and every role image the profiles need into one archive, for an
    engine with no network ([bold]images load[/]); images not made yet are made first."""
    import tempfile

    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.image_archive import needed_images, save
    from rehearsal.models.loading import load_profile
    from rehearsal.scenarios.planning import load_plan

    if not profiles and not scenarios:
        raise typer.BadParameter("give at least one --profile or --scenario", param_hint="FILE")
    if not file.parent.is_dir():
        raise typer.BadParameter(f"{file.parent} is not a folder", param_hint="FILE")
    loaded = [load_profile(path) for path in profiles or ()]
    loaded += [load_plan(path).profile for path in scenarios or ()]
    client = docker_client()
    reporter = Reporter()
    with reporter.status, tempfile.TemporaryDirectory(prefix="rehearsal-images-") as tmp:
        tags = needed_images(client, loaded, Path(tmp), reporter)
        reporter(f"saving {len(tags)} image(s) to {file}")
        written = save(client, tags, file)
    for image in written.manifest.images:
        out.print(f"{image.tag} {image.id[:19]}", highlight=False)
    size = file.stat().st_size / 1e6
    out.print(f"wrote {file} ({size:.0f} MB), sha256 {written.sha256}", highlight=False)


@images_app.command("load")
def images_load(
    file: Annotated[Path, typer.Argument(help="an archive written by [bold]images save[/]")],
) -> None:
    """Load an archive of [bold]images save[/], checked whole first: a damaged or foreign one
    is refused (exit 2) and nothing is loaded."""
    from rehearsal.envs.docker import docker_client
    from rehearsal.envs.image_archive import load

    manifest = load(docker_client(), file)
    for image in manifest.images:
        out.print(f"loaded {image.tag} {image.id[:19]}", highlight=False)
