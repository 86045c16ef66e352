"""Searches of several frequent words, answered from the stored ranking of each word.

FTS5's ``bm25()`` of several words is a sum over the words, in query order, of each word's own
score (its IDF times its weighted, length-normalised frequency): the same number, bit for bit,
as adding up the scores each word gets alone, which ``hot_terms`` stores for the first DEPTH
events of every frequent term (see ``sqlite_hot``). So the best events for "machine learning"
(38k matches at 1M events, 80 ms to score them all) follow from the two lists, as in Fagin's
threshold algorithm:

- an event in every list has its exact score;
- an event in some of the lists, if it matches at all, scores no better than its listed scores
  plus, for each list it is missing from, that list's last score (its bound);
- an event in none scores no better than the sum of the lists' last scores.

A list is cut in search order, so an unlisted event that scores exactly a list's last score
comes after the list's last event; with the best score past the list (``next_score``), that
decides classes of equal scores longer than the lists (thousands of "DevOps Summit" events).

The events whose bound could still reach the page get the scores they miss computed here by
the FTS5 formula (``fts5_aux.c``, same operations in the same order, so the same doubles): the
term's IDF from its match count and the index's row count, its frequency per column from this
connection's copy of the tokenizer, weighted as ``BM25``, and the event's length from
``events_fts_docsize``. The page is decided once no event left unscored could reach it; if one
could, or too many need scoring, the caller scores every match instead.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import operator
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from eventchat.store.schema import FTS_COLUMNS, IN_CHUNK
from eventchat.store.sqlite_hot import TOKENS, WEIGHTS, unpack_events, unpack_scores

MAX_SCORED = 1_000  # events scored here: past that, scoring every match is about as cheap
BATCH = 32  # events scored in the first round, best bounds first; then as many as so far
MAX_WORDS = 4  # an event missing from n lists has 2**n bounds to try

# fts5_aux.c's BM25 constants.
_K1 = 1.2
_B = 0.75
_WEIGHT = dict(zip(FTS_COLUMNS, WEIGHTS, strict=True))
_BY_SCORE = operator.itemgetter(0)


@dataclass(frozen=True)
class Index:
    """What every score of the index shares: its row count and average length in tokens."""

    rows: int
    average: float

    @classmethod
    def read(cls, db: sqlite3.Connection) -> Index:
        """From the FTS5 "averages" record: the row count, then each column's token total."""
        block = db.execute("SELECT block FROM events_fts_data WHERE id = 1").fetchone()[0]
        rows, *totals = varints(block)
        return cls(rows, float(sum(totals)) / float(rows))

    def idf(self, matches: int) -> float:
        """The IDF of a term in ``matches`` rows (fts5_aux.c: never below a tiny positive)."""
        value = math.log((self.rows - matches + 0.5) / (matches + 0.5))
        return value if value > 0.0 else 1e-6

    def score(self, idf: float, frequency: float, length: int) -> float:
        """``bm25()`` of one term in a row of ``length`` tokens where its weighted frequency is
        ``frequency``, written as fts5_aux.c computes it."""
        norm = _K1 * (1 - _B + _B * float(length) / self.average)
        return -1.0 * (0.0 + idf * ((frequency * (_K1 + 1.0)) / (frequency + norm)))


def varints(blob: bytes) -> list[int]:
    """The SQLite varints packed in ``blob`` (FTS5 shadow tables store its sizes so)."""
    values: list[int] = []
    at = 0
    while at < len(blob):
        value = 0
        for read in range(9):
            byte = blob[at]
            at += 1
            if read == 8:  # the ninth byte brings all eight bits
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values


Key = tuple[float, str, str]  # an event's place in search order: (score, start_day, id)
Known = tuple[float | None, ...]  # an event's listed score for each phrase (None: not listed)


def merged_order(db: sqlite3.Connection, terms: list[str], wanted: int) -> list[int] | None:
    """The first ``wanted`` rowids of the events holding every term, in search order (score,
    start_day, id), or None when the stored rankings cannot decide them."""
    if len(terms) > MAX_WORDS or (rankings := _rankings(db, list(dict.fromkeys(terms)))) is None:
        return None
    lists = [rankings[term] for term in terms]  # one per phrase: a repeated word counts twice
    listed = [rankings[term].by_event for term in terms]
    common = set.intersection(*(set(ranking.events) for ranking in rankings.values()))
    exact = {event: _sum(scores[event] for scores in listed) for event in common}
    # Events with the same listed scores have the same bounds: they are worked out once.
    alike: dict[Known, list[int]] = {}
    for event in _contenders(lists, common, _nth(exact, wanted)):
        alike.setdefault(tuple([scores.get(event) for scores in listed]), []).append(event)
    floors = {known: _Floor(known, lists) for known in alike}
    pending = sorted([(floor.score, known) for known, floor in floors.items()], key=_BY_SCORE)
    index = Index.read(db)
    page = _Page(db, wanted)
    scored = 0
    while batch := _to_score(pending, alike, floors, page.last(exact), max(BATCH, scored)):
        scored += len(batch)
        if scored > MAX_SCORED:
            return None
        exact.update(_completed(db, index, batch, terms, rankings))
    unseen = _Floor((None,) * len(terms), lists)
    if unseen.score < math.inf and unseen.reaches(page.last(exact)):
        return None  # an event in no list could still make the page
    return page.first(exact)


