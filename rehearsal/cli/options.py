"""What several commands accept alike: folders, the report language, a run named by id or
folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rehearsal.cli.console import err

DEFAULT_OUT = Path("reports")
DEFAULT_SCENARIOS = Path("examples")
Locale = Annotated[str | None, typer.Option(help="language of the customer-facing wording: en, ja")]
OutDir = Annotated[Path, typer.Option("--out", help="folder for run folders")]


def run_folder(run: str, out_dir: Path) -> Path:
    """The folder of a run given by id (under ``--out``) or by folder; exit 2 without a
    journal there."""
    run_dir = Path(run) if Path(run).is_dir() else out_dir / run
    if not (run_dir / "journal.jsonl").is_file():
        err.print(f"{run_dir}: no journal.jsonl here; pass a run id or folder", highlight=False)
        raise typer.Exit(2)
    return run_dir
