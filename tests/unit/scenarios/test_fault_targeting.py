"""Which nodes a fault hits, resolved from the profile before anything is injected; and
what happens when a revert keeps failing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.journal.writer import Journal, read_journal
from rehearsal.models.profile import Profile
from rehearsal.scenarios.faults import FaultSpec
from rehearsal.scenarios.faults.base import Fault
from rehearsal.scenarios.faults.lifecycle import ActiveFault
from rehearsal.scenarios.faults.network import NetworkPartitionSpec
from rehearsal.scenarios.faults.targeting import place
from tests.conftest import EXAMPLES

PROFILE = Profile.model_validate(
    {
        "customer": {"name": "Test"},
        "business": {"targets": {"rto": "1m"}},
        "nodes": [
            {"name": f"app{i}", "role": "shop-app", "networks": ["app"], "labels": {"zone": z}}
            for i, z in enumerate("aabbab")
        ]
        + [{"name": "db1", "role": "postgresql", "networks": ["db"]}],
        "networks": [{"name": "app"}, {"name": "db"}],
    }
)


def _spec(**fields: Any) -> FaultSpec:
    return NetworkPartitionSpec.model_validate({"type": "network.partition", **fields})


def test_selectors_combine() -> None:
    placement = place(_spec(role="shop-app", label={"zone": "b"}), PROFILE)
    assert placement.targets == ("app2", "app3", "app5")


def test_a_random_pick_is_repeatable_with_its_seed() -> None:
    picks = {place(_spec(network="app", percent=50, seed=7), PROFILE).targets for _ in range(5)}
    assert len(picks) == 1 and len(next(iter(picks))) == 3
    others = {place(_spec(network="app", count=2, seed=s), PROFILE).targets for s in range(20)}
    assert len(others) > 1, "different seeds pick differently"


def test_peers_exclude_the_targets() -> None:
    placement = place(_spec(target="app0", peers={"network": "app"}), PROFILE)
    assert placement.peers == ("app1", "app2", "app3", "app4", "app5")


class _Stuck(Fault[NetworkPartitionSpec]):
    kind: ClassVar[str] = "test.stuck"
    example: ClassVar[dict[str, Any]] = {}
    attempts = 0

    def inject(self) -> None:
        pass

    def is_injected(self) -> bool:
        return True

    def revert(self) -> None:
        self.attempts += 1
        raise OSError("node unreachable")

    def is_reverted(self) -> bool:
        return False


def test_a_revert_that_keeps_failing_is_retried_then_a_finding(tmp_path: Path) -> None:
    findings: list[tuple[Any, ...]] = []
    abouts: list[dict[str, str]] = []

    def finding(*fields: Any, about: dict[str, str]) -> None:
        findings.append(fields)
        abouts.append(about)

    fault = _Stuck(_spec(target="app0"), None)  # type: ignore[arg-type]
    with Journal(tmp_path) as journal:
        active = ActiveFault("F1", fault, journal, "p1", finding)
        active.inject()
        active.revert()
        active.revert()  # a second revert (e.g. phase end after the timer) is a no-op
    assert fault.attempts == 3
    assert findings and findings[0][:2] == ("high", "environment")
    assert abouts == [{"fault": fault.spec.type, "target": "app0", "stage": "revert"}]
    reverted = [e for e in read_journal(tmp_path) if e["event"] == "fault.reverted"]
    assert [(e["status"], "node unreachable" in e["detail"]) for e in reverted] == [
        ("failed", True)
    ]


def test_dry_run_resolves_targets_and_builds_nothing() -> None:
    scenario = EXAMPLES / "webshop" / "drill-app-node-loss.yaml"
    result = CliRunner().invoke(app, ["run", str(scenario), "--dry-run"])
    assert result.exit_code == 0, result.stdout
    assert (
        "inject container.stop on app1 (until the phase ends); no dead man's switch "
        "(the node cannot undo it alone)"
    ) in result.stdout
