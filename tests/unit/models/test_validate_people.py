"""Bad monitors, on-call policies and calendars: FILE:LINE error, exit 2, nothing started."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()
PROFILE = EXAMPLES / "webshop" / "profile.yaml"


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        (
            "{person: Kim Minji, within: 3m}",
            "{person: Kim Minj, within: 3m}",
            82,
            "unknown person 'Kim Minj'; did you mean 'Kim Minji'",
        ),
        ("timezone: Asia/Seoul", "timezone: Asia/Seul", 90, "unknown time zone 'Asia/Seul'"),
        ('from: "01:00", to: "05:00"', 'from: "05:00", to: "01:00"', 95, "closes (01:00) before"),
        (
            '{name: weeknight, days: [tue, thu], from: "23:00"',
            '{name: weeknight, days: [sun], from: "04:00"',
            96,
            "Sun 04:00-24:00 overlaps Sun 01:00-05:00",
        ),
        (
            '- log: "CRITICAL {monitor}: {probe} is failing ({detail})"',
            "- webhook: ftp://alerts.acme.example/",
            73,
            "a webhook is an http:// or https:// URL",
        ),
        ("    probe: shop-http\n    after", "    probe: shop-htp\n    after", 69, "shop-http"),
    ],
)
def test_people_problem_is_reported_with_its_line(
    tmp_path: Path, old: str, new: str, line: int, expected: str
) -> None:
    profile = tmp_path / "profile.yaml"
    shutil.copy(PROFILE, profile)
    text = profile.read_text()
    assert old in text
    profile.write_text(text.replace(old, new, 1))

    result = runner.invoke(app, ["validate", str(profile)])
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{profile}:{line}:"), lines[0]
    assert expected in lines[0]


def test_run_with_bad_calendar_starts_nothing(tmp_path: Path) -> None:
    for name in ("profile.yaml", "drill-app-node-loss.yaml"):
        shutil.copy(EXAMPLES / "webshop" / name, tmp_path / name)
    profile = tmp_path / "profile.yaml"
    profile.write_text(profile.read_text().replace("Asia/Seoul", "Mars/Olympus"))

    result = runner.invoke(
        app, ["run", str(tmp_path / "drill-app-node-loss.yaml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert not (tmp_path / "out").exists()
