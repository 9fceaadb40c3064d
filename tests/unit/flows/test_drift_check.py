"""Drift checks of a drills file: deployments of the drift flow on their schedule, and what
is wrong with a bad entry, at its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rehearsal.envs.drift import Drift, drift_markdown
from rehearsal.errors import InvalidInput
from rehearsal.flows.deployments import build_deployments
from rehearsal.flows.drift_check import DRIFT_FLOW, artifact_key
from rehearsal.scenarios.planning import load_drift_checks, load_drills, validate_file
from tests.conftest import EXAMPLES


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drills.yaml"
    path.write_text(text)
    return path


def test_a_drift_check_is_deployed_with_its_schedule_and_parameters(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        """\
drift_checks:
  - name: webshop-drift
    profile: webshop/profile.yaml
    hosts: [root@10.0.0.5, admin@10.0.0.6:2222]
    cron: "0 6 * * 1-5"
    timezone: Asia/Seoul
    host_keys: accept-new
""",
    )
    assert load_drills(path, EXAMPLES) == []
    checks = load_drift_checks(path, EXAMPLES)
    *_, check = build_deployments(EXAMPLES, tmp_path / "reports", [], drift_checks=checks)
    assert (check.name, check.flow_name) == ("webshop-drift", DRIFT_FLOW)
    assert check.parameters == {
        "profile": str((EXAMPLES / "webshop" / "profile.yaml").resolve()),
        "hosts": ["root@10.0.0.5", "admin@10.0.0.6:2222"],
        "known_hosts": "~/.ssh/known_hosts",
        "host_keys": "accept-new",
        "check": "webshop-drift",
    }
    [schedule] = check.schedules
    assert schedule.schedule.cron == "0 6 * * 1-5"
    assert str(schedule.schedule.timezone) == "Asia/Seoul"
    assert "drift-check" in check.tags
    assert validate_file(path, None, EXAMPLES) == []


@pytest.mark.parametrize(
    ("entry", "line", "expected"),
    [
        ('cron: "0 6 * * *"', 2, "needs 'hosts:' (USER@HOST[:PORT] entries) or 'inventory:'"),
        ("hosts: [root@10.0.0.5]", 2, "has no schedule; add 'cron:'"),
        ('hosts: ["root@bad host"]\n    cron: "0 6 * * *"', 4, "is not a host; write USER@HOST"),
        ('inventory: webshop/none.ini\n    cron: "0 6 * * *"', 4, "'webshop/none.ini' not found"),
        ('hosts: [root@h]\n    cron: "0 6 * *"', 5, "five fields"),
    ],
)
def test_a_bad_drift_check_is_reported_at_its_line(
    tmp_path: Path, entry: str, line: int, expected: str
) -> None:
    text = f"drift_checks:\n  - name: d\n    profile: webshop/profile.yaml\n    {entry}\n"
    path = _file(tmp_path, text)
    with pytest.raises(InvalidInput) as refused:
        load_drift_checks(path, EXAMPLES)
    [problem] = refused.value.problems
    assert problem.line == line and expected in problem.message, problem


def test_the_artifact_table_has_a_row_a_difference_and_a_sentence_when_none() -> None:
    found = [Drift("db1", "param", "max_connections", "100", "a|b")]
    table = drift_markdown(found, "profile.yaml")
    assert "| db1 | param | max_connections | 100 | a\\|b |" in table.splitlines()
    assert drift_markdown([], "profile.yaml").startswith("no differences")
    assert artifact_key(Path("/x/Acme_Profile.v2.yaml")) == "drift-acme-profile-v2"
    assert artifact_key(Path("/x/profile.yaml"), "Site B") == "drift-site-b", "a table a check"


def test_two_entries_of_one_name_are_refused_at_the_second(tmp_path: Path) -> None:
    entry = "  - name: {name}\n    profile: webshop/profile.yaml\n    hosts: [root@h]\n"
    entry += "    cron: '0 6 * * *'\n"
    path = _file(
        tmp_path,
        "drift_checks:\n" + "".join(entry.format(name=n) for n in ("site-a", "site-b", "site-a")),
    )
    with pytest.raises(InvalidInput) as refused:
        load_drift_checks(path, EXAMPLES)
    [problem] = refused.value.problems
    assert problem.line == 10, problem
    assert "drift_checks: 'site-a' is defined more than once" in problem.message
    assert [p.line for p in validate_file(path, None, EXAMPLES)] == [10]


def test_every_bad_drift_check_is_reported_not_only_the_first(tmp_path: Path) -> None:
    entry = "  - name: {name}\n    profile: {profile}\n    hosts: [{host}]\n    cron: '0 6 * * *'\n"
    path = _file(
        tmp_path,
        "drift_checks:\n"
        + entry.format(name="a", profile="webshop/none.yaml", host="root@h")
        + entry.format(name="b", profile="webshop/profile.yaml", host="'root@bad host'"),
    )
    with pytest.raises(InvalidInput) as refused:
        load_drift_checks(path, EXAMPLES)
    assert [p.line for p in refused.value.problems] == [3, 8]


def test_serve_refuses_an_inventory_that_does_not_parse_and_validate_leaves_it_to_serve(
    tmp_path: Path,
) -> None:
    """validate stays within its budget by not importing Ansible's inventory code."""
    shutil.copytree(EXAMPLES / "webshop", tmp_path / "webshop")
    (tmp_path / "hosts.yml").write_text("all:\n  hosts:\n    db1: {ansible_host: [\n")
    text = (
        "drift_checks:\n  - name: d\n    profile: webshop/profile.yaml\n"
        "    inventory: hosts.yml\n    cron: '0 6 * * *'\n"
    )
    path = _file(tmp_path, text)
    assert validate_file(path, None, tmp_path) == []
    with pytest.raises(InvalidInput) as refused:
        load_drift_checks(path, tmp_path)
    [problem] = refused.value.problems
    assert problem.file == str(tmp_path / "hosts.yml") and problem.line >= 3, problem
