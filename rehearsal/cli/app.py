"""The ``rehearsal`` command: its command groups, in the order ``--help`` lists them, and the
one place where an error becomes what the user reads and the exit code.

Heavy libraries (Prefect, Docker, Ansible) load only in the commands that use them, so
``--help`` answers at once (and ``validate`` quicker still: see cli/main.py).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from rehearsal.cli import (
    env,
    images,
    notice,
    profile,
    readiness,
    reports,
    role,
    run,
    serve,
    stop,
    validate,
)
from rehearsal.cli.console import say_plainly
from rehearsal.errors import RehearsalError


class _ErrorsExit(TyperGroup):
    """A RehearsalError from any command is printed line by line, as written, and exits with
    the code its class carries (rehearsal/errors.py): commands only raise."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except RehearsalError as error:
            for line in str(error).splitlines() or [type(error).__name__]:
                say_plainly(line)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=_ErrorsExit,
    name="rehearsal",
    help="Mirror a customer's system, break it on purpose, rehearse the runbook, and report "
    "what was found.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(env.env_app, name="env")
app.add_typer(images.images_app, name="images")
app.add_typer(role.role_app, name="role")
app.add_typer(profile.profile_app, name="profile")
app.add_typer(reports.findings_app, name="findings")
app.add_typer(reports.cases_app, name="cases")
for command in (
    reports.compare,
    validate.validate,
    validate.schema,
    run.run,
    serve.serve,
    serve.resume,
    stop.recover,
    stop.stop,
    reports.report,
    readiness.readiness,
    notice.notice,
    env.gc,
):
    app.command()(command)
