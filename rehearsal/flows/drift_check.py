"""The scheduled drift check: ``rehearsal profile diff`` as a flow run, whose table is an
artifact and whose state is Failed on a difference, so Prefect's automations and
notifications tell the team the profile went stale before a cutover."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.states import Completed, Failed

from rehearsal.envs.capture import CaptureAccess
from rehearsal.envs.capture_targets import targets_of
from rehearsal.envs.drift import Drift, drift_markdown, servers_drift
from rehearsal.models.loading import load_profile

DRIFT_FLOW = "rehearsal-drift"


def artifact_key(profile: Path, check: str | None = None) -> str:
    """``drift-<check name>`` (or ``<profile stem>`` run by hand) in the letters Prefect allows
    in a key (a-z, 0-9, -): two checks of one profile (two sites' servers) keep two tables."""
    named = check if check is not None else profile.stem
    stem = re.sub(r"[^a-z0-9-]+", "-", named.lower()).strip("-")
    return f"drift-{stem or 'profile'}"


@flow(name=DRIFT_FLOW, persist_result=False)
def rehearsal_drift(
    profile: str,
    hosts: list[str] | None = None,
    inventory: str | None = None,
    key: str | None = None,
    known_hosts: str = "~/.ssh/known_hosts",
    host_keys: Literal["strict", "accept-new", "off"] = "strict",
    check: str | None = None,
) -> State:
    """Read the servers, compare them with the profile, publish the table; Failed when they
    differ or one could not be read."""
    path = Path(profile)
    access = CaptureAccess(
        Path(key).expanduser() if key else None, Path(known_hosts).expanduser(), host_keys
    )
    targets = targets_of(hosts, Path(inventory) if inventory else None)
    found = servers_drift(load_profile(path), targets, access)
    markdown = drift_markdown(found, path.name)
    listing = json.dumps([d.as_dict() for d in found], indent=2)
    create_markdown_artifact(
        key=artifact_key(path, check),
        markdown=f"{markdown}\n```json\n{listing}\n```\n",
        description=f"How the servers differ from {path.name}",
    )
    get_run_logger().info("%s", markdown)
    if found:
        return Failed(message=_summary(found, path.name))
    return Completed(message=f"no differences: the servers are as {path.name} says")


def _summary(found: list[Drift], profile: str) -> str:
    """One line a notification can carry: how many differences, and each in brief."""
    said = "; ".join(f"{d.node} {d.aspect} {d.name}: {d.profile} → {d.servers}" for d in found)
    return f"{len(found)} differences from {profile}: {said}"
