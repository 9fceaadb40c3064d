"""Whether a run may start, decided once, before anything is built: no emergency stop in
force, its lab hosts free, inside the profile's lab windows (or forced), and every secret
the profile names at hand. Every front end (the CLI, the UI's flow, ``rehearsal.run``)
admits a plan here, so none checks twice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from rehearsal.runs.lab_window import check_lab_window
from rehearsal.runs.live import refuse_if_held, refuse_if_stopped
from rehearsal.scenarios.planning import Plan
from rehearsal.secrets.resolve import resolve_secrets


@dataclass(frozen=True)
class Admitted:
    """A plan allowed to run, its profile's secrets filled in (so never shown or stored:
    a run redacts them from everything it writes)."""

    plan: Plan
    forced: str | None = None
    """The warning to show when the run starts outside the lab windows only because forced."""


def admit(plan: Plan, force: bool = False, now: datetime | None = None) -> Admitted:
    """The plan, admitted; RunRefused (exit 2) saying what to do when it may not start."""
    refuse_if_stopped()
    refuse_if_held(plan.profile.lab_hosts())
    forced = check_lab_window(plan.profile, now or datetime.now(UTC), force)
    return Admitted(replace(plan, profile=resolve_secrets(plan.profile)), forced)
