"""The rabbitmq role for real: two RabbitMQ 3.10 brokers from Debian bookworm in one cluster,
the profile's virtual host, user and queues declared, the fidelity check passing; a broker
stopped, reset or rebooted comes back into the cluster (by rabbitmq-rejoin, or by itself at
boot); and the example drill runs end to end with its runbook."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.envs.mirror import Mirror
from rehearsal.journal.writer import read_journal
from tests.conftest import EXAMPLES
from tests.integration.conftest import converged, converged_again, eventually, injected
from tests.integration.test_demo_drill import _labelled, _only_run, _rehearsal

pytestmark = pytest.mark.docker

FOLDER = EXAMPLES / "products" / "rabbitmq"
PROFILE = FOLDER / "profile.yaml"
DRILL = FOLDER / "drill-broker-node-down.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    run_id = f"rabbitmq-test-{secrets.token_hex(3)}"
    run_dir = tmp_path_factory.mktemp("rabbitmq") / run_id
    with converged(PROFILE, run_dir) as mirror:
        yield mirror


def _run(mirror: Mirror, node: str, *argv: str, timeout_s: float = 180) -> tuple[int, str]:
    assert mirror.env is not None
    result = mirror.env.exec(node, list(argv), timeout_s)
    return result.exit_code, result.output.strip()


def _running(mirror: Mirror, node: str) -> list[str]:
    """The running nodes of ``node``'s cluster, as rabbitmqctl tells them."""
    code, said = _run(mirror, node, "rabbitmqctl", "-q", "cluster_status", "--formatter", "json")
    return sorted(json.loads(said)["running_nodes"]) if code == 0 else []


BOTH = ["rabbit@mq1", "rabbit@mq2"]


def test_the_brokers_run_in_one_cluster_with_the_declared_queues(built: Mirror) -> None:
    code, version = _run(built, "mq2", "dpkg-query", "-W", "-f=${Version}", "rabbitmq-server")
    assert code == 0 and version.startswith("3.10."), version
    assert _running(built, "mq1") == BOTH
    code, listed = _run(built, "mq2", "rabbitmq-queues", "shop")  # declared on mq1, seen on mq2
    assert code == 0, listed
    rows = {line.split()[1]: line.split() for line in listed.splitlines()[1:-1]}
    assert rows["orders"][:4] == ["shop", "orders", "classic", "true"]
    assert rows["payments"][:4] == ["shop", "payments", "quorum", "true"]
    code, said = _run(
        built, "mq1", "rabbitmqctl", "-q", "list_queues", "-p", "shop", "name", "arguments"
    )
    assert code == 0 and "x-max-length" in said and "reject-publish" in said, said
    code, said = _run(built, "mq2", "rabbitmqctl", "authenticate_user", "shop", "shop-secret")
    assert code == 0, said


def test_fidelity_after_converge_matches_the_profile(built: Mirror) -> None:
    [check] = [e for e in read_journal(built.run_dir) if e["event"] == "fidelity.checked"]
    facts = {(f["node"], f["name"]): f for f in check["facts"]}
    assert check["differences"] == 0, [f for f in check["facts"] if not f["matches"]]
    assert facts[("mq1", "vm_memory_high_watermark")]["actual"] == "0.5"
    assert facts[("mq2", "vm_memory_high_watermark")]["actual"] == "0.5"
    assert facts[("mq2", "cluster_with")]["actual"] == "mq1"
    assert facts[("mq1", "rabbitmq-server")]["actual"].startswith("3.10.")


def test_a_second_converge_changes_nothing(built: Mirror) -> None:
    changed = converged_again(built)
    assert sum(changed.values()) == 0, changed


