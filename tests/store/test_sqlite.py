"""What only the SQLite store has: its migrations, recorded in the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eventchat.store import SQLiteStore


def test_migrations_are_recorded_in_order_and_not_rerun(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    SQLiteStore(path).close()
    reopened = SQLiteStore(path)
    assert reopened.migrations() == [
        "m001_events",
        "m002_events_fts",
        "m003_meta",
        "m004_search_indexes",
        "m005_online_index",
        "m006_search_rankings",
        "m007_ranking_scores",
        "m008_search_index",
        "m009_deadlines",
        "m010_zone_and_series",
    ]
    reopened.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM migrations").fetchone()[0] == 10
