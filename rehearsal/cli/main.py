"""The ``rehearsal`` command's entry point (``[project.scripts]``, ``python -m rehearsal``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# No pydantic plugins are used; skipping their entry-point scan keeps `validate` quick.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def main() -> None:
    args = sys.argv[1:]
    if len(args) > 1 and args[0] == "validate" and not any(a.startswith("-") for a in args):
        # The call editors and CI make most skips Typer and Rich (about 0.05 s to load, and
        # Typer builds a validator for every parameter of every command on each call); the
        # command's help and options still go through the app.
        from rehearsal.cli.checks import check_files

        sys.exit(check_files([Path(arg) for arg in args[1:]]))
    from rehearsal.cli.app import app

    app()