def _nth(exact: dict[int, float], wanted: int) -> float:
    """The ``wanted``-th best of the exact scores (inf while there are fewer)."""
    return math.inf if len(exact) < wanted else heapq.nsmallest(wanted, exact.values())[-1]


def _contenders(lists: list[_Ranking], common: set[int], cut: float) -> set[int]:
    """The events in some lists but not all that could score ``cut`` or better: walking each
    list from its best, until its score plus the best of every other list is past the cut (by
    a margin far wider than the rounding of adding them in another order)."""
    firsts = [ranking.scores[0] for ranking in lists]
    found: set[int] = set()
    for i, ranking in enumerate(lists):
        others = _sum(first for k, first in enumerate(firsts) if k != i)
        stop = cut + abs(cut) * 1e-9
        for event, score in zip(ranking.events, ranking.scores, strict=True):
            if score + others > stop:
                break
            if event not in common:
                found.add(event)
    return found


def _to_score(
    pending: list[tuple[float, Known]],
    alike: dict[Known, list[int]],
    floors: dict[Known, _Floor],
    last: Key,
    size: int,
) -> dict[int, Known]:
    """Up to ``size`` events not scored yet, lowest bound first, that could come before ``last``
    or be it; taken out of ``alike``."""
    batch: dict[int, Known] = {}
    for score, known in pending:
        if score > last[0] or len(batch) == size:
            break
        events = alike[known]
        if events and (score < last[0] or floors[known].reaches(last)):
            while events and len(batch) < size:
                batch[events.pop()] = known
    return batch


@dataclass(frozen=True)
class _Ranking:
    matches: int
    events: tuple[int, ...]  # rowids, best first
    scores: tuple[float, ...]  # their scores for the term alone
    last: float  # no unlisted match scores better; inf when every match is listed
    after: float  # the best score worse than ``last`` (inf: none)
    last_at: tuple[str, str]  # (start_day, id) of the last listed event

    @functools.cached_property
    def by_event(self) -> dict[int, float]:
        return dict(zip(self.events, self.scores, strict=True))


class _Floor:
    """The best places in search order an event could have, given the scores known of it.

    For a phrase it is not listed for, the event scores either the list's last score, and then
    comes after the list's last event (the list is cut in search order), or the list's
    ``after`` score or worse. Each choice of the missing phrases that score worse gives a
    lowest score and, from the others, a start_day and id the event comes after.
    """

    def __init__(self, scores: Known, lists: list[_Ranking]) -> None:
        self._scores = scores
        self._lists = lists
        self._missing = [i for i, score in enumerate(scores) if score is None]
        # Every missing phrase at its list's last score: the lowest of all choices.
        self.score = self._bound(())

    def _bound(self, worse: tuple[int, ...]) -> float:
        lists = self._lists
        return _sum(
            score if score is not None else lists[i].after if i in worse else lists[i].last
            for i, score in enumerate(self._scores)
        )

    @functools.cached_property
    def _choices(self) -> list[tuple[float, tuple[str, str] | None]]:
        choices = []
        for n in range(len(self._missing) + 1):
            for worse in itertools.combinations(self._missing, n):
                if (bound := self._bound(worse)) < math.inf:  # inf: no worse score exists
                    last = [self._lists[i].last_at for i in self._missing if i not in worse]
                    choices.append((bound, max(last) if last else None))
        return choices

    def reaches(self, last: Key) -> bool:
        """Whether the event could come before ``last`` or be it."""
        score, *at = last
        if self.score != score:
            return self.score < score  # the lowest choice decides
        return any(
            bound < score or (bound == score and (after is None or after < tuple(at)))
            for bound, after in self._choices
        )


