"""Judged relevance: what a person expects on the first page of a search, scored on each backend.

``judged.json`` beside this file holds queries over the bundled dataset, each with checks judged
by hand from what a person would expect (its ``about`` says what each kind of check means), and
the baseline each backend scored when it was last recorded. A backend may score higher but not
lower, and no query that passed at baseline may fail. After a gain, record the new baseline: run
``pytest tests/store/test_relevance.py -n 0 -rP`` and paste each backend's printed entry into
``"baseline"``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from eventchat.models import SEARCH_LIMIT_DEFAULT, Event, EventDetail, SearchQuery
from eventchat.store import Store

JUDGED_FILE = Path(__file__).with_name("judged.json")
JUDGED: dict[str, Any] = json.loads(JUDGED_FILE.read_text(encoding="utf-8"))
QUERIES: list[dict[str, Any]] = JUDGED["queries"]
PAGE = SEARCH_LIMIT_DEFAULT  # the first page, as the chat asks for it
CHECKS = ("top", "first", "before", "absent", "only", "at_least", "empty")
KEYS = {"name", "why", "query", "top_n", *CHECKS}


@cache
def bundled() -> dict[str, EventDetail]:
    """The bundled dataset by id, read from the package data (not through a store)."""
    data = files("eventchat") / "data" / "events.jsonl.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        events = (EventDetail.model_validate_json(line) for line in lines)
        return {event.id: event for event in events}


def label(event_id: str) -> str:
    """An id as a reader knows it: name, start date and id."""
    event = bundled().get(event_id)
    return f"{event.name} ({event.start[:10]}, {event_id})" if event else f"unknown id {event_id}"


def judge(item: dict[str, Any], ids: list[str]) -> Iterator[tuple[bool, str]]:
    """Each check of ``item`` on a first page of ``ids``: (passed, what was expected)."""
    rank = {event_id: i for i, event_id in enumerate(ids)}
    n = item.get("top_n", PAGE)
    for event_id in item.get("top", []):
        yield rank.get(event_id, PAGE) < n, f"{label(event_id)} within the first {n}"
    if "first" in item:
        firsts = " or ".join(map(label, item["first"]))
        yield bool(ids) and ids[0] in item["first"], f"first: {firsts}"
    for above, below in item.get("before", []):
        ok = above in rank and rank[above] < rank.get(below, PAGE)
        yield ok, f"{label(above)} on the page and above {label(below)}"
    for event_id in item.get("absent", []):
        yield event_id not in rank, f"{label(event_id)} not on the page"
    if "only" in item:
        strays = [label(event_id) for event_id in ids if event_id not in set(item["only"])]
        yield not strays, f"only judged events on the page; off-judgement: {strays}"
    if "at_least" in item:
        yield len(ids) >= item["at_least"], f"at least {item['at_least']} results"
    if item.get("empty"):
        yield not ids, "no results"


@dataclass(frozen=True)
class Outcome:
    """One judged query run against a store: the page it got and the checks it failed."""

    item: dict[str, Any]
    page: list[Event]
    checks: int
    failed: list[str]

    @property
    def name(self) -> str:
        return str(self.item["name"])

    def report(self) -> str:
        """The query, what it expected and failed to get, and the page it got instead."""
        query = json.dumps(self.item["query"], ensure_ascii=False)
        got = [f"    {i}. {e.name} ({e.start[:10]}, {e.id})" for i, e in enumerate(self.page, 1)]
        return "\n".join(
            [
                f"{self.name!r}: search {query}",
                f"  judged: {self.item['why']}",
                *(f"  expected: {what}" for what in self.failed),
                "  got:" if got else "  got: no results",
                *got,
            ]
        )


def run(store: Store, item: dict[str, Any]) -> Outcome:
    """Search ``store`` for ``item``'s query (first page) and judge the page."""
    page = store.search(SearchQuery.model_validate({**item["query"], "limit": PAGE})).events
    results = list(judge(item, [event.id for event in page]))
    failed = [what for ok, what in results if not ok]
    return Outcome(item, page, len(results), failed)


def record(outcomes: list[Outcome]) -> dict[str, Any]:
    """A baseline entry for these outcomes, as ``judged.json`` keeps it."""
    failing = [o.name for o in outcomes if o.failed]
    passed = sum(o.checks - len(o.failed) for o in outcomes)
    return {
        "checks_passed": passed,
        "checks": sum(o.checks for o in outcomes),
        "failing": failing,
    }


def backend_of(request: pytest.FixtureRequest) -> str:
    """The ``store_backend`` parameter of this test ("sqlite" or "postgres")."""
    assert isinstance(request.node, pytest.Function)
    return str(request.node.callspec.params["store_backend"])


