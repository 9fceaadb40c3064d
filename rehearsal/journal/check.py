"""What a journal lacks, said in words, so a damaged or older journal still gives a report.

A run killed mid-write leaves a cut last line; a journal from an older version may lack
fields or carry events this version does not read. Events that would break derivation are
set aside and each gap becomes one sentence in the report, instead of a traceback.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import get_args

from rehearsal.journal.events import CATALOGUE, Event
from rehearsal.journal.writer import read_journal_lines
from rehearsal.models.vocabulary import Category, FindingStatus, Severity, StepStatus

ALLOWED: dict[str, tuple[str, ...]] = {
    "severity": get_args(Severity),
    "category": get_args(Category),
}
STATUS_OF = {"phase.finished", "step.finished", "runbook.step.finished"}
JOB_STATUSES = ("passed", "failed", "timed out")
JOB_TRIGGERS = ("step", "schedule")
# What a report shows for each field a run.started event lacks (run_id has its own).
RUN_DEFAULTS = {
    "kind": "rehearsal",
    "title": "untitled run",
    "customer": "unknown customer",
    "profile": "unknown",
    "scenario": "unknown",
    "team": {},
}


class NotAJournal(ValueError):
    """No run.started event: nothing says what run this was."""


@dataclass(frozen=True)
class CheckedJournal:
    events: list[Event]
    problems: list[str]


def check_journal(run_dir: Path) -> CheckedJournal:
    """Readable events that derivation can use, and a sentence for each gap found."""
    read = read_journal_lines(run_dir)
    problems: list[str] = []
    if read.last_line_cut:
        problems.append(
            "The journal's last line was cut short (the run was killed while writing); the run "
            "is incomplete and the report shows everything up to the last complete event."
        )
    if read.unreadable - read.last_line_cut > 0:
        problems.append(f"{read.unreadable - read.last_line_cut} unreadable line(s) were skipped.")
    started = next((e for e in read.events if e["event"] == "run.started"), None)
    if started is None:
        raise NotAJournal(
            f"{run_dir}: the journal has no run.started event; nothing says what run it was"
        )
    events, skipped, unknown = [], Counter[str](), Counter[str]()
    for event in read.events:
        kind = str(event["event"])
        if not _has_time(event):
            skipped[f"{kind} (no valid time)"] += 1
        elif kind == "run.started":
            events.append(_with_run_defaults(event, problems))
        elif kind not in CATALOGUE:
            events.append(event)
            unknown[kind] += 1
        elif required := CATALOGUE[kind].required:
            missing = [f for f in required if event.get(f) is None] + _bad_values(event)
            if missing:
                skipped[f"{kind} (missing or invalid: {', '.join(missing)})"] += 1
            else:
                events.append(event)
        else:
            events.append(event)
    problems += [f"{n} {what} event(s) were left out." for what, n in skipped.items()]
    if unknown:
        kinds = ", ".join(f"{kind} ({n})" for kind, n in sorted(unknown.items()))
        problems.append(
            f"Events this version does not read were kept only in the raw journal: {kinds}."
        )
    return CheckedJournal(events, problems)


def _has_time(event: Event) -> bool:
    try:
        return datetime.fromisoformat(str(event["at"])).tzinfo is not None
    except ValueError:
        return False


def _with_run_defaults(event: Event, problems: list[str]) -> Event:
    missing = [key for key in CATALOGUE["run.started"].required if event.get(key) is None]
    if not missing:
        return event
    problems.append(
        f"The run's start record lacks {', '.join(missing)} (an older journal?); "
        "placeholders are shown instead."
    )
    defaults = {**RUN_DEFAULTS, "run_id": "unknown-run"}
    return {**event, **{key: defaults[key] for key in missing}}


def _bad_values(event: Event) -> list[str]:
    bad = [key for key, allowed in ALLOWED.items() if key in event and event[key] not in allowed]
    if event["event"] in STATUS_OF and event["status"] not in get_args(StepStatus):
        bad.append("status")
    if event["event"] == "job.finished" and event["status"] not in JOB_STATUSES:
        bad.append("status")
    if event["event"] == "job.started" and event.get("trigger", "step") not in JOB_TRIGGERS:
        bad.append("trigger")
    if event["event"] == "finding.edited":
        changes = event.get("changes")
        allowed = {**ALLOWED, "status": get_args(FindingStatus)}
        if not isinstance(changes, dict) or any(
            changes[key] not in choices for key, choices in allowed.items() if key in changes
        ):
            bad.append("changes")
    return bad
