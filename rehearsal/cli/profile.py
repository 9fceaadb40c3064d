"""`rehearsal profile capture`: read the customer's servers over SSH into a draft profile."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from rehearsal.cli.console import err, out, say_plainly

if TYPE_CHECKING:
    from rehearsal.models.captured import Capture

profile_app = typer.Typer(
    help="Customer profiles from the customer's servers.", no_args_is_help=True
)

Hosts = Annotated[
    list[str] | None,
    typer.Option("--hosts", help="a server as USER@HOST[:PORT] (repeat for more)"),
]
Inventory = Annotated[
    Path | None,
    typer.Option("--inventory", "-i", help="an Ansible inventory (INI or YAML) of the servers"),
]
KeyFile = Annotated[
    Path | None, typer.Option("--key", help="private key to log in with (else the SSH agent)")
]
KnownHosts = Annotated[
    Path, typer.Option("--known-hosts", help="the known_hosts file host keys are checked against")
]
HostKeys = Annotated[
    Literal["strict", "accept-new", "off"],
    typer.Option(
        "--host-keys",
        help="strict: the host must be in known_hosts; accept-new: record a new host, refuse "
        "a changed key; off: no check (a throwaway lab only)",
    ),
]
RolesDir = Annotated[
    list[Path] | None,
    typer.Option("--roles", help="a folder of the customer's own roles to recognise too"),
]


@profile_app.command("capture")
def capture(
    hosts: Hosts = None,
    inventory: Inventory = None,
    key: KeyFile = None,
    known_hosts: KnownHosts = Path("~/.ssh/known_hosts"),
    host_keys: HostKeys = "strict",
    roles: RolesDir = None,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="write the draft here (else stdout)")
    ] = None,
) -> None:
    """Read the customer's servers over SSH into a draft profile to review.

    Read-only: nothing is changed or installed. Captured: OS, size, disks, networks, the
    products of every role that recognises itself with their versions and read-back params,
    services, ports, cron jobs and timers, proposed probes, and what matched no role. Secrets
    are never copied. Exit 1 when a host could not be read (the draft says it is partial)."""
    from rehearsal.models.draft import draft_profile

    own = [folder.resolve() for folder in roles or []]
    captured = _read(hosts, inventory, key, known_hosts, host_keys, own)
    base = (output or Path("profile.yaml")).resolve().parent
    text = draft_profile(captured, [os.path.relpath(folder, base) for folder in own])
    for unreached in captured.unreached:
        say_plainly(unreached.reason)
    if output is None:
        out.print(text, end="", markup=False, highlight=False)
    else:
        output.write_text(text)
        count = len(captured.hosts) + len(captured.unreached)
        err.print(
            f"wrote {output} ({len(captured.hosts)} of {count} hosts); review it, then "
            f"`rehearsal validate {output}`",
            highlight=False,
        )
    if captured.partial:
        raise typer.Exit(1)


@profile_app.command("diff")
def diff(
    profile: Annotated[Path, typer.Argument(help="the customer profile to keep honest")],
    hosts: Hosts = None,
    inventory: Inventory = None,
    key: KeyFile = None,
    known_hosts: KnownHosts = Path("~/.ssh/known_hosts"),
    host_keys: HostKeys = "strict",
    as_json: Annotated[bool, typer.Option("--json", help="print the differences as JSON")] = False,
) -> None:
    """Say how the customer's servers have drifted from the profile.

    A node gone or added, another product, a version upgraded, a param changed, a job added,
    gone or rescheduled (only what the profile states is compared). Exit 1 on a difference,
    and when a server could not be read."""
    import json

    from rich.table import Table

    from rehearsal.envs.capture import CaptureAccess
    from rehearsal.envs.capture_targets import targets_of
    from rehearsal.envs.drift import COLUMNS, servers_drift
    from rehearsal.models.loading import load_profile

    loaded = load_profile(profile)
    access = CaptureAccess(key, known_hosts.expanduser(), host_keys)
    found = servers_drift(loaded, targets_of(hosts, inventory), access)
    if as_json:
        out.print_json(json.dumps([d.as_dict() for d in found]))
    elif found:
        table = Table(*COLUMNS)
        for d in found:
            table.add_row(*d.row())
        out.print(table)
    else:
        out.print(f"no drift: the servers are as {profile} says", highlight=False)
    if found:
        raise typer.Exit(1)


def _read(
    hosts: list[str] | None,
    inventory: Path | None,
    key: Path | None,
    known_hosts: Path,
    host_keys: Literal["strict", "accept-new", "off"],
    own: list[Path],
) -> Capture:
    """The servers named on the command line or in the inventory, read."""
    from rehearsal.envs.capture import CaptureAccess, capture
    from rehearsal.envs.capture_targets import targets_of
    from rehearsal.models.catalog import role_catalog
    from rehearsal.models.loading import playbooks_dir

    targets = targets_of(hosts, inventory)
    catalog = role_catalog(playbooks_dir() / "roles", own)
    return capture(targets, CaptureAccess(key, known_hosts.expanduser(), host_keys), catalog)
