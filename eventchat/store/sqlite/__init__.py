"""The SQLite store of record (the embedded default), searched through the tantivy index."""

from __future__ import annotations

from eventchat.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
