"""The committed language reference is the one the code writes, and it leaves nothing out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from rehearsal.scenarios.faults import FAULTS
from rehearsal.scenarios.probes import PROBES
from rehearsal.scenarios.reference import STALE, main, render, slug
from rehearsal.scenarios.steps import STEPS
from rehearsal.scenarios.steps.fault import FaultStep
from tests.conftest import ROOT

COMMITTED = ROOT / "docs" / "reference.md"


def test_committed_reference_is_what_the_code_writes() -> None:
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    if committed != render():
        pytest.fail(STALE, pytrace=False)


def test_every_step_fault_and_probe_type_has_a_section() -> None:
    text = render()
    headings = set(re.findall(r"^### (.+)$", text, flags=re.MULTILINE))
    assert {f"`{key}:` step" for key in STEPS} <= headings
    assert {f"`{kind}`" for kind in FAULTS} <= headings
    assert {f"`{key}` probe" for key in PROBES} <= headings


def test_every_link_inside_the_reference_has_its_heading() -> None:
    text = render()
    anchors = [slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)]
    assert len(anchors) == len(set(anchors)), "two headings share an anchor"
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links <= set(anchors), f"links to no heading: {sorted(links - set(anchors))}"


def test_every_fault_example_is_a_valid_step() -> None:
    examples = re.findall(r"```yaml\n(.*?)```", render(), flags=re.DOTALL)
    faults = [step for block in examples for step in yaml.safe_load(block) if "fault" in step]
    assert len(faults) == sum(hasattr(fault, "example") for fault in FAULTS.values())
    for step in faults:
        FaultStep.model_validate(step)


def test_check_mode_names_the_fix_when_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "reference.md"
    stale.write_text("# an old reference\n")
    assert main(["--check", str(stale)]) == 1
    assert STALE in capsys.readouterr().err
    stale.write_text(render())
    assert main(["--check", str(stale)]) == 0
