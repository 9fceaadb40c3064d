"""The findings tables of docs/results.md are the ones the code writes, and leave nothing out."""

from __future__ import annotations

from typing import get_args

import pytest

from rehearsal.journal.finding_ids import PREFIXES
from rehearsal.models.vocabulary import Category, Severity
from rehearsal.report.contract import BEGIN, END, STALE, findings_made, render, rewrite
from tests.conftest import ROOT

RESULTS_DOC = ROOT / "docs" / "results.md"


def test_committed_findings_tables_are_what_the_code_writes() -> None:
    committed = RESULTS_DOC.read_text(encoding="utf-8")
    if rewrite(committed, render(findings_made())) != committed:
        pytest.fail(STALE, pytrace=False)


def test_every_prefix_is_made_somewhere_and_every_maker_uses_a_known_prefix() -> None:
    made = findings_made()
    assert {m.prefix for m in made} == set(PREFIXES)


def test_literal_severities_and_categories_are_the_vocabulary() -> None:
    words = set(get_args(Severity)) | set(get_args(Category))
    for m in findings_made():
        for value in (m.severity, m.category):
            for word in value.split(" *or* "):
                assert word in words or word.startswith("{") or word == "as given", (m, word)


def test_the_findings_made_by_each_part_are_listed() -> None:
    titles = {(m.prefix, m.title) for m in findings_made()}
    assert ("E", "The test environment broke during the run") in titles
    assert ("M", "Recovery took longer than the RTO") in titles
    assert ("P", "Nobody acknowledged alert {alert.label} ({alert.severity})") in titles
    assert ("F", "as given") in titles


def test_rewrite_replaces_only_the_marked_part() -> None:
    document = f"before\n{BEGIN}\nold\n{END}\nafter\n"
    assert rewrite(document, f"{BEGIN}\nnew\n{END}") == f"before\n{BEGIN}\nnew\n{END}\nafter\n"