def test_a_queue_that_exists_otherwise_than_declared_is_named(built: Mirror) -> None:
    changed = "/tmp/changed-definitions.json"
    script = (
        'sed \'s/"x-max-length": 10000/"x-max-length": 5/\' '
        f"/etc/rabbitmq/rehearsal-definitions.json > {changed}"
    )
    assert _run(built, "mq1", "sh", "-c", script)[0] == 0
    code, said = _run(built, "mq1", "rabbitmq-queues", "--expect", changed)
    assert code == 1, said
    assert "queue 'orders' in 'shop' has arguments" in said and "'x-max-length': 5" in said
    assert (
        _run(
            built, "mq1", "rabbitmq-queues", "--expect", "/etc/rabbitmq/rehearsal-definitions.json"
        )[0]
        == 0
    )


def test_the_helpers_refuse_a_wrong_call_with_status_2(built: Mirror) -> None:
    code, said = _run(built, "mq2", "rabbitmq-rejoin", "mq2")
    assert code == 2 and "cannot join itself" in said
    code, said = _run(built, "mq1", "rabbitmq-rejoin")
    assert code == 2 and "no PEER given" in said  # mq1 is the cluster's first node
    code, said = _run(built, "mq1", "rabbitmq-queues", "shop", "extra")
    assert code == 2 and said.startswith("usage: rabbitmq-queues")


def test_a_stopped_broker_is_brought_back_into_the_cluster_by_rabbitmq_rejoin(
    built: Mirror,
) -> None:
    assert built.env is not None
    spec = {"type": "service.stop", "target": "mq2", "service": "rabbitmq-server"}
    with injected(built.env, spec):
        assert eventually(lambda: _running(built, "mq1") == ["rabbit@mq1"], 60)
        code, said = _run(built, "mq1", "rabbitmq-queues")
        assert code == 0 and "payments" in said, said  # mq1 still serves the queues
        code, said = _run(built, "mq2", "rabbitmq-rejoin", "mq1", "120")
        assert code == 0, said
        assert "starting it" in said and "already runs in one cluster with mq1" in said
        assert _running(built, "mq1") == BOTH


def test_a_node_reset_out_of_the_cluster_joins_it_again(built: Mirror) -> None:
    for step in ("stop_app", "reset", "start_app"):
        assert _run(built, "mq2", "rabbitmqctl", step)[0] == 0
    assert _running(built, "mq2") == ["rabbit@mq2"]
    assert _run(built, "mq2", "rabbitmq-rejoin", "--check") == (0, "running nodes: mq2")
    code, said = _run(built, "mq2", "rabbitmq-rejoin")  # the profile's cluster_with: mq1
    assert code == 0, said
    assert "joined mq1's cluster; running nodes: mq1 mq2" in said
    assert _running(built, "mq1") == BOTH
    assert _run(built, "mq2", "rabbitmq-rejoin", "--check") == (0, "mq1")


def test_a_rebooted_node_starts_its_broker_and_is_back_in_the_cluster(built: Mirror) -> None:
    assert built.env is not None
    with injected(built.env, {"type": "container.restart", "target": "mq2"}):
        pass
    assert eventually(lambda: _running(built, "mq1") == BOTH, 120)
    assert _run(built, "mq2", "rabbitmq-rejoin", "--check") == (0, "mq1")


def test_the_broker_node_down_drill_recovers_the_cluster_with_its_runbook(tmp_path: Path) -> None:
    process = _rehearsal("run", str(DRILL), "--people", "none", "--out", str(tmp_path))
    output, _ = process.communicate(timeout=900)
    run_dir = _only_run(tmp_path)
    assert process.returncode == 0, output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "passed", results.get("findings")
    [fault] = results["faults"]
    assert fault["type"] == "service.stop" and fault["revert_status"] == "reverted"
    [phase] = results["phases"]
    [runbook] = [s for s in phase["steps"] if s["type"] == "runbook"]
    assert [s["status"] for s in runbook["runbook_steps"]] == ["passed", "passed"]
    assert "orders" in runbook["runbook_steps"][0]["output"]
    assert "mq1" in runbook["runbook_steps"][1]["output"]
    metrics = results["metrics"]
    assert 0 < metrics["time_to_detect_s"] < metrics["time_to_recover_s"] < metrics["rto_s"]
    assert _labelled(results["run_id"]) == []
