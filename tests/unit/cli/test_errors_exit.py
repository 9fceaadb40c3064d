"""Errors become exit codes in one place: whatever RehearsalError a command raises, the user
reads its message line by line and the command exits with the code its class carries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rehearsal import errors
from rehearsal.cli.app import _ErrorsExit
from tests.conftest import ROOT

ERRORS = [
    errors.InvalidInput([errors.Problem("drill.yaml", 3, 5, "unknown probe 'shop-htp'")]),
    errors.RunRefused("no new runs: emergency stop"),
    errors.ArchiveRefused("images.tar: no rehearsal-images.json"),
    errors.ReportRefused("unknown locale 'fr'; choose en or ja"),
    errors.PdfUnavailable("no headless Chromium"),
    errors.NoticeUndelivered("not sent: smtp.acme.example:587 refused the connection"),
    errors.EnvironmentFailure("the mirror could not be built"),
    errors.DockerUnavailable("cannot reach the Docker engine"),
    errors.ImageBuildFailure("mmdebstrap failed"),
    errors.ConvergeFailure("Ansible failed on app1", "TASK [shop-app] failed"),
    errors.SteadyStateNotReached("shop-http never passed"),
    errors.FaultFailure("container.stop on app1 could not be reverted"),
    errors.ReportsFolderFull(Path("/reports/run-1")),
    errors.RunCancelled("interrupted"),
    errors.RunStopped("a stop condition was reached"),
]


def test_every_error_class_is_exercised() -> None:
    def subclasses(cls: type) -> set[type]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    assert subclasses(errors.RehearsalError) == {type(error) for error in ERRORS}


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_an_error_prints_its_lines_and_exits_with_its_code(error: errors.RehearsalError) -> None:
    app = typer.Typer(cls=_ErrorsExit)

    @app.command()
    def fails() -> None:
        raise error

    @app.command()
    def other() -> None:  # with two commands, Typer keeps them as named subcommands
        raise AssertionError("not called")

    result = CliRunner().invoke(app, ["fails"])
    assert result.exit_code == type(error).exit_code
    assert result.output.splitlines() == str(error).splitlines()


def test_no_command_catches_rehearsal_errors_itself() -> None:
    """The mapping is the app's; a command that needs another exit for one error catches
    that error class by name (as `report` does for a file that is no journal)."""
    catching = []
    for path in sorted((ROOT / "rehearsal" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and "RehearsalError" in ast.unparse(
                node.type or ast.Constant(None)
            ):
                catching.append(path.name)
    assert catching == ["app.py"]
