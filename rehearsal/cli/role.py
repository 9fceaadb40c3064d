"""`rehearsal role`: write a role of the customer's own, and check one keeps the contract."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from rehearsal.cli.console import out, say_plainly
from rehearsal.errors import InvalidInput, Problem

ROLE_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
"""What a node's ``role:`` accepts (rehearsal/models/base.py Name)."""

role_app = typer.Typer(
    help="The customer's own Ansible roles (beside the profile, in roles/).",
    no_args_is_help=True,
)


@role_app.command("new")
def role_new(
    name: Annotated[str, typer.Argument(help="the role's name, as a node's `role:` gives it")],
    folder: Annotated[
        Path,
        typer.Option("--dir", help="folder of roles to write it in (roles/ beside the profile)"),
    ] = Path("roles"),
) -> None:
    """Write a role that works as written: a tiny HTTP service with commented params, a read-back,
    packages baked into its image, and an init script that brings it back after a restart."""
    from rehearsal.cli.role_scaffold import write_role

    if not ROLE_NAME.fullmatch(name):
        message = f"role name {name!r}: lower-case letters, digits and '-', as a node's role"
        raise InvalidInput([Problem("<command line>", 1, 1, message)])
    try:
        target = write_role(name, folder)
    except FileExistsError:
        raise InvalidInput(
            [
                Problem(
                    str(folder / name), 1, 1, "a role is already there; pick another name or --dir"
                )
            ]
        ) from None
    out.print(f"wrote {target}; use it with `role: {name}` on a node", highlight=False)


@role_app.command("check")
def role_check(
    path: Annotated[Path, typer.Argument(help="the role's folder (e.g. roles/order-api)")],
) -> None:
    """Report where a role breaks the contract, as FILE:LINE:COL: undeclared params, read-backs
    that read nothing, converge tasks that need the network; exit 1 when it does."""
    from rehearsal.models.role_contract import check_role

    if not path.is_dir():
        raise InvalidInput([Problem(str(path), 1, 1, "not a folder; give a role's folder")])
    problems = check_role(path.resolve())
    for problem in problems:
        say_plainly(str(problem))
    if problems:
        raise typer.Exit(1)
    out.print(f"ok: role {path.resolve().name!r} keeps the contract", highlight=False)
