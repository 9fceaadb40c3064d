"""The case library: every finished run of a reports folder, searchable by its words.

    index_run(Path("reports"), run_dir, results)
    for hit in search(Path("reports"), "connection pool"): print(hit.run_id, hit.matched)

One SQLite file (``cases.db``) next to the run folders. Full-text search uses FTS5 when the
SQLite build has it and falls back to LIKE otherwise; either way the file is a cache that
``reindex`` rebuilds from the runs' own results.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from rehearsal.results.model import Results

CASES_NAME = "cases.db"
SEARCH_LIMIT = 50

_RUNS = """CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at TEXT, customer TEXT, title TEXT, scenario TEXT,
    status TEXT, report TEXT)"""
_ENTRY_COLUMNS = "run_id UNINDEXED, kind UNINDEXED, ref UNINDEXED, title, body"


@dataclass(frozen=True)
class CaseHit:
    run_id: str
    started_at: str
    customer: str
    title: str
    status: str
    matched: str
    """What matched: "finding R2: Pool exhausted…", "observation o1: …" or "run"."""
    report: str


@contextmanager
def _open(reports_dir: Path) -> Iterator[sqlite3.Connection]:
    reports_dir.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(reports_dir / CASES_NAME, timeout=10)) as db, db:
        db.execute(_RUNS)
        if not _has_table(db, "entries"):
            try:
                db.execute(f"CREATE VIRTUAL TABLE entries USING fts5({_ENTRY_COLUMNS})")
            except sqlite3.OperationalError:  # SQLite built without FTS5
                plain = _ENTRY_COLUMNS.replace(" UNINDEXED", "")
                db.execute(f"CREATE TABLE entries ({plain})")
        yield db


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE name = ?"
    return db.execute(query, (name,)).fetchone() is not None


def uses_fts(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = 'entries'").fetchone()
    return row is not None and "fts5" in str(row[0]).lower()


def index_run(reports_dir: Path, run_dir: Path, results: Results) -> None:
    """Put (or put again) one run and its findings and observations into the library."""
    with _open(reports_dir) as db:
        _replace(db, run_dir, results)


def _replace(db: sqlite3.Connection, run_dir: Path, results: Results) -> None:
    db.execute("DELETE FROM runs WHERE run_id = ?", (results.run_id,))
    db.execute("DELETE FROM entries WHERE run_id = ?", (results.run_id,))
    db.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            results.run_id,
            results.started_at.isoformat(),
            results.customer,
            results.title,
            results.scenario,
            results.status,
            str((run_dir / "report.html").resolve()),
        ),
    )
    about_run = " ".join(
        filter(None, [results.purpose, results.symptom, results.error, results.scenario])
    )
    entries = [("run", "", results.title, about_run)]
    entries += [
        ("finding", f.id, f.title, " ".join(filter(None, [f.detail, f.recommendation, f.category])))
        for f in results.findings
    ]
    entries += [("observation", q.id, q.instruction, q.notes) for q in results.questions if q.notes]
    db.executemany(
        "INSERT INTO entries VALUES (?, ?, ?, ?, ?)",
        [(results.run_id, *entry) for entry in entries],
    )


def search(reports_dir: Path, words: str) -> list[CaseHit]:
    """Runs, findings and observations holding every one of ``words``, newest run first."""
    terms = re.findall(r"\w+", words)
    if not terms or not (reports_dir / CASES_NAME).is_file():
        return []
    with _open(reports_dir) as db:
        if uses_fts(db):
            where = "e.entries MATCH ?"
            params: list[str] = [" ".join(f'"{term}"*' for term in terms)]
        else:
            where = " AND ".join(["(e.title || ' ' || e.body) LIKE ?"] * len(terms))
            params = [f"%{term}%" for term in terms]
        rows = db.execute(
            "SELECT r.run_id, r.started_at, r.customer, r.title, r.status, e.kind, e.ref, "
            f"e.title, r.report FROM entries e JOIN runs r USING (run_id) WHERE {where} "
            f"ORDER BY r.started_at DESC LIMIT {SEARCH_LIMIT}",
            params,
        ).fetchall()
    return [
        CaseHit(run, started, customer, title, status, _matched(kind, ref, what), report)
        for run, started, customer, title, status, kind, ref, what, report in rows
    ]


def _matched(kind: str, ref: str, title: str) -> str:
    return "run" if kind == "run" else f"{kind} {ref}: {title}"


def reindex(reports_dir: Path) -> int:
    """Rebuild the library from every run folder's results.json; returns how many runs."""
    from rehearsal.report.trend import load_results

    (reports_dir / CASES_NAME).unlink(missing_ok=True)
    count = 0
    with _open(reports_dir) as db:
        for run_dir in sorted(p for p in reports_dir.iterdir() if p.is_dir()):
            results = load_results(run_dir)
            if results is not None:
                _replace(db, run_dir, results)
                count += 1
    return count
