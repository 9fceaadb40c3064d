"""The shared lab host's allowed hours: a run outside the profile's lab windows refuses to
start unless forced, so one team's drill does not land on another's booked time."""

from __future__ import annotations

from datetime import datetime

from rehearsal.errors import RunRefused
from rehearsal.models.profile import Profile


def check_lab_window(profile: Profile, now: datetime, force: bool) -> str | None:
    """None when the run may start; a warning to print when it starts only because forced."""
    calendar = profile.calendar
    if calendar is None or calendar.lab_allowed(now):
        return None
    local = calendar.local(now)
    allowed = "; ".join(w.describe() for w in calendar.lab_windows)
    said = (
        f"it is {local:%a %H:%M} in {calendar.timezone}, outside the lab windows of "
        f"this profile ({allowed})"
    )
    if not force:
        raise RunRefused(f"{said}; run inside a window, or pass --force if the lab is yours now")
    return f"warning: {said}; running anyway (--force)"
