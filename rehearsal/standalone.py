"""A mirror without a scenario (``rehearsal env up``): built, converged and left running."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from rehearsal.journal import Journal
from rehearsal.mirror import Mirror, Progress
from rehearsal.models.profile import Profile
from rehearsal.redaction import redactor_for
from rehearsal.secrets import resolve_secrets
from rehearsal.session import new_run_id


def bring_up(
    profile: Profile, profile_path: Path, out_dir: Path, progress: Progress
) -> tuple[str, dict[str, str]]:
    """Build and keep a mirror; a mirror that fails half-way is removed, not left behind."""
    profile = resolve_secrets(profile)
    run_id = new_run_id(profile_path)
    run_dir = (out_dir / run_id).resolve()
    with Journal(run_dir, redactor_for(profile) or None) as journal:
        journal.record("environment.requested", run_id=run_id, profile=str(profile_path))
        mirror = Mirror(
            profile, run_id, run_dir, journal, keep=True, stack=ExitStack(), progress=progress
        )
        try:
            mirror.prepare_images()
            mirror.environment_up()
            mirror.converge()
        except BaseException:
            if mirror.env is not None:
                mirror.env.down()
            raise
        assert mirror.env is not None
        mirror.env.ssh.close()
        return run_id, mirror.env.addresses()
