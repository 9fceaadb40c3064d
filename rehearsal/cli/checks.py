"""What `rehearsal validate` prints and exits with. Free of Typer and Rich, so that the
command's quick path (cli/main.py) loads neither."""

from __future__ import annotations

from pathlib import Path


def check_files(
    files: list[Path], scenario: Path | None = None, scenarios: Path | None = None
) -> int:
    """Print one plain, never-wrapped line a problem (editors and CI parse them), then the
    warnings; the exit status."""
    from rehearsal.scenarios.planning import file_warnings, validate_file

    problems = list(
        dict.fromkeys(
            problem for path in files for problem in validate_file(path, scenario, scenarios)
        )
    )
    for problem in problems:
        print(problem)
    if problems:
        return 2
    # A scenario and its profile validated together warn once about the profile.
    warnings = (warning for path in files for warning in file_warnings(path, scenarios))
    for warning in dict.fromkeys(warnings):
        print(warning)
    print(f"{len(files)} file(s) valid")
    return 0
