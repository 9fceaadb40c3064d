"""`rehearsal validate` and `rehearsal schema`: the input files checked, and their schema for
editors. Nothing here builds or runs anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rehearsal.cli.checks import check_files
from rehearsal.cli.console import out


def validate(
    files: Annotated[
        list[Path], typer.Argument(help="profiles, scenarios, drills files and answers files")
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(help="check answers files against this scenario (else their 'scenario:')"),
    ] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            help="folder a drills file's paths are relative to (as for serve; default: the "
            "drills file's own folder)"
        ),
    ] = None,
) -> None:
    """Check profiles, scenarios, drills files and answers files (told apart by their
    shape); print FILE:LINE:COL: message for each problem (and each warning, which does not
    fail the check)."""
    raise typer.Exit(check_files(files, scenario, scenarios))


def schema() -> None:
    """Print the JSON Schema of profiles and scenarios (for editors)."""
    from rehearsal.models.profile import Profile
    from rehearsal.scenarios.document import Scenario

    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "profile or scenario of rehearsal",
        "anyOf": [{"$ref": "#/$defs/Profile"}, {"$ref": "#/$defs/Scenario"}],
        "$defs": {
            "Profile": Profile.model_json_schema(ref_template="#/$defs/Profile/$defs/{model}"),
            "Scenario": Scenario.model_json_schema(ref_template="#/$defs/Scenario/$defs/{model}"),
        },
    }
    out.print_json(json.dumps(document))
