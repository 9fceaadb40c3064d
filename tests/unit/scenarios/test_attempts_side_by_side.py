"""``attempts:`` as a count or as {count, parallel}: both valid, a bad one told at its line
with the fix, and parallel attempts refused on a profile with a lab host."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from tests.conftest import ROOT

DATA = ROOT / "tests" / "integration" / "data" / "parallel"
runner = CliRunner()


def _validate(tmp_path: Path, attempts: str, profile: str | None = None) -> tuple[int, list[str]]:
    (tmp_path / "profile.yaml").write_text(profile or (DATA / "profile.yaml").read_text())
    scenario = (DATA / "repro.yaml").read_text()
    path = tmp_path / "repro.yaml"
    path.write_text(scenario.replace("attempts: {count: 3, parallel: 3}", f"attempts: {attempts}"))
    result = runner.invoke(app, ["validate", str(path)])
    told = [line for line in result.output.splitlines() if line.startswith(str(path))]
    return result.exit_code, [line.split(":", 1)[1] for line in told]


@pytest.mark.parametrize("attempts", ["3", "{count: 3}", "{count: 3, parallel: 3}"])
def test_a_count_and_a_mapping_are_both_valid(tmp_path: Path, attempts: str) -> None:
    assert _validate(tmp_path, attempts)[0] == 0


@pytest.mark.parametrize(
    ("attempts", "told"),
    [
        (
            "{count: 2, parallel: 3}",
            "11:1: attempts: 'parallel: 3' is more than 'count: 2'; at most 2 tries can run at "
            "once, so write 'parallel: 2' or less",
        ),
        (
            "{count: 3, paralel: 2}",
            "11:22: unknown key 'paralel' in attempts; did you mean 'parallel'?",
        ),
        (
            "{count: 3, parallel: 0}",
            "11:22: attempts.parallel: Input should be greater than or equal to 1 (got 0)",
        ),
        ("{count: 51}", "11:12: attempts.count: Input should be less than or equal to 50 (got 51)"),
        ("0", "11:1: attempts: Input should be greater than or equal to 1 (got 0)"),
    ],
)
def test_a_bad_attempts_is_told_at_its_line_with_the_fix(
    tmp_path: Path, attempts: str, told: str
) -> None:
    code, problems = _validate(tmp_path, attempts)
    assert code == 2 and problems == [told]


def test_attempts_side_by_side_are_refused_on_a_lab_host(tmp_path: Path) -> None:
    lab_host = "lab_host: {address: 192.0.2.7, user: root, host_keys: accept-new}"
    profile = (DATA / "profile.yaml").read_text()
    profile = profile.replace("    networks: [front]\n", f"    networks: [front]\n    {lab_host}\n")
    assert lab_host in profile
    code, problems = _validate(tmp_path, "{count: 2, parallel: 2}", profile)
    assert code == 2 and len(problems) == 1
    assert "web1 is a lab host" in problems[0] and "'parallel: 1'" in problems[0]
