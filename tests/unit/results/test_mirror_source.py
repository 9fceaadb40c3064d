"""The report's environment says where the mirror's configuration came from, from the
journal alone."""

from __future__ import annotations

from typing import Any

from rehearsal.results.derive import derive_results

AT = "2026-12-01T10:00:00+00:00"


def _journal(*events: dict[str, Any]) -> list[dict[str, Any]]:
    started = {"at": AT, "event": "run.started", "run_id": "r", "kind": "rehearsal",
               "title": "t", "customer": "c", "profile": "p", "scenario": "s", "team": {},
               "rto_s": 300.0}  # fmt: skip
    return [started, *({"at": AT, **event} for event in events)]


def test_a_restored_mirror_shows_its_key() -> None:
    results = derive_results(
        _journal({"event": "mirror.source", "source": "snapshot", "key": "abc123", "nodes": {}})
    )
    assert results.environment["mirror"] == (
        "restored from converged snapshots (key abc123); Ansible skipped"
    )


def test_a_converged_mirror_says_why_and_whether_it_was_saved() -> None:
    results = derive_results(
        _journal(
            {
                "event": "mirror.source",
                "source": "converge",
                "key": "abc123",
                "reason": "no snapshot of db2 for key 9f00",
            },
            {"event": "snapshot.saved", "key": "abc123", "nodes": {}, "seconds": 2.5},
        )  # fmt: skip
    )
    assert results.environment["mirror"] == (
        "converged with Ansible (key abc123): no snapshot of db2 for key 9f00"
    )
    assert results.environment["snapshot"] == "saved abc123 in 2.5 s"


def test_a_snapshot_that_could_not_be_made_is_told() -> None:
    results = derive_results(
        _journal({"event": "snapshot.saved", "key": "k", "error": "a secret is in a binary"})
    )
    assert results.environment["snapshot"] == "not saved: a secret is in a binary"


def test_without_events_nothing_is_claimed() -> None:
    assert "mirror" not in derive_results(_journal()).environment
