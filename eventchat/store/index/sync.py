"""The index on disk, kept in step with the data version of its store of record.

The index is derived data: a directory holding tantivy's files and ``eventchat.json``, which
names the index ``FORMAT``, the store it was built from (the store's ``store_id``) and the
store's data version it reflects. A store that writes updates the index in the same operation
(:meth:`SearchIndex.apply`); a process that did not write sees that the store's version moved on
its next search and reloads, or, when no process on this host brought the index up to date (a
write from another host, or from outside eventchat), rebuilds it from the store
(:meth:`SearchIndex.ensure`). An index that is missing, unreadable, of another format or of
another store is rebuilt; being derived, it is the one thing eventchat deletes on its own.

Several processes on one host share one directory: every change happens under an exclusive
file lock beside it (``<dir>.lock``), so there is one writer at a time, and readers reload when
``eventchat.json`` moves. Within a process a thread lock guards the same steps.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy
from filelock import FileLock, Timeout

from eventchat.errors import StoreError
from eventchat.models import SearchQuery
from eventchat.store.index import search
from eventchat.store.index.schema import (
    ANALYZER,
    EXACT_ANALYZER,
    FORMAT,
    SORT_FIELD,
    analyzer,
    build_schema,
    document,
    exact_analyzer,
    spell_symbols,
)
from eventchat.store.index.search import Word

log = logging.getLogger("eventchat")

META_FILE = "eventchat.json"
LOCK_WAIT = 120.0  # seconds a process waits for another's index write (a 1M-event build)
_HEAP = 128_000_000  # bytes of writer memory: fewer, larger segments for a full build
_BATCH_HEAP = 32_000_000

Rows = Callable[[], Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class Version:
    """Which state of which store an index reflects."""

    store: str
    data: str


def _damaged(exc: BaseException) -> bool:
    """Whether ``exc`` is tantivy failing on its files: an I/O or data error, or a panic (pyo3
    raises a Rust panic as ``PanicException``, a BaseException)."""
    return isinstance(exc, (OSError, ValueError)) or type(exc).__name__ == "PanicException"


class SearchIndex:
    """One tantivy index directory for one store of record (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._schema = build_schema()
        self._analyzer = analyzer()
        self._exact = exact_analyzer()
        self._thread_lock = threading.RLock()
        self._file_lock = FileLock(f"{directory}.lock", timeout=LOCK_WAIT)
        self._index: tantivy.Index | None = None
        self._loaded: Version | None = None  # what the open reader reflects

    # -- reading -------------------------------------------------------------------------

    @property
    def loaded(self) -> Version | None:
        """The store version the open reader reflects (None: not opened yet)."""
        return self._loaded if self._index is not None else None

    def search(self, query: SearchQuery, current: Version, rows: Rows) -> tuple[int, list[str]]:
        """Total and one page of ids for ``query``, after making the index ``current``."""
        planned = search.plan(self._schema, self._terms, query)
        index = self._current(current, rows)
        try:
            return search.page(index.searcher(), planned, query.offset, query.limit)
        except BaseException as exc:
            if not _damaged(exc):
                raise
            log.warning("the search index %s is damaged (%s); rebuilding it", self.directory, exc)
        with self._thread_lock, self._exclusive():
            self._create()
            self._rebuild(current, rows())
        assert self._index is not None
        return search.page(self._index.searcher(), planned, query.offset, query.limit)

    def _terms(self, word: str) -> Word | None:
        word = spell_symbols(word)
        stems = list(self._analyzer.analyze(word))
        return Word(stems, list(self._exact.analyze(word))) if stems else None

    def _current(self, current: Version, rows: Rows) -> tantivy.Index:
        if self._index is not None and self._loaded == current:
            return self._index
        with self._thread_lock:
            if self._index is None or self._loaded != current:
                self.ensure(current, rows)
            assert self._index is not None
            return self._index

    def ensure(self, current: Version, rows: Rows) -> None:
        """Open the index reflecting ``current``; rebuild it from ``rows()`` when needed."""
        with self._thread_lock:
            on_disk = self._read_meta()
            if on_disk == current and self._open_existing():
                self._loaded = current
                return
            with self._exclusive():
                on_disk = self._read_meta()  # another process may have done it meanwhile
                if on_disk == current and self._open_existing():
                    self._loaded = current
                    return
                self._rebuild(current, rows())

    # -- writing -------------------------------------------------------------------------

    def apply(
        self,
        before: Version,
        after: Version,
        written: Iterable[Mapping[str, Any]],
        rows: Rows,
        *,
        removed: Iterable[str] = (),
    ) -> None:
        """Bring the index from ``before`` to ``after`` by re-indexing the ``written`` rows and
        dropping the ``removed`` ids.

        When the index did not reflect ``before`` (a write it missed), it is rebuilt from
        ``rows()`` instead, so it can never stay behind.
        """
        with self._thread_lock, self._exclusive():
            if self._read_meta() != before or not self._open_existing():
                self._rebuild(after, rows())
                return
            with self._writer(_BATCH_HEAP) as writer:
                for event_id in removed:
                    writer.delete_documents_by_term("id", event_id)
                for row in written:
                    writer.delete_documents_by_term("id", row["id"])
                    writer.add_document(document(row))
            self._publish(after)

    def rebuild(self, current: Version, rows: Iterable[Mapping[str, Any]]) -> None:
        """Index ``rows`` afresh as the state ``current`` of the store."""
        with self._thread_lock, self._exclusive():
            self._rebuild(current, rows)

    def _rebuild(self, current: Version, rows: Iterable[Mapping[str, Any]]) -> None:
        if not self._open_existing():
            self._create()
        count = 0
        with self._writer(_HEAP) as writer:
            writer.delete_all_documents()
            for row in rows:
                writer.add_document(document(row))
                count += 1
        log.info("indexed %d events in %s", count, self.directory)
        self._publish(current)

    @contextlib.contextmanager
    def _writer(self, heap: int) -> Iterator[tantivy.IndexWriter]:
        """One writer thread (one segment: a fresh index keeps the rows' order), committed at
        the end, rolled back on any error; it waits for its merges before the lock is let go."""
        assert self._index is not None
        writer = self._index.writer(heap, 1)
        try:
            yield writer
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()

    def _publish(self, current: Version) -> None:
        """Record ``current`` as what the index reflects, and show it to this process."""
        meta = {"format": FORMAT, "store": current.store, "version": current.data}
        tmp = self.directory / f".{META_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, self.directory / META_FILE)
        assert self._index is not None
        self._index.reload()
        self._loaded = current

    # -- the directory -------------------------------------------------------------------

    def _read_meta(self) -> Version | None:
        try:
            meta = json.loads((self.directory / META_FILE).read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT:
                return None
            return Version(str(meta["store"]), str(meta["version"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _open_existing(self) -> bool:
        """Open (or reload) the index in the directory; False when there is none or it is bad."""
        if self._index is not None:
            try:
                self._index.reload()
                return True
            except (OSError, ValueError):
                self._index = None
        if not (self.directory / "meta.json").exists():
            return False
        try:
            index = tantivy.Index(self._schema, path=str(self.directory), reuse=True)
            self._register(index)
            index.reload()
        except (OSError, ValueError) as exc:
            log.warning(
                "the search index %s cannot be read (%s); rebuilding it", self.directory, exc
            )
            return False
        self._index = index
        return True

    def _create(self) -> None:
        """A new, empty index in place of whatever the directory held."""
        self._index = None
        self._loaded = None
        shutil.rmtree(self.directory, ignore_errors=True)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(
                self._schema, path=str(self.directory), reuse=False, sort_by_field=SORT_FIELD
            )
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"cannot create the search index in {self.directory} ({exc}) — make the "
                "directory writable"
            ) from exc
        self._register(index)
        self._index = index

    def _register(self, index: tantivy.Index) -> None:
        index.register_tokenizer(ANALYZER, self._analyzer)
        index.register_tokenizer(EXACT_ANALYZER, self._exact)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        try:
            self.directory.parent.mkdir(parents=True, exist_ok=True)
            with self._file_lock:
                yield
        except Timeout as exc:
            raise StoreError(
                f"the search index {self.directory} is being written by another process for "
                f"over {LOCK_WAIT:.0f} s — try again when it has finished"
            ) from exc

    def close(self) -> None:
        """Drop the open index; the next search opens it again."""
        with self._thread_lock:
            self._index = None
            self._loaded = None
