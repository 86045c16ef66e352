"""Summary statistics of the SQLite store (see ``eventchat.store.stats.StoreStats``)."""

from __future__ import annotations

import datetime as dt
import sqlite3

from eventchat.store.stats import StoreStats


def _counts(db: sqlite3.Connection, sql: str) -> dict[str, int]:
    """``{key: count}`` from a two-column query, most frequent first."""
    return {str(key): int(n) for key, n in db.execute(sql)}


def compute_stats(db: sqlite3.Connection, today: dt.date) -> StoreStats:
    """Every statistic in one read (the caller's connection, its own snapshot per query)."""
    events, online, first, last = db.execute(
        "SELECT count(*), coalesce(sum(online), 0), min(start_day), max(start_day) FROM events"
    ).fetchone()
    upcoming = db.execute(
        "SELECT count(*) FROM events WHERE end_day >= ?", (today.isoformat(),)
    ).fetchone()[0]
    version = db.execute("SELECT value FROM meta WHERE key = 'dataset_version'").fetchone()
    return StoreStats(
        events=events,
        upcoming=upcoming,
        today=today,
        online=online,
        first_start=first,
        last_start=last,
        dataset_version=version[0] if version else None,
        by_source=_counts(
            db,
            "SELECT coalesce(source, 'unknown') AS k, count(*) AS n FROM events "
            "GROUP BY k ORDER BY n DESC, k",
        ),
        by_country=_counts(
            db,
            "SELECT country_code, count(*) AS n FROM events WHERE country_code IS NOT NULL "
            "GROUP BY country_code ORDER BY n DESC, country_code",
        ),
        by_tag=_counts(
            db,
            "SELECT t.value AS k, count(*) AS n FROM events, json_each(events.tags) AS t "
            "GROUP BY k ORDER BY n DESC, k",
        ),
        by_year=_counts(
            db,
            "SELECT substr(start_day, 1, 4) AS k, count(*) AS n FROM events GROUP BY k ORDER BY k",
        ),
    )
