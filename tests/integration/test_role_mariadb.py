"""The shipped mariadb role for real: the primary-loss drill of examples/products/mariadb run
end to end (converge, fidelity check, db1 stopped, the runbook's mariadb-promote makes db2 a
writable primary that kept db1's write), and on a mirror of the same profile: accounts and
init SQL, a second converge that changes nothing, and mariadb-repoint bringing the old primary
back as a replica of the promoted one."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import read_journal
from tests.conftest import EXAMPLES
from tests.integration.conftest import converged, converged_again, eventually
from tests.integration.test_demo_drill import _labelled, _only_run, _rehearsal

pytestmark = pytest.mark.docker
FOLDER = EXAMPLES / "products" / "mariadb"


def test_the_primary_loss_drill_promotes_the_replica_and_it_takes_writes(tmp_path: Path) -> None:
    drill = FOLDER / "drill-primary-loss.yaml"
    process = _rehearsal("run", str(drill), "--people", "none", "--out", str(tmp_path))
    output, _ = process.communicate(timeout=900)
    run_dir = _only_run(tmp_path)
    assert process.returncode == 0, output

    [check] = [e for e in read_journal(run_dir) if e["event"] == "fidelity.checked"]
    assert check["differences"] == 0, [f for f in check["facts"] if not f["matches"]]
    facts = {(f["node"], f["name"]): f["actual"] for f in check["facts"]}
    assert facts[("db1", "max_connections")] == facts[("db2", "max_connections")] == "80"
    assert facts[("db2", "innodb_buffer_pool_size")] == str(64 * 1024**2)
    assert facts[("db2", "replicate_from")] == "db1"
    assert facts[("db1", "mariadb-server")].startswith("1:10.11.")

    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "passed", results.get("findings")
    [fault] = results["faults"]
    assert fault["type"] == "container.stop" and fault["targets"] == ["db1"]
    assert fault["revert_status"] == "reverted"
    metrics = results["metrics"]
    assert 0 < metrics["time_to_detect_s"] < metrics["time_to_recover_s"] < metrics["rto_s"]
    [phase] = results["phases"]
    assert all(step["status"] == "passed" for step in phase["steps"]), phase["steps"]
    [runbook] = [step for step in phase["steps"] if step["type"] == "runbook"]
    assert [s["status"] for s in runbook["runbook_steps"]] == ["passed", "passed"]
    promoted = runbook["runbook_steps"][1]["output"]
    assert "db2 replicates from db1" in promoted and "db2 is now a primary" in promoted
    [written] = [s for s in phase["steps"] if s["label"].startswith("check: db2 takes writes")]
    assert "before,after" in written["detail"]
    assert _labelled(results["run_id"]) == []


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    run_id = f"mariadb-test-{secrets.token_hex(3)}"
    with converged(FOLDER / "profile.yaml", tmp_path_factory.mktemp("mariadb") / run_id) as mirror:
        yield mirror


def _run(mirror: Mirror, node: str, script: str) -> tuple[int, str]:
    assert mirror.env is not None
    result = mirror.env.exec(node, ["sh", "-c", script], 90)
    return result.exit_code, result.output.strip()


def test_the_profiles_account_logs_in_over_tcp_and_init_sql_made_its_table(built: Mirror) -> None:
    login = "MYSQL_PWD=billing-secret mariadb -h db1 -u billing billing -NBe 'SHOW TABLES'"
    assert _run(built, "db2", login) == (0, "invoices")
    wrong = "MYSQL_PWD=wrong mariadb -h db1 -u billing billing -NBe 'SELECT 1'"
    assert _run(built, "db2", wrong)[0] == 1
    assert _run(built, "db2", "mariadb -NBe 'SELECT @@read_only, @@log_bin'") == (0, "1\t1")
    assert _run(built, "db1", "mariadb -NBe 'SELECT @@read_only'") == (0, "0")


def test_a_second_converge_changes_nothing(built: Mirror) -> None:
    changed = converged_again(built)
    assert sum(changed.values()) == 0, changed


def test_the_helpers_refuse_a_wrong_usage_with_exit_2(built: Mirror) -> None:
    assert _run(built, "db2", "mariadb-promote soon")[0] == 2
    assert _run(built, "db1", "mariadb-repoint")[0] == 2
    assert _run(built, "db1", "mariadb-repoint 'db2;reboot'")[0] == 2
    assert _run(built, "db1", "mariadb-repoint db1")[0] == 2


def test_the_old_primary_is_repointed_to_the_promoted_replica_and_follows_it(
    built: Mirror,
) -> None:
    code, promoted = _run(built, "db2", "mariadb-promote")
    assert code == 0 and "db2 is now a primary" in promoted, promoted
    assert _run(built, "db2", "mariadb-promote")[1].endswith(
        "is already a primary (no replication, read_only OFF)"
    )
    code, repointed = _run(built, "db1", "mariadb-repoint db2")
    assert code == 0 and "db1 now replicates from db2:3306 (read_only ON" in repointed, repointed
    written = "mariadb billing -e \"INSERT INTO invoices (customer) VALUES ('on-db2')\""
    assert _run(built, "db2", written)[0] == 0
    count = "mariadb billing -NBe \"SELECT count(*) FROM invoices WHERE customer = 'on-db2'\""
    assert eventually(lambda: _run(built, "db1", count) == (0, "1"), 30)
    assert _run(built, "db1", "mariadb -NBe 'SELECT @@read_only'") == (0, "1")
    # The roles are kept across a restart of the server (70-rehearsal-role.cnf).
    assert _run(built, "db2", "/etc/init.d/mariadb restart >/dev/null")[0] == 0
    assert _run(built, "db2", "mariadb -NBe 'SELECT @@read_only'") == (0, "0")
