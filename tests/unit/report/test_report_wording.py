"""Customer-facing words: English, Japanese, and a team's own overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehearsal.cli.app import app
from rehearsal.errors import ReportRefused
from rehearsal.report.wording import _builtin, load_wording, locales
from tests.drill_journal import write_drill_journal

runner = CliRunner()


def test_every_language_uses_only_the_keys_and_placeholders_of_english() -> None:
    assert {"en", "ja"} <= set(locales())
    for locale in locales():
        load_wording(locale)  # raises on an unknown key or placeholder
    assert set(_builtin("ja")) == set(_builtin("en")), "ja is complete"


def test_report_in_japanese(tmp_path: Path) -> None:
    run_dir = write_drill_journal(tmp_path / "run")
    done = runner.invoke(app, ["report", str(run_dir), "--locale", "ja"])
    assert done.exit_code == 0, done.output
    html = (run_dir / "report.html").read_text()
    assert '<html lang="ja">' in html
    assert "リハーサルは合格しました。" in html and "Acme Retail 様向け: 概要" in html
    assert "## 指摘事項" in (run_dir / "report.md").read_text()


def test_a_team_overrides_words_with_its_own_file(tmp_path: Path) -> None:
    run_dir = write_drill_journal(tmp_path / "run")
    words = tmp_path / "words.yaml"
    words.write_text('heading:\n  must_change: "Before cut-over, {customer} should change"\n')
    with pytest.raises(ReportRefused, match="uses \\{customer\\}; it may use no placeholders"):
        load_wording("en", words)
    words.write_text("heading:\n  must_change: Before cut-over, change this\n")
    done = runner.invoke(app, ["report", str(run_dir), "--wording", str(words)])
    assert done.exit_code == 0
    assert "<h2>Before cut-over, change this</h2>" in (run_dir / "report.html").read_text()


def test_an_unknown_locale_or_key_is_a_clear_error(tmp_path: Path) -> None:
    run_dir = write_drill_journal(tmp_path / "run")
    done = runner.invoke(app, ["report", str(run_dir), "--locale", "tlh"])
    assert done.exit_code == 2
    assert "unknown locale 'tlh'; choose one of: en, ja" in done.output
    words = tmp_path / "words.yaml"
    words.write_text("heading:\n  must_chnage: typo\n")
    done = runner.invoke(app, ["report", str(run_dir), "--wording", str(words)])
    assert done.exit_code == 2 and "unknown wording key 'heading.must_chnage'" in done.output


def test_run_refuses_an_unknown_locale_before_starting_anything() -> None:
    drill = Path(__file__).parents[3] / "examples" / "webshop" / "drill-app-node-loss.yaml"
    done = runner.invoke(app, ["run", str(drill), "--locale", "xx"])
    assert done.exit_code == 2 and "unknown locale 'xx'" in done.output


def test_the_locale_of_a_run_is_kept_in_its_journal_and_used_for_its_reports(
    tmp_path: Path,
) -> None:
    from rehearsal.runs.session import RunOptions, RunSession
    from rehearsal.scenarios.planning import load_plan

    drill = Path(__file__).parents[3] / "examples" / "webshop" / "drill-app-node-loss.yaml"
    session = RunSession(load_plan(drill), RunOptions(tmp_path, locale="ja"), run_id="r-ja")
    session.start()
    results = session.finish("completed", None)

    assert results.status == "failed"  # nothing ran, so recovery was not observed
    html = (tmp_path / "r-ja" / "report.html").read_text()
    assert '<html lang="ja">' in html and "リハーサルは不合格でした。" in html
