"""`rehearsal validate`: one FILE:LINE:COL line a problem, exit 2, a fix in every message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.errors import Problem
from tests.conftest import EXAMPLES

runner = CliRunner()
WEBSHOP = EXAMPLES / "webshop"


def _validate(*paths: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", *map(str, paths)])
    return result.exit_code, result.stdout.strip().splitlines()


def test_examples_are_valid() -> None:
    code, lines = _validate(WEBSHOP / "profile.yaml", WEBSHOP / "drill-app-node-loss.yaml")
    assert code == 0, lines


def test_a_fault_without_dead_mans_switch_is_a_warning(webshop: Path) -> None:
    scenario = webshop / "drill-app-node-loss.yaml"
    code, lines = _validate(scenario)
    assert code == 0
    assert lines[0].startswith(f"{scenario}:19:17: warning: container.stop has no dead man's")
    _edit(scenario, "type: container.stop, target: app1", "type: network.isolate, target: app1")
    code, lines = _validate(scenario)
    assert (code, lines) == (0, ["1 file(s) valid"])


@pytest.fixture
def webshop(tmp_path: Path) -> Path:
    for name in ("profile.yaml", "drill-app-node-loss.yaml"):
        shutil.copy(WEBSHOP / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        ("type: container.stop", "type: contianer.stop", 19, "did you mean 'container.stop'"),
        ("target: app1", "target: app9", 19, "unknown node 'app9'"),
        (
            "target: app1",
            "role: shop-ap",
            19,
            "no node has role 'shop-ap'; did you mean 'shop-app'",
        ),
        ("target: app1", "label: {tier: gold}", 19, "no node has label tier='gold'"),
        ("target: app1", "target: app1, percent: 150", 19, "less than or equal to 100"),
        ("target: app1", "target: app1, duration: 5 minutes", 19, "cannot read '5 minutes'"),
        ("target: app1", "grace: 1s", 19, "a fault needs nodes"),
        (
            "target: app1",
            "target: app1, switch_after: 2s",
            19,
            "'switch_after' must be at least three heartbeat intervals (6s",
        ),
        (
            "probe: shop-http, status: failing",
            "probe: shop-htp, status: failing",
            20,
            "did you mean 'shop-http'",
        ),
        ("runbook: app-failover-to-standby", "runbook: app-failover", 24, "unknown runbook"),
        (
            "operator: Kim Minji\n    analyst",
            "operator: Kim Min\n    analyst",
            16,
            "add them to team.operators",
        ),
        ("timeout: 30s}", "timeout: 30 seconds}", 20, "cannot read '30 seconds' as a duration"),
        ("steady_state:", "steady_stat:", 13, "did you mean 'steady_state'"),
        ("status: failing}, timeout: 30s}", "status: failing}}", 20, "needs 'timeout:'"),
        ("operator: Kim Minji\n    analyst", "analyst", 15, "missing required key 'operator'"),
    ],
)
def test_scenario_problem_is_reported_with_its_line(
    webshop: Path, old: str, new: str, line: int, expected: str
) -> None:
    scenario = webshop / "drill-app-node-loss.yaml"
    _edit(scenario, old, new)
    code, lines = _validate(scenario)
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{scenario}:{line}:"), lines[0]
    assert expected in lines[0]


def test_profile_problems_each_get_a_line(webshop: Path) -> None:
    profile = webshop / "profile.yaml"
    _edit(profile, "role: nginx", "role: ngnix")
    _edit(profile, "networks: [app, db]", "networks: [app, dbb]")
    code, lines = _validate(profile)
    assert code == 2
    assert any(":16:" in line and "did you mean 'nginx'" in line for line in lines), lines
    assert any(":25:" in line and "unknown network 'dbb'" in line for line in lines), lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kind: rehearsal\nteam: [\n", "YAML syntax error"),
        ("- just\n- a list\n", "expected a mapping"),
        (
            "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
            "expands",
        ),
        ("kind: !!python/object/apply:os.system ['true']\n", "YAML"),
    ],
)
def test_malformed_yaml_is_a_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, lines = _validate(path)
    assert code == 2
    assert lines and lines[0].startswith(f"{path}:")
    assert expected in " ".join(lines)


def test_missing_file(tmp_path: Path) -> None:
    code, lines = _validate(tmp_path / "nope.yaml")
    assert code == 2
    assert lines == [f"{tmp_path / 'nope.yaml'}:1:1: file not found; check the path"]


def test_schema_is_json_schema() -> None:
    import json

    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert set(schema["$defs"]) == {"Profile", "Scenario"}
    assert "steady_state" in schema["$defs"]["Scenario"]["properties"]


@pytest.mark.parametrize(
    ("second", "clash"),
    [
        ("{type: network.latency, role: shop-app, delay: 100, port: 80}", True),
        ("{type: network.bandwidth, target: app1, rate: 1mbit}", True),
        ("{type: network.bandwidth, target: app2, rate: 1mbit}", False),
    ],
)
def test_two_shaping_faults_on_one_node_at_once_are_refused(
    webshop: Path, second: str, clash: bool
) -> None:
    scenario = webshop / "drill-app-node-loss.yaml"
    first = "      - fault: {type: network.bandwidth, target: app1, rate: 2mbit}\n"
    _edit(
        scenario,
        "      - fault: {type: container.stop, target: app1}\n",
        f"{first}      - fault: {second}\n",
    )
    code, lines = _validate(scenario)
    if not clash:
        assert code == 0, lines
        return
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{scenario}:20:"), lines[0]
    assert "would meet the network.bandwidth of line 19 on app1" in lines[0]


def test_the_command_line_answers_validate_as_the_typer_command_does(
    webshop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rehearsal validate FILE...`` skips Typer (for speed): same lines, same exit status."""
    from rehearsal.cli.main import main

    scenario = webshop / "drill-app-node-loss.yaml"
    _edit(scenario, "type: container.stop, target: app1", "type: container.stop, target: app9")
    for argv, code in (
        [[str(webshop / "profile.yaml")], 0],
        [[str(scenario), str(webshop / "profile.yaml")], 2],
        [[str(WEBSHOP / "answers-on-call.yaml")], 0],
    ):
        monkeypatch.setattr("sys.argv", ["rehearsal", "validate", *argv])
        with pytest.raises(SystemExit) as exited:
            main()
        lines = capsys.readouterr().out.strip().splitlines()
        assert (exited.value.code, lines) == _validate(*map(Path, argv))
        assert exited.value.code == code


