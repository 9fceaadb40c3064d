"""People's decisions about findings after a run: add one, change its owner, status, words.

Each decision is appended to the run's journal (``finding.added``, ``finding.edited``, with
who and when), then results and reports are rebuilt from it: the journal stays the only
record, and a report shows who decided what.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from rehearsal.errors import ReportRefused
from rehearsal.journal.check import check_journal
from rehearsal.journal.finding_ids import first_free
from rehearsal.journal.writer import JOURNAL_NAME, Journal
from rehearsal.models.vocabulary import Category, FindingStatus, Severity
from rehearsal.report.rebuild import run_redactor
from rehearsal.results.findings import EDITABLE
from rehearsal.results.model import Finding

CHOICES: dict[str, tuple[str, ...]] = {
    "severity": get_args(Severity),
    "category": get_args(Category),
    "status": get_args(FindingStatus),
}
ADDED_PREFIX = "F"


def current_findings(run_dir: Path) -> list[Finding]:
    """The findings as they stand now (derived from the journal, not read from results.json)."""
    from rehearsal.results.derive import derive_results

    require_journal(run_dir)
    return derive_results(check_journal(run_dir).events).findings


def add_finding(run_dir: Path, by: str, fields: dict[str, str | None]) -> str:
    """Record a new finding; returns its id (F1, F2, …)."""
    given = {key: value for key, value in fields.items() if value is not None}
    _check_choices(given)
    for needed in ("severity", "category", "title"):
        if not given.get(needed):
            raise ReportRefused(f"a finding needs --{needed}")
    finding_id = first_free(ADDED_PREFIX, {finding.id for finding in current_findings(run_dir)})
    _append(run_dir, "finding.added", id=finding_id, by=by, **given)
    return finding_id


def edit_finding(run_dir: Path, finding_id: str, by: str, changes: dict[str, str | None]) -> None:
    given = {key: value for key, value in changes.items() if value is not None}
    unknown = [key for key in given if key not in EDITABLE]
    if unknown:
        raise ReportRefused(
            f"cannot change {', '.join(unknown)}; changeable: {', '.join(EDITABLE)}"
        )
    if not given:
        raise ReportRefused(
            "nothing to change; give at least one of --status, --owner, --severity…"
        )
    _check_choices(given)
    ids = [finding.id for finding in current_findings(run_dir)]
    if finding_id not in ids:
        known = ", ".join(ids) or "none yet"
        raise ReportRefused(f"no finding {finding_id!r} in {run_dir}; its findings: {known}")
    _append(run_dir, "finding.edited", id=finding_id, by=by, changes=given)


def require_journal(run_dir: Path) -> None:
    if not (run_dir / JOURNAL_NAME).is_file():
        raise ReportRefused(f"{run_dir}: no {JOURNAL_NAME} here; pass a run folder")


def _check_choices(given: dict[str, str]) -> None:
    for key, allowed in CHOICES.items():
        if key in given and given[key] not in allowed:
            raise ReportRefused(f"--{key} {given[key]!r}: choose one of {', '.join(allowed)}")


def _append(run_dir: Path, event: str, **fields: object) -> None:
    # The same secrets are masked as during the run: a note may quote a password.
    redact = run_redactor(check_journal(run_dir).events)
    with Journal(run_dir, redact) as journal:
        journal.record(event, **fields)
