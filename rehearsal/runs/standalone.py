"""A mirror without a scenario (``rehearsal env up``): built, converged and left running."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rehearsal.envs.fidelity import Fact, check_fidelity
from rehearsal.envs.mirror import Mirror, Progress, attach
from rehearsal.envs.volumes import VolumeHost
from rehearsal.errors import RunRefused
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.loading import catalog_of, load_profile
from rehearsal.models.profile import Profile
from rehearsal.runs.admission import check_volume_room
from rehearsal.runs.session import new_run_id
from rehearsal.scenarios.probes import PROBES, AddressBook
from rehearsal.secrets.redaction import redactor_for
from rehearsal.secrets.resolve import resolve_secrets

READY_TIMEOUT_S = 120.0


def bring_up(
    profile: Profile, profile_path: Path, out_dir: Path, progress: Progress, fresh: bool = False
) -> tuple[str, dict[str, str]]:
    """Build and keep a mirror; a mirror that fails half-way is removed, not left behind."""
    check_volume_room(profile, profile_path, VolumeHost())
    profile = resolve_secrets(profile)
    run_id = new_run_id(profile_path)
    run_dir = (out_dir / run_id).resolve()
    with Journal(run_dir, redactor_for(profile) or None) as journal:
        journal.record("environment.requested", run_id=run_id, profile=str(profile_path.resolve()))
        mirror = Mirror(
            profile,
            run_id,
            run_dir,
            journal,
            keep=True,
            stack=ExitStack(),
            progress=progress,
            snapshots=not fresh,
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
        failing = wait_for_probes(profile, mirror.env, READY_TIMEOUT_S, progress)
        journal.record("environment.probes", failing=failing)
        if failing:
            progress(f"still failing after {READY_TIMEOUT_S:g} s: {', '.join(failing)}")
        mirror.env.close()
        return run_id, mirror.env.addresses()


def wait_for_probes(
    profile: Profile, env: AddressBook, timeout_s: float, progress: Progress
) -> list[str]:
    """Sample every probe of the profile until each has passed once: the mirror is ready
    when the customer's monitors say so. Returns the probes that never passed."""
    if not profile.probes:
        return []
    progress(f"waiting for {len(profile.probes)} probe(s) to pass")
    waiting = {spec.name: PROBES[spec.kind](spec.check, env) for spec in profile.probes}
    pause = min(spec.interval for spec in profile.probes)
    deadline = time.monotonic() + timeout_s
    while waiting and time.monotonic() < deadline:
        waiting = {name: probe for name, probe in waiting.items() if not probe.sample().ok}
        if waiting:
            time.sleep(pause)
    return sorted(waiting)


def check_kept(client: Any, run_dir: Path) -> list[Fact]:
    """Run the fidelity check again on a kept mirror; the result goes to its journal too."""
    events = read_journal(run_dir)
    asked = next(
        (e for e in events if e["event"] in ("run.started", "environment.requested")), None
    )
    if asked is None or "profile" not in asked:
        raise RunRefused(f"{run_dir}: the journal does not say which profile the mirror is of")
    run_id = asked.get("run_id") or run_dir.name
    env = attach(client, run_id, run_dir, events)
    if not env.nodes():
        raise RunRefused(f"run {run_id} has no nodes on this Docker engine; see `rehearsal env ls`")
    profile = load_profile(Path(asked["profile"]))
    try:
        facts = check_fidelity(env, profile, catalog_of(profile))
    finally:
        env.close()
    with Journal(run_dir) as journal:
        journal.record(
            "fidelity.checked",
            facts=[fact.as_dict() for fact in facts],
            differences=sum(not fact.matches for fact in facts),
            by="env check",
        )
    return facts
