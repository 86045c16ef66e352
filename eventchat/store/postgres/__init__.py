"""The PostgreSQL store of record (deployments), searched through the tantivy index.

Importing this package imports psycopg; ``eventchat.store.open_store`` does so only for a
``postgresql://`` database setting.
"""

from __future__ import annotations

from eventchat.store.postgres.store import PostgresStore, safe_label

__all__ = ["PostgresStore", "safe_label"]
