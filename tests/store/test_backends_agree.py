"""On the bundled dataset, SQLite and PostgreSQL find the same events for the same query.

Ranking may differ (BM25 against ts_rank) but membership, ``total`` and filters may not; without
text both order by start date, so the order must match too. The text queries include the cases
where the tokenizers could part ways: plurals and stems, accents, "node.js", "c++", and stop
words (which PostgreSQL keeps, as FTS5 does, through eventchat's own dictionary).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eventchat.models import SearchQuery
from eventchat.store import Store

pytestmark = pytest.mark.postgres

D = dt.date
QUERIES: list[dict[str, Any]] = [
    # filters alone (ordered by date: the order must match)
    {"country": "UK"},
    {"country": "U.K."},
    {"country": "England"},
    {"country": "GBR"},
    {"country": "Deutschland"},
    {"country": "U.S.A.", "start_after": D(2026, 1, 1)},
    {"locality": "berlin"},
    {"locality": "ZURICH"},
    {"locality": "new york, ny"},
    {"locality": "São Paulo"},
    {"tags": ["javascript"], "start_after": D(2025, 6, 1)},
    {"tags": ["PYTHON", "Data"]},
    {"tags": ["opensource", "rust"]},
    {"start_after": D(2024, 1, 1), "start_before": D(2024, 3, 31)},
    {"start_after": D(2025, 5, 15), "start_before": D(2025, 5, 15)},
    {"online": True, "start_after": D(2025, 1, 1)},
    {"online": False, "country": "FR"},
    {"locality": "berlin", "tags": ["javascript"], "start_after": D(2024, 1, 1),
     "start_before": D(2024, 12, 31)},
    {"tags": ["general"], "online": True},
    {"tags": ["devops", "general"], "country": "US", "start_before": D(2025, 12, 31)},
    {"tags": ["devops", "security"], "online": False},
    {"tags": ["javascript", "ux"], "start_after": D(2019, 1, 1)},
    # text, with and without filters (membership only)
    {"q": "python"},
    {"q": "conferences"},
    {"q": "summit"},
    {"q": "node.js"},
    {"q": "c++"},
    {"q": "zurich"},
    {"q": "münchen"},
    {"q": "machine learning"},
    {"q": "devops days"},
    {"q": "the"},
    {"q": "it conference"},
    {"q": '-rust "the" conference*'},
    {"q": "conference", "country": "Deutschland"},
    {"q": "react", "start_after": D(2025, 1, 1)},
    {"q": "security", "online": True},
    {"q": "javascript", "locality": "london", "tags": ["javascript"]},
]  # fmt: skip


def every_id(store: Store, query: dict[str, Any]) -> tuple[int, list[str]]:
    """The total and every matching id, page by page (50 at a time)."""
    ids: list[str] = []
    total = None
    while total is None or len(ids) < total:
        page = store.search(SearchQuery(**query, limit=50, offset=len(ids)))
        total = page.total
        ids += [e.id for e in page.events]
        if not page.events:
            break
    return total, ids


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: ",".join(f"{k}={v}" for k, v in q.items()))
def test_both_backends_return_the_same_events(
    store: Store, postgres_bundled_store: Store, query: dict[str, Any]
) -> None:
    sqlite_total, sqlite_ids = every_id(store, query)
    pg_total, pg_ids = every_id(postgres_bundled_store, query)
    assert sqlite_total > 0
    assert (pg_total, len(pg_ids)) == (sqlite_total, len(sqlite_ids)) == (sqlite_total,) * 2
    assert set(pg_ids) == set(sqlite_ids)
    if not query.get("q"):
        assert pg_ids == sqlite_ids


def test_both_backends_agree_on_the_statistics(store: Store, postgres_bundled_store: Store) -> None:
    today = dt.date(2026, 1, 1)
    sqlite_stats, pg_stats = store.stats(today), postgres_bundled_store.stats(today)
    assert pg_stats == sqlite_stats
    for field in ("by_source", "by_country", "by_tag", "by_year"):  # the order too
        assert list(getattr(pg_stats, field).items()) == list(getattr(sqlite_stats, field).items())


def test_a_page_holds_the_same_events_at_the_same_offsets_without_text(
    store: Store, postgres_bundled_store: Store
) -> None:
    query = SearchQuery(country="US", start_after=D(2025, 1, 1), limit=7, offset=21)
    assert postgres_bundled_store.search(query) == store.search(query)
