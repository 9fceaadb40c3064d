"""``rehearsal notice RUN_DIR``: the customer notice as a mail (notice.eml), sent only when
asked to with ``--send``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rehearsal.cli.console import out


def notice(
    run_dir: Annotated[Path, typer.Argument(help="a run folder whose reports are written")],
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to",
            metavar="ADDRESS",
            help="a recipient (repeat for more); instead of the profile's customer.contacts",
        ),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="ADDRESS", help="the From address; default the email channel's"
        ),
    ] = None,
    send: Annotated[
        bool,
        typer.Option("--send", help="send it through the profile's email: channel's SMTP server"),
    ] = False,
) -> None:
    """Write RUN_DIR/notice.eml: the notice as text and HTML, report.html and report.pdf
    (when printed) attached, addressed to the customer's contacts. Nothing is sent without
    --send; with it, the recipients and the server are printed first.
    """
    from rehearsal.errors import NoticeUndelivered
    from rehearsal.flows.adapters import install
    from rehearsal.report.notice_mail import (
        build_notice,
        run_profile,
        send_notice,
        write_notice_eml,
    )

    install()  # a login password may be a Prefect Secret block
    profile, redact = run_profile(run_dir)
    mail = build_notice(run_dir, profile, to or [], sender, redact)
    out.print(f"written: {write_notice_eml(run_dir, mail)}", highlight=False)
    out.print(f"to: {', '.join(mail.to)}", markup=False, highlight=False)
    if not send:
        via = f" through {mail.server.server}" if mail.server else ""
        out.print(f"not sent; pass --send to send it{via}", markup=False, highlight=False)
        return
    if mail.server is not None:
        out.print(f"sending through {mail.server.server} …", markup=False, highlight=False)
    delivery = send_notice(mail, profile)
    if not delivery.delivered:
        raise NoticeUndelivered(f"not sent: {delivery.detail}")
    out.print(f"sent: {delivery.detail}", markup=False, highlight=False)
