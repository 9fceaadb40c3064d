"""The event catalogue is the one definition writers, the journal check and derivation share."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import rehearsal
from rehearsal.journal.check import RUN_DEFAULTS, check_journal
from rehearsal.journal.events import CATALOGUE, EventMismatch, EventType, Kind
from rehearsal.journal.writer import Journal, read_journal

PACKAGE = Path(rehearsal.__file__).parent
WRITERS = (PACKAGE, PACKAGE.parent / "bench")
EVENT_NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
# Values the journal check accepts for the fields whose values it checks.
VALID = {"severity": "high", "category": "procedure", "status": "passed"}


def _sample(name: str, kind: Kind) -> object:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if str in kinds:
        return VALID.get(name, f"a {name}")
    return {bool: True, int: 1, float: 1.5, list: [], dict: {}}[kinds[0]]


def _required_only(event_type: EventType) -> dict[str, object]:
    fields = {name: _sample(name, kind) for name, kind in event_type.required.items()}
    if event_type.name == "finding.edited":
        fields["changes"] = {"status": "fixed"}  # the check refuses an edit that changes nothing
    return fields


def test_every_event_type_with_its_required_fields_is_written_and_kept(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.record("run.started", **_required_only(CATALOGUE["run.started"]))
        for event_type in CATALOGUE.values():
            journal.record(event_type.name, **_required_only(event_type))
    checked = check_journal(tmp_path)
    assert checked.problems == []
    assert [e["event"] for e in checked.events] == ["run.started", *CATALOGUE]


def test_an_unknown_event_is_refused_before_it_is_written(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        with pytest.raises(EventMismatch, match="'fault.injectd' is not in the catalogue"):
            journal.record("fault.injectd", fault="F1")
    assert read_journal(tmp_path) == []


def test_a_missing_required_field_is_refused(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        with pytest.raises(EventMismatch, match="'fault.reverted': missing: status"):
            journal.record("fault.reverted", fault="F1")
        with pytest.raises(EventMismatch, match="missing: title"):
            journal.record(
                "finding.added", id="F1", severity="low", category="procedure", title=None
            )


def test_an_undeclared_field_or_a_wrong_type_is_refused(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        with pytest.raises(EventMismatch, match="undeclared: stauts"):
            journal.record("fault.reverted", fault="F1", status="reverted", stauts="reverted")
        with pytest.raises(EventMismatch, match=r"of the wrong type: ok \(str\)"):
            journal.record("probe.sample", probe="shop-http", ok="yes")
    assert read_journal(tmp_path) == []


def test_optional_fields_may_be_left_out_or_none(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.record("fault.reverted", fault="F1", status="reverted", detail=None)
        journal.record("probe.sample", probe="shop-http", ok=True, latency_s=1)
    assert [e["event"] for e in read_journal(tmp_path)] == ["fault.reverted", "probe.sample"]


def test_the_check_fills_in_exactly_the_required_fields_of_a_run_start() -> None:
    assert list(CATALOGUE["run.started"].required) == ["run_id", *RUN_DEFAULTS]


def _record_calls() -> list[tuple[Path, int, str, list[str], bool]]:
    """Every ``.record("event", field=...)`` in the package and the benchmarks: event names
    and literal fields, and whether a ``**mapping`` gives more."""
    calls = []
    for path in sorted(p for folder in WRITERS for p in folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and node.args
            ):
                continue
            first = node.args[0]
            names = [first] if isinstance(first, ast.Constant) else []
            if isinstance(first, ast.IfExp):  # "alert.delivered" if ... else "alert.undelivered"
                names = [first.body, first.orelse]
            fields = [k.arg for k in node.keywords if k.arg is not None]
            spread = any(k.arg is None for k in node.keywords)
            for name in names:
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    calls.append((path, node.lineno, name.value, fields, spread))
    return calls


def test_every_writer_writes_a_catalogued_event_with_declared_fields() -> None:
    calls = _record_calls()
    assert len(calls) > 60, "the walk found the writers"
    drifted = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name} {fields}"
        for path, line, name, fields, spread in calls
        if name not in CATALOGUE
        or not set(fields) <= {*CATALOGUE[name].required, *CATALOGUE[name].optional}
        or not (spread or set(CATALOGUE[name].required) <= set(fields))
    ]
    assert drifted == []


def test_every_event_name_derivation_compares_is_in_the_catalogue() -> None:
    """A reader comparing against a misspelt or retired event name would silently see none."""
    derivation = sorted((PACKAGE / "results").rglob("*.py"))
    named = {
        (path.name, node.value)
        for path in derivation
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and EVENT_NAME.match(node.value)
    }
    assert len(named) > 30
    assert sorted(name for name in named if name[1] not in CATALOGUE) == []
