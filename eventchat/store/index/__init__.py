"""The tantivy search index both stores of record use: fields, queries, and keeping it current.

``schema`` owns the fields and the text analyzer, ``search`` turns a SearchQuery into a tantivy
query and one page of ids, ``sync`` keeps an index directory in step with its store.
"""

from __future__ import annotations

from eventchat.store.index.sync import SearchIndex, Version

__all__ = ["SearchIndex", "Version"]