class _Page:
    """The page's events among the exactly scored ones, in search order; reads the start_day and
    id of those that could be on it."""

    def __init__(self, db: sqlite3.Connection, wanted: int) -> None:
        self._db = db
        self._wanted = wanted
        self._places: dict[int, tuple[str, str]] = {}

    def first(self, exact: dict[int, float]) -> list[int]:
        """The first ``wanted`` of ``exact`` in search order."""
        if len(exact) <= self._wanted:
            cut = math.inf
        else:
            cut = heapq.nsmallest(self._wanted, exact.values())[-1]
        contenders = [event for event, score in exact.items() if score <= cut]
        unplaced = [event for event in contenders if event not in self._places]
        for start in range(0, len(unplaced), IN_CHUNK):
            chunk = unplaced[start : start + IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT rowid, start_day, id FROM events WHERE rowid IN ({marks})"
            self._places.update((row[0], (row[1], row[2])) for row in self._db.execute(sql, chunk))
        contenders.sort(key=lambda event: (exact[event], *self._places[event]))
        return contenders[: self._wanted]

    def last(self, exact: dict[int, float]) -> Key:
        """The place of the page's last event (past every place while the page is short)."""
        first = self.first(exact)
        if len(first) < self._wanted:
            return (math.inf, "", "")
        return (exact[first[-1]], *self._places[first[-1]])


def _rankings(db: sqlite3.Connection, terms: list[str]) -> dict[str, _Ranking] | None:
    """Each term's stored ranking, or None when one has none."""
    marks = ", ".join("?" * len(terms))
    sql = (
        "SELECT term, total, listed, events, scores, next_score FROM hot_terms "
        f"WHERE term IN ({marks}) AND listed > 0 AND events IS NOT NULL AND scores IS NOT NULL"
    )
    stored = {row[0]: row[1:] for row in db.execute(sql, terms)}
    if len(stored) < len(terms):
        return None
    lasts = {term: unpack_events(row[2][-8:])[0] for term, row in stored.items()}
    sql = f"SELECT rowid, start_day, id FROM events WHERE rowid IN ({marks})"
    places = {row[0]: (str(row[1]), str(row[2])) for row in db.execute(sql, list(lasts.values()))}
    rankings = {}
    for term, (matches, listed, events, scores, next_score) in stored.items():
        listed_scores = unpack_scores(scores)
        complete = listed >= matches
        rankings[term] = _Ranking(
            matches=matches,
            events=unpack_events(events),
            scores=listed_scores,
            last=math.inf if complete else listed_scores[-1],
            after=math.inf if complete or next_score is None else next_score,
            last_at=places[lasts[term]],
        )
    return rankings


def _sum(scores: Iterable[float]) -> float:
    """Scores added left to right from 0.0, as bm25() adds its phrases."""
    total = 0.0
    for score in scores:
        total += score
    return total


def _completed(
    db: sqlite3.Connection,
    index: Index,
    known: dict[int, Known],
    terms: list[str],
    rankings: dict[str, _Ranking],
) -> dict[int, float]:
    """The exact scores of those events (with their listed scores) that hold every term; the
    others are left out."""
    events = list(known)
    missing = {t for k in set(known.values()) for t, s in zip(terms, k, strict=True) if s is None}
    frequency = frequencies(db, events, sorted(missing))
    sizes = lengths(db, events)
    idf = {term: index.idf(rankings[term].matches) for term in missing}
    completed = {}
    for event in events:
        scores: list[float] = []
        for term, listed in zip(terms, known[event], strict=True):
            if listed is not None:
                scores.append(listed)
            elif (event, term) in frequency:
                scores.append(index.score(idf[term], frequency[event, term], sizes[event]))
            else:
                break
        else:
            completed[event] = _sum(scores)
    return completed


def frequencies(
    db: sqlite3.Connection, events: list[int], terms: list[str]
) -> dict[tuple[int, str], float]:
    """The weighted frequency of each term in each event that holds it, as ``bm25()`` counts it:
    each occurrence adds its column's weight (whole numbers, so the order of adding is moot)."""
    columns = ", ".join(FTS_COLUMNS)
    rowids = ", ".join("?" * len(events))
    db.execute(
        f"INSERT INTO {TOKENS}(rowid, {columns}) "
        f"SELECT rowid, {columns} FROM events WHERE rowid IN ({rowids})",
        events,
    )
    try:
        sql = (
            f"SELECT doc, term, col, count(*) FROM {TOKENS}_v "
            f"WHERE term IN ({', '.join('?' * len(terms))}) GROUP BY doc, term, col"
        )
        counted = db.execute(sql, terms).fetchall()
    finally:
        db.execute(f"DELETE FROM {TOKENS}")
    frequency: dict[tuple[int, str], float] = {}
    for event, term, column, n in counted:
        frequency[event, term] = frequency.get((event, term), 0.0) + _WEIGHT[column] * n
    return frequency


def lengths(db: sqlite3.Connection, events: list[int]) -> dict[int, int]:
    """Each event's length in tokens, all columns together (FTS5's docsize records)."""
    marks = ", ".join("?" * len(events))
    sql = f"SELECT id, sz FROM events_fts_docsize WHERE id IN ({marks})"
    return {int(row[0]): sum(varints(row[1])) for row in db.execute(sql, events)}
