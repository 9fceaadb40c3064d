"""No way in: no host shell, user values positional in node scripts, evidence stays in the
run folder, keys private, capabilities only where a fault needs them."""

from __future__ import annotations

import ast
import stat
from pathlib import Path
from typing import Any

import pytest

from rehearsal.envs.base import CommandResult
from rehearsal.envs.keys import generate_key_pair
from rehearsal.scenarios.capabilities import needed_capabilities
from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.planning import load_plan
from rehearsal.scenarios.steps.evidence import save_evidence
from tests.conftest import EXAMPLES, ROOT

PACKAGE = ROOT / "rehearsal"
MARK = "zz$(touch /tmp/pwned)zz"


def _calls(path: Path) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)]


def test_no_host_shell_anywhere() -> None:
    offenders = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        for call in _calls(path):
            name = ast.unparse(call.func)
            shell = any(
                k.arg == "shell" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                for k in call.keywords
            )
            if shell or name in ("os.system", "os.popen", "subprocess.getoutput"):
                offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}: {name}")
    assert not offenders, offenders


class RecordingNode:
    """An environment that records every argv run in a node and answers 'fine'."""

    run_id = "test"

    def __init__(self) -> None:
        self.argvs: list[list[str]] = []

    def exec(self, node: str, argv: list[str], timeout_s: float) -> CommandResult:
        self.argvs.append(argv)
        return CommandResult(0, "", 0.0)

    def __getattr__(self, name: str) -> Any:
        answers: dict[str, Any] = {
            "nodes": lambda: ["n1", "n2"],
            "peer_addresses": lambda node: ["10.9.0.2"],
            "gateways": lambda node: ["10.9.0.1"],
            "address": lambda node: "10.9.0.2",
        }
        return answers.get(name, lambda *a, **k: None)


FREE_TEXT = ("file", "path", "name", "pattern", "service", "line", "replace", "table", "where")


def _hostile_spec(fault_type: Any) -> tuple[Any, list[str]]:
    """The example with each free-text field (path, name, pattern...) holding the nastiest
    marker validation lets through; a field that refuses shell characters gets a plain one,
    which still shows whether the value is spliced into a script."""
    example, markers = dict(fault_type.example), []
    for key in [k for k in FREE_TEXT if isinstance(example.get(k), str)]:
        for candidate in (MARK, f"/etc/{MARK}", f"{key}zzmarkzz", f"/etc/{key}zzmarkzz"):
            try:
                fault_type.Spec.model_validate({**example, key: candidate})
            except ValueError:
                continue
            example[key] = candidate
            markers.append(candidate)
            break
    return fault_type.Spec.model_validate(example), markers


@pytest.mark.parametrize("kind", sorted(k for k in FAULTS if not k.startswith("custom.")))
def test_user_values_reach_node_scripts_only_as_arguments(kind: str) -> None:
    fault_type = FAULTS[kind]
    spec, markers = _hostile_spec(fault_type)
    env = RecordingNode()
    fault = fault_type(spec, env)
    for action in (fault.inject, fault.revert):
        try:
            action()
        except Exception:  # the fake answers nothing useful; the argv is what counts
            pass
    scripts = [argv[2] for argv in env.argvs if argv[:2] == ["sh", "-c"]]
    assert not [s for s in scripts for m in markers if m in s], scripts
    if markers:
        passed = [a for argv in env.argvs for a in argv]
        assert any(m in a for m in markers for a in passed), f"{kind} never used its values"


def test_evidence_names_cannot_leave_the_run_folder(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name in [
        "../../etc/passwd",
        "/etc/shadow",
        "..",
        "a/../../b",
        "\x00",
        "~root/x",
        "..\\..\\x",
    ]:
        saved = (run_dir / save_evidence(run_dir, name, "content")).resolve()
        assert saved.is_relative_to((run_dir / "evidence").resolve()), (name, saved)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_generated_keys_are_private(tmp_path: Path) -> None:
    keys = generate_key_pair(tmp_path / "ssh", "test")
    assert stat.S_IMODE(keys.private_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.private_path.parent.stat().st_mode) == 0o700


def test_only_nodes_a_network_fault_can_hit_get_net_admin(tmp_path: Path) -> None:
    plan = load_plan(EXAMPLES / "webshop" / "drill-app-node-loss.yaml", None, None)
    assert needed_capabilities(plan.scenario, plan.profile) == {}, "container.stop needs none"

    scenario = (EXAMPLES / "webshop" / "drill-app-node-loss.yaml").read_text()
    changed = scenario.replace(
        "{type: container.stop, target: app1}",
        "{type: network.partition, role: shop-app, peers: {target: db1}, count: 1}",
    )
    assert changed != scenario
    (tmp_path / "drill.yaml").write_text(
        changed.replace("profile.yaml", str(EXAMPLES / "webshop" / "profile.yaml"))
    )
    plan = load_plan(tmp_path / "drill.yaml", None, None)
    assert needed_capabilities(plan.scenario, plan.profile) == {
        "app1": frozenset({"NET_ADMIN"}),
        "app2": frozenset({"NET_ADMIN"}),
    }
