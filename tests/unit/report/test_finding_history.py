"""Findings followed across the runs of a reports folder: the same problem is the same
finding whatever its wording, with first and last seen, fixed-in, and decisions carried."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.report.finding_history import followed, read_folder, still_open
from rehearsal.results.findings import FindingMaker, fidelity_findings
from rehearsal.results.model import FidelityFact
from tests.reports_folder import at, decision, finding, write_run

runner = CliRunner()
STEP = {"runbook": "app-failover-to-standby", "step": "1"}


def _key(results: object, title_start: str) -> str:
    found = [f for f in results.findings if f.title.startswith(title_start)]  # type: ignore[attr-defined]
    assert len(found) == 1 and found[0].key
    return str(found[0].key)


def test_a_reworded_finding_keeps_its_key(tmp_path: Path) -> None:
    first = write_run(tmp_path, 1, [finding(at(1), "R9", "Runbook step 1 failed: Switch", STEP)])
    again = write_run(
        tmp_path, 2, [finding(at(2), "R4", "Step one of the fail-over broke: switch LB", STEP)]
    )
    assert (
        _key(first, "Runbook")
        == _key(again, "Step one")
        == ("procedure:runbook=app-failover-to-standby,step=1")
    )


def test_the_same_problem_on_another_node_is_another_finding() -> None:
    def facts(node: str) -> list[FidelityFact]:
        return [FidelityFact(node=node, aspect="version", name="nginx", expected="1.24",
                             actual="1.22", matches=False)]  # fmt: skip

    [app1], [app2] = fidelity_findings(facts("app1")), fidelity_findings(facts("app2"))
    assert app1.id == app2.id == "D1"  # run-local ids are the same; the keys are not
    assert app1.key == "environment:node=app1" and app2.key == "environment:node=app2"
    maker = FindingMaker("P")
    about = {"monitor": "checkout-down", "fired": "never"}
    for title in ("Monitor checkout-down never fired", "checkout-down stayed silent"):
        maker.add(severity="high", category="monitoring", title=title, detail="", phase=None,
                  recommendation="", about=about)  # fmt: skip
    assert maker.made[0].key == maker.made[1].key != app1.key


def test_an_older_journal_without_about_is_keyed_by_what_the_run_was_doing(
    tmp_path: Path,
) -> None:
    def revert_failed(day: float, title: str) -> list[dict[str, object]]:
        failed = {"at": at(day, 74).isoformat(), "event": "fault.reverted", "fault": "f1",
                  "status": "failed", "detail": "container gone"}  # fmt: skip
        return [failed, finding(at(day), "R7", title, None, category="environment")]

    old = write_run(tmp_path, 1, revert_failed(1, "Fault f1 (stop app1) could not be reverted"))
    newer = write_run(tmp_path, 2, revert_failed(2, "Could not undo the stop of app1"))
    key = "environment:fault=container.stop,stage=revert,target=app1"
    assert _key(old, "Fault") == _key(newer, "Could") == key


def test_first_and_last_seen_and_the_run_that_fixed_it(tmp_path: Path) -> None:
    slow = finding(at(1), "R5", "Runbook step 1 failed", STEP)
    write_run(tmp_path, 1, [slow])
    write_run(tmp_path, 2, [{**slow, "at": at(2).isoformat(), "title": "Step 1 failed again"}])
    write_run(tmp_path, 3, [])
    (series,) = read_folder(tmp_path).series
    by_key = {f.key: f for f in followed(series)}
    step = by_key["procedure:runbook=app-failover-to-standby,step=1"]
    assert (step.first_seen.run_id, step.last_seen.run_id, step.runs_seen) == ("run-1", "run-2", 2)
    assert step.fixed_in is not None and step.fixed_in.run_id == "run-3"
    assert not step.open and step.title == "Step 1 failed again"  # the latest wording
    pool = by_key["monitoring:question=o1"]  # the analyst's pool finding, in every run
    assert pool.open and pool.runs_seen == 3 and pool.fixed_in is None
    assert [f.key for f in still_open(read_folder(tmp_path))] == ["monitoring:question=o1"]


def test_an_owner_and_status_carry_over_and_the_latest_decision_wins(tmp_path: Path) -> None:
    step = finding(at(1), "R5", "Runbook step 1 failed", STEP)
    write_run(tmp_path, 1, [step, decision(at(1.5), "R5", owner="Kim Minji", status="accepted")])
    write_run(tmp_path, 2, [{**step, "at": at(2).isoformat(), "id": "R2"}])
    key = "procedure:runbook=app-failover-to-standby,step=1"
    (series,) = read_folder(tmp_path).series
    carried = next(f for f in followed(series) if f.key == key)
    assert (carried.owner, carried.status, carried.open) == ("Kim Minji", "accepted", False)
    reopened = decision(at(3.2), "R3", by="Sato Ren", owner="Sato Ren", status="open")
    write_run(tmp_path, 3, [{**step, "at": at(3).isoformat(), "id": "R3"}, reopened])
    (series,) = read_folder(tmp_path).series
    latest = next(f for f in followed(series) if f.key == key)
    assert (latest.owner, latest.status, latest.open) == ("Sato Ren", "open", True)
    mine = still_open(read_folder(tmp_path), owner="Sato Ren")
    assert [f.key for f in mine] == [key]


def test_a_finding_marked_fixed_that_comes_back_is_open_again(tmp_path: Path) -> None:
    step = finding(at(1), "R5", "Runbook step 1 failed", STEP)
    write_run(tmp_path, 1, [step, decision(at(1.5), "R5", status="fixed")])
    write_run(tmp_path, 2, [{**step, "at": at(2).isoformat()}])
    (series,) = read_folder(tmp_path).series
    back = next(f for f in followed(series) if f.key and "runbook" in f.key)
    assert back.status == "open" and back.open


def test_damaged_and_foreign_folders_are_skipped_with_the_reason(tmp_path: Path) -> None:
    write_run(tmp_path, 1, [])
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{not json")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "results.json").write_text('{"name": "another tool"}')
    (tmp_path / "photos").mkdir()
    (tmp_path / "killed").mkdir()
    (tmp_path / "killed" / "journal.jsonl").write_text("")
    (tmp_path / "cases.db").write_text("")  # a file beside the runs, not a run
    folder = read_folder(tmp_path)
    reasons = {s.folder.name: s.reason for s in folder.skipped}
    assert set(reasons) == {"broken", "foreign", "photos", "killed"}
    assert "damaged or not rehearsal's" in reasons["broken"]
    assert "run_id" in reasons["foreign"]
    assert reasons["photos"].startswith("not a run folder")
    assert "rehearsal report" in reasons["killed"]
    assert len(folder.series) == 1


def test_an_older_results_file_without_keys_is_keyed_from_its_journal(tmp_path: Path) -> None:
    write_run(tmp_path, 1, [finding(at(1), "R5", "Runbook step 1 failed", STEP)])
    path = tmp_path / "run-1" / "results.json"
    data = json.loads(path.read_text())
    for f in data["findings"]:
        del f["key"]
    path.write_text(json.dumps(data))
    (series,) = read_folder(tmp_path).series
    keys = {f.key for f in series.runs[0].findings}
    assert "procedure:runbook=app-failover-to-standby,step=1" in keys


def test_findings_open_prints_a_table_and_json_with_the_skipped(tmp_path: Path) -> None:
    write_run(tmp_path, 1, [finding(at(1), "R5", "Runbook step 1 failed", STEP)])
    (tmp_path / "broken").mkdir()
    table = runner.invoke(app, ["findings", "--open", str(tmp_path)], env={"COLUMNS": "300"})
    assert table.exit_code == 0, table.output
    assert "skipped" in table.output and "Runbook step 1 failed" in table.output
    as_json = runner.invoke(app, ["findings", "--open", str(tmp_path), "--json"])
    document = json.loads(as_json.stdout[as_json.stdout.index("{") :])
    assert [f["key"] for f in document["open"]][0].startswith("procedure:runbook=")
    assert document["open"][0]["first_seen"]["run_id"] == "run-1"
    assert document["skipped"][0]["folder"].endswith("broken")
    none = runner.invoke(app, ["findings", "--open", str(tmp_path), "--customer", "Nobody"])
    assert "nothing open" in none.output
