"""Deadlines are searchable on both backends: within bounds, still open against a pinned today,
none open, sorted by the first deadline; and through the REST API, whose today is the setting."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx2
import pytest

from eventchat.models import Deadline, EventLinks, SearchQuery
from eventchat.service import create_app
from eventchat.store import Store
from tests.store.conftest import EVENTS, make

TODAY = dt.date(2026, 12, 3)


def with_deadlines(event_id: str, name: str, start: str, *ats: str) -> Any:
    deadlines = [Deadline(kind="paper", at=at, timezone="AoE") for at in ats]
    return make(event_id, name, start, links=EventLinks(id=event_id, deadlines=deadlines))


CALLS = [
    with_deadlines("icml", "ICML 2027", "2027-07-10", "2027-01-20T23:59:00-12:00",
                   "2027-01-28T23:59:00-12:00"),
    with_deadlines("pyus", "PyCon US 2027", "2027-05-14", "2026-12-18T23:59:00-05:00"),
    with_deadlines("old", "Old Python Conf", "2026-05-14", "2026-01-18"),
    with_deadlines("today", "Python Today Summit", "2027-03-01", "2026-12-03T23:59:00-12:00"),
]  # fmt: skip


@pytest.fixture
def calls(empty_store: Store) -> Store:
    empty_store.upsert([*EVENTS, *CALLS])
    return empty_store


def ids(store: Store, **params: Any) -> list[str]:
    return [e.id for e in store.search(SearchQuery(**params).on(TODAY)).events]


def test_cfp_open_means_a_deadline_on_or_after_today_in_its_own_zone(calls: Store) -> None:
    assert sorted(ids(calls, cfp_open=True)) == ["icml", "pyus", "today"]
    assert ids(calls, cfp_open=True, q="python") == ["today"]


def test_sort_by_deadline_puts_the_soonest_open_deadline_first(calls: Store) -> None:
    assert ids(calls, cfp_open=True, sort="deadline") == ["today", "pyus", "icml"]
    # every deadline counts without bounds; events with none come last, by start
    everything = ids(calls, sort="deadline", limit=50)
    assert everything[:4] == ["old", "today", "pyus", "icml"]
    assert set(everything[4:]) == {e.id for e in EVENTS}


def test_one_deadline_must_lie_within_both_bounds(calls: Store) -> None:
    window = {"deadline_after": dt.date(2027, 1, 21), "deadline_before": dt.date(2027, 1, 27)}
    assert ids(calls, **window) == []  # ICML's two deadlines straddle the window
    assert ids(calls, deadline_after=dt.date(2027, 1, 21)) == ["icml"]
    closing = {"cfp_open": True, "deadline_before": TODAY + dt.timedelta(days=15)}
    assert ids(calls, **closing, sort="deadline") == ["today", "pyus"]


def test_cfp_open_false_keeps_events_with_no_deadline_ahead(calls: Store) -> None:
    found = ids(calls, cfp_open=False, limit=50)
    assert "old" in found
    assert not {"icml", "pyus", "today"} & set(found)
    assert len(found) == len(EVENTS) + 1


def test_deadlines_come_back_with_the_links(calls: Store) -> None:
    (links,) = calls.links(["icml"])
    assert [d.at for d in links.deadlines] == ["2027-01-20T23:59:00-12:00",
                                               "2027-01-28T23:59:00-12:00"]  # fmt: skip
    assert links.deadlines[0].timezone == "AoE"


@pytest.mark.anyio
async def test_the_api_reads_cfp_open_against_its_today_setting(calls: Store) -> None:
    for today, expected in ((TODAY, ["today", "pyus", "icml"]), (dt.date(2027, 1, 1), ["icml"])):
        app = create_app(calls, today=today)
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://api") as http:
            response = await http.get(
                "/v1/events/search", params={"cfp_open": "true", "sort": "deadline"}
            )
        assert response.status_code == 200, response.text
        assert [e["id"] for e in response.json()["events"]] == expected
    async with httpx2.AsyncClient(transport=transport, base_url="http://api") as http:
        bad = await http.get("/v1/events/search", params={"sort": "soonest"})
    assert bad.status_code == 422
    assert "sort" in bad.json()["detail"]
