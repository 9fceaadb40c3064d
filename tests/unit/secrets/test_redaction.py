"""Secrets of the profile never reach the journal, results.json or any report."""

from __future__ import annotations

import json
from pathlib import Path

from rehearsal.envs.base import CommandResult
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.runs.session import write_results
from rehearsal.scenarios.engine import Engine
from rehearsal.scenarios.planning import load_plan
from rehearsal.secrets.redaction import MASK, Redactor, redactor_for, secret_values
from tests.conftest import EXAMPLES
from tests.drill_journal import write_drill_journal
from tests.fakes import FakeShop, ShopProbe

PASSWORD = "Tr0ub4dor-3-pw"  # no character HTML or JSON would escape
API_KEY = "ak-7731-do-not-leak"
HEALTH = "curl -fsS --max-time 2 http://app2:8080/health"


def _secret_plan(tmp_path: Path) -> Path:
    """The webshop drill with a database password and a login name listed as secret (a
    param must be one its role declares)."""
    webshop = EXAMPLES / "webshop"
    profile = (webshop / "profile.yaml").read_text()
    profile = profile.replace(
        "params: {db_host: db1, pool_size: 20}",
        f'params: {{db_host: db1, pool_size: 20, db_password: "{PASSWORD}", db_user: {API_KEY}}}',
        1,
    ).replace(
        "db_user: shop, db_password: shop-secret", f'db_user: {API_KEY}, db_password: "{PASSWORD}"'
    )
    (tmp_path / "profile.yaml").write_text(profile + "secrets: [db_user]\n")
    scenario = tmp_path / "drill.yaml"
    scenario.write_text((webshop / "drill-app-node-loss.yaml").read_text())
    return scenario


def test_params_named_like_secrets_and_listed_ones_are_secret(tmp_path: Path) -> None:
    plan = load_plan(_secret_plan(tmp_path))
    # app1's login and db1's, which owns the database: the same two values
    assert sorted(secret_values(plan.profile.model_dump())) == sorted([PASSWORD, API_KEY] * 2)


def test_the_redactor_masks_values_in_nested_data_but_not_keys() -> None:
    redact = Redactor(["hunter2", "hunter"])
    masked = redact({"output": "pw=hunter2 and hunter", "hunter": ["x hunter2"], "n": 3})
    assert masked == {"output": f"pw={MASK} and {MASK}", "hunter": [f"x {MASK}"], "n": 3}
    assert not Redactor([""]) and Redactor([]).text("as is") == "as is"


def test_a_password_in_runbook_output_appears_in_no_file_of_the_run(tmp_path: Path) -> None:
    plan = load_plan(_secret_plan(tmp_path))
    run_dir = tmp_path / "reports" / "run-1"
    shop = FakeShop(
        replies={HEALTH: CommandResult(0, f"ok; dsn=postgres://shop:{PASSWORD}@db1", 0.01)}
    )
    journal = Journal(run_dir, redactor_for(plan.profile))
    journal.record(
        "run.started",
        run_id="run-1",
        kind="rehearsal",
        title="t",
        customer="Acme",
        profile=str(tmp_path / "profile.yaml"),
        scenario="s",
        team={},
        measured_probe="shop-http",
        rto_s=300.0,
        notes=f"the key is {API_KEY}",
    )
    probes = {"shop-http": (ShopProbe(shop), 0.02), "standby-http": (ShopProbe(shop), 0.05)}
    Engine(plan.scenario, plan.profile, shop, journal, probes=probes).run()
    journal.record("run.finished", outcome="completed", error=None)
    journal.close()
    write_results(run_dir)

    outputs = [
        e.get("output", "") for e in read_journal(run_dir) if e["event"] == "runbook.step.finished"
    ]
    assert f"postgres://shop:{MASK}@db1" in outputs[1], "the output is kept, the value masked"
    for name in (
        "journal.jsonl",
        "results.json",
        "report.html",
        "report.md",
        "notice.md",
        "junit.xml",
    ):
        text = (run_dir / name).read_text()
        assert PASSWORD not in text and API_KEY not in text, name
        assert json.dumps(PASSWORD)[1:-1] not in text, name


def test_reports_mask_secrets_of_a_journal_written_before_redaction(tmp_path: Path) -> None:
    _secret_plan(tmp_path)
    run_dir = write_drill_journal(
        tmp_path / "reports" / "old", profile=tmp_path / "profile.yaml", log_line=f"pw {PASSWORD}"
    )
    write_results(run_dir)
    for name in ("results.json", "report.html", "report.md", "notice.md", "junit.xml"):
        assert PASSWORD not in (run_dir / name).read_text(), name