def test_a_drills_file_is_checked_as_serve_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drills = EXAMPLES / "drills.yaml"
    assert _validate(drills, Path("--scenarios"), EXAMPLES) == (0, ["1 file(s) valid"])
    monkeypatch.chdir(tmp_path)
    assert _validate(drills) == (0, ["1 file(s) valid"]), "by default, beside the drills file"
    moved = tmp_path / "drills.yaml"
    moved.write_text(drills.read_text())
    code, lines = _validate(moved)
    assert code == 2 and f"not found under {tmp_path}; fix the path" in lines[0], lines


def test_a_bad_cron_in_a_drills_file_is_a_problem_at_its_line(tmp_path: Path) -> None:
    drills = tmp_path / "drills.yaml"
    text = (EXAMPLES / "drills.yaml").read_text().replace('"0 2 * * sun"', '"99 99 * * *"')
    drills.write_text(text)
    code, lines = _validate(drills, Path("--scenarios"), EXAMPLES)
    assert code == 2
    assert lines == [
        f"{drills}:8:5: drills.0.cron: cron '99 99 * * *': bad minute; the five fields are "
        "minute (0-59) hour (0-23) day of month (1-31) month (1-12) weekday (0-6, Sunday 0, "
        "or mon-sun), e.g. '0 2 * * *' for 02:00 every day"
    ]