def test_no_judged_query_regresses_and_the_score_holds(
    store_backend: Store, request: pytest.FixtureRequest
) -> None:
    backend = backend_of(request)
    outcomes = [run(store_backend, item) for item in QUERIES]
    now = record(outcomes)
    entry = json.dumps({backend: now}, ensure_ascii=False)
    print(entry)  # shown by -rP: the entry to paste into "baseline" after a gain
    base = JUDGED["baseline"].get(backend)
    if base is None or base["checks"] != now["checks"]:
        pytest.fail(
            f"judged.json has {now['checks']} checks and no {backend} baseline for them — "
            f'record it in "baseline": {entry}',
            pytrace=False,
        )
    regressed = [o for o in outcomes if o.failed and o.name not in base["failing"]]
    if regressed:
        reports = "\n".join(o.report() for o in regressed)
        message = f"{backend}: judged queries that passed at baseline fail now:\n{reports}"
        pytest.fail(message, pytrace=False)
    if now["checks_passed"] < base["checks_passed"]:
        reports = "\n".join(o.report() for o in outcomes if o.failed)
        pytest.fail(
            f"{backend} passes {now['checks_passed']} of {now['checks']} judged checks, below its "
            f"baseline {base['checks_passed']}; the failing queries:\n{reports}",
            pytrace=False,
        )


def named_ids(item: dict[str, Any]) -> set[str]:
    """Every id a judged query names, in any check."""
    pairs = [event_id for pair in item.get("before", []) for event_id in pair]
    lists = ("top", "first", "absent", "only")
    return {*pairs, *(event_id for key in lists for event_id in item.get(key, []))}


def passes_dates(event: Event, query: SearchQuery) -> bool:
    """Whether ``event`` can pass the date filters of ``query``, read as the Store protocol does."""
    start = dt.date.fromisoformat(event.start[:10])
    end = dt.date.fromisoformat((event.end or event.start)[:10])
    after = query.start_after is None or end >= query.start_after
    return after and (query.start_before is None or start <= query.start_before)


def problems(item: dict[str, Any]) -> Iterator[str]:
    """What is wrong with one judged query: unknown keys or ids, impossible expectations."""
    if set(item) - KEYS:
        yield f"unknown keys {sorted(set(item) - KEYS)}"
    if not item.get("why", "").strip() or not any(key in item for key in CHECKS):
        yield "needs a why and at least one check"
    if {"limit", "offset"} & set(item["query"]) or not 1 <= item.get("top_n", PAGE) <= PAGE:
        yield "judgements are of the first page: no limit or offset, top_n 1..10"
    if item.get("empty") and named_ids(item):
        yield "an empty page names no ids"
    if unknown := sorted(named_ids(item) - set(bundled())):
        yield f"ids not in the bundled dataset (was it refreshed? re-judge): {unknown}"
    query = SearchQuery.model_validate(item["query"])
    expected = {*item.get("top", []), *item.get("first", [])}
    expected |= {above for above, _ in item.get("before", [])}
    for event_id in sorted(expected & set(bundled())):
        if not passes_dates(bundled()[event_id], query):
            yield f"expects {label(event_id)}, outside the query's dates"


def test_the_judged_file_is_well_formed() -> None:
    names = [item["name"] for item in QUERIES]
    assert len(set(names)) == len(names), "two judged queries share a name"
    found = {item["name"]: list(problems(item)) for item in QUERIES}
    found = {name: found[name] for name in names if found[name]}
    assert not found, "judged.json: " + json.dumps(found, indent=2, ensure_ascii=False)
    for backend, entry in JUDGED["baseline"].items():
        assert set(entry) == {"checks_passed", "checks", "failing"}, backend
        assert set(entry["failing"]) <= set(names), f"{backend} baseline names unknown queries"


def test_the_checks_read_as_the_judged_file_says() -> None:
    item = {
        "top": ["a", "b"],
        "top_n": 2,
        "first": ["a"],
        "before": [["a", "c"], ["b", "z"]],  # z is off the page: b ranks above it
        "absent": ["x"],
        "only": ["a", "b", "c"],
        "at_least": 3,
    }
    assert all(ok for ok, _ in judge(item, ["a", "b", "c"]))
    failed = [what for ok, what in judge(item, ["c", "x", "a"]) if not ok]
    # a not in the first 2, b off the page, c first, a below c, b off the page, x on it and stray
    assert len(failed) == 7
    assert [ok for ok, _ in judge({"empty": True}, [])] == [True]
