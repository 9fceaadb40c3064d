"""``import rehearsal`` is the Python user's way in: the names in ``__all__`` load on first
use (so the command line's ``--help`` pays for none of them), and the facade refuses,
returns and rebuilds as the CLI does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import rehearsal
from tests.conftest import EXAMPLES, ROOT
from tests.drill_journal import write_drill_journal

DRILL = EXAMPLES / "webshop" / "drill-app-node-loss.yaml"
HEAVY = ("pydantic", "typer", "rich", "prefect", "docker", "yaml", "jinja2", "ansible_runner")


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = "import json, sys, rehearsal; print(json.dumps([m.split('.')[0] for m in sys.modules]))"
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(shown.stdout)
    assert not set(HEAVY) & set(loaded)


def test_every_public_name_is_there_and_no_other() -> None:
    for name in rehearsal.__all__:
        assert getattr(rehearsal, name) is not None, name
    assert set(rehearsal.__all__) <= set(dir(rehearsal))
    with pytest.raises(AttributeError, match="no attribute 'lod_plan'"):
        rehearsal.lod_plan  # noqa: B018


def test_a_run_refused_by_an_emergency_stop_makes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHEARSAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    from rehearsal.runs.live import raise_stop

    raise_stop("Sato Ren", "cutover freeze")
    plan = rehearsal.load_plan(DRILL)
    with pytest.raises(rehearsal.RunRefused, match="cutover freeze"):
        rehearsal.run(plan, rehearsal.RunOptions(tmp_path / "reports"))
    assert not (tmp_path / "reports").exists()


def test_a_bad_plan_is_invalid_input_with_located_problems(tmp_path: Path) -> None:
    bad = tmp_path / "drill.yaml"
    bad.write_text(DRILL.read_text().replace("profile: profile.yaml", "profile: nowhere.yaml"))
    with pytest.raises(rehearsal.InvalidInput) as raised:
        rehearsal.load_plan(bad)
    assert raised.value.exit_code == 2
    assert [problem.file for problem in raised.value.problems] == [str(bad)]


def test_rebuild_returns_the_results_it_writes(tmp_path: Path) -> None:
    run_dir = write_drill_journal(tmp_path / "run")
    done = rehearsal.rebuild(run_dir, rehearsal.ReportOptions(locale="ja"))
    assert isinstance(done.results, rehearsal.Results)
    saved = rehearsal.Results.model_validate_json((run_dir / "results.json").read_text())
    assert saved == done.results
    assert (run_dir / "report.html").is_file()
