"""Summary statistics of the PostgreSQL store, equal to the SQLite store's on the same events.

Ties are broken byte-wise, as in SQLite: the grouped columns are declared COLLATE "C".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg.rows import DictRow

from eventchat.store.stats import StoreStats

_COUNTS = {
    "by_source": "SELECT coalesce(source, 'unknown') AS k, count(*) AS n FROM events "
    "GROUP BY k ORDER BY n DESC, k",
    "by_country": "SELECT country_code AS k, count(*) AS n FROM events "
    "WHERE country_code IS NOT NULL GROUP BY k ORDER BY n DESC, k",
    "by_tag": "SELECT t AS k, count(*) AS n FROM events, unnest(events.tags) AS t "
    "GROUP BY k ORDER BY n DESC, k",
    "by_year": "SELECT substr(start_day, 1, 4) AS k, count(*) AS n FROM events "
    "GROUP BY k ORDER BY k",
}


def compute_stats(db: psycopg.Connection[DictRow], today: dt.date) -> StoreStats:
    """Every statistic, read in one repeatable-read snapshot of ``db``."""
    with db.transaction():
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        summary: dict[str, Any] = (
            db.execute(
                "SELECT count(*) AS events, count(*) FILTER (WHERE online) AS online, "
                "count(*) FILTER (WHERE end_day >= %s) AS upcoming, "
                "min(start_day) AS first_start, max(start_day) AS last_start, "
                "(SELECT value FROM meta WHERE key = 'dataset_version') AS dataset_version "
                "FROM events",
                (today.isoformat(),),
            ).fetchone()
            or {}
        )
        counts = {
            name: {str(row["k"]): int(row["n"]) for row in db.execute(sql)}
            for name, sql in _COUNTS.items()
        }
    return StoreStats(today=today, **summary, **counts)