def _on_call_copy(folder: Path) -> Path:
    """The on-call drill with its profile and answers, copied to edit; the answers file."""
    for name in ("answers-on-call.yaml", "drill-on-call.yaml", "profile.yaml"):
        shutil.copy(WEBSHOP / name, folder / name)
    return folder / "answers-on-call.yaml"


def test_answers_files_are_checked_against_the_scenario_they_name(tmp_path: Path) -> None:
    answers = [WEBSHOP / name for name in sorted(p.name for p in WEBSHOP.glob("answers-*"))]
    assert _validate(*answers) == (0, [f"{len(answers)} file(s) valid"])
    misspelt = _on_call_copy(tmp_path)
    _edit(misspelt, "  join-bridge:", "  join-brige:")
    assert _validate(misspelt) == (
        2,
        [
            f"{misspelt}:10:3: answer 'join-brige' matches no question of the scenario; did you "
            "mean 'join-bridge'? It asks 'join-bridge', 'ack.checkout-down.1', "
            "'ack.checkout-down.2', 'ack.checkout-down.3'"
        ],
    )


def test_answers_naming_no_scenario_say_which_to_pass(tmp_path: Path) -> None:
    answers = _on_call_copy(tmp_path)
    _edit(answers, "scenario: drill-on-call.yaml\n", "")
    assert _validate(answers) == (
        2,
        [
            f"{answers}:3:1: which scenario are these answers for? add 'scenario: FILE' "
            "(relative to this file) or run `rehearsal validate --scenario SCENARIO.yaml "
            f"{answers}`; drill-on-call.yaml here asks all of them"
        ],
    )
    scenario = tmp_path / "drill-on-call.yaml"
    assert _validate(Path("--scenario"), scenario, answers) == (0, ["1 file(s) valid"])
    code, lines = _validate(Path("--scenario"), WEBSHOP / "drill-app-node-loss.yaml", answers)
    assert code == 2 and "answer 'join-bridge' matches no question" in lines[0], lines
    answers.write_text("scenario: drill-on-cal.yaml\n" + answers.read_text())
    assert _validate(answers) == (
        2,
        [
            f"{answers}:1:1: scenario 'drill-on-cal.yaml' not found next to this file; fix the "
            "path; did you mean 'drill-on-call.yaml'?"
        ],
    )


def test_run_refuses_answers_written_for_another_scenario() -> None:
    answers = WEBSHOP / "answers-repro.yaml"
    done = runner.invoke(
        app, ["run", str(WEBSHOP / "drill-on-call.yaml"), "--answers", str(answers), "--dry-run"]
    )
    assert done.exit_code == 2
    assert f"{answers}:3:1: these answers are for 'repro-pool-exhaustion.yaml', not " in (
        done.output
    )


def test_a_drill_outside_every_maintenance_window_is_a_warning_at_its_cron(
    tmp_path: Path,
) -> None:
    drills = tmp_path / "drills.yaml"
    drills.write_text(
        (EXAMPLES / "drills.yaml").read_text().replace('"0 2 * * sun"', '"0 2 * * mon"')
    )
    code, lines = _validate(drills, Path("--scenarios"), EXAMPLES)
    assert code == 0 and len(lines) == 2, lines
    assert lines[0].startswith(
        f"{drills}:8:5: warning: drill 'sunday-app-node-loss' is scheduled outside every "
        "maintenance window (next such run Mon "
    )


def test_a_problem_quoting_a_line_break_stays_one_line() -> None:
    """Found by the hostile-input test: a key holding \\x1e split one problem in two."""
    problem = Problem("p.yaml", 3, 5, "unknown key 'a\x1eb\nc\u2028d'")
    assert str(problem).splitlines() == ["p.yaml:3:5: unknown key 'a\\x1eb\\nc\\u2028d'"]
