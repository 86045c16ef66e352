"""event_search and event_details over the real events API and the bundled database."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI

from eventchat.client.rest import RestEventsClient
from eventchat.models import EventDetail, EventLinks, SearchQuery
from eventchat.service import create_app
from eventchat.store import SQLiteStore
from eventchat.tools import DATA_BEGIN, DATA_END, EventTools, ToolRegistry
from eventchat.tools.events import compact

pytestmark = pytest.mark.anyio

TODAY = dt.date(2026, 1, 15)


class Recorder:
    """Paths the events API was asked for (an httpx2 event hook)."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, request: httpx2.Request) -> None:
        self.paths.append(request.url.path)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(events_app: FastAPI, recorder: Recorder) -> AsyncIterator[RestEventsClient]:
    transport = httpx2.ASGITransport(app=events_app)
    hooks = {"request": [recorder]}
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://events.test", event_hooks=hooks
    ) as http:
        yield RestEventsClient(http)


def tools(client: RestEventsClient, today: dt.date = TODAY, **kw: Any) -> ToolRegistry:
    return ToolRegistry(EventTools(client, today=lambda: today, **kw).tools())


def data(content: str) -> dict[str, Any]:
    first, body, last = content.split("\n")
    assert (first, last) == (DATA_BEGIN, DATA_END)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def no_nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return all(v is not None and no_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(no_nulls(v) for v in value)
    return True


async def test_search_returns_upcoming_events_with_links_in_one_links_request(
    client: RestEventsClient, recorder: Recorder
) -> None:
    output = await tools(client).call("event_search", '{"search": "javascript", "country": "DE"}')
    result = data(output.content)
    assert not output.error
    assert result["count"] == len(result["events"]) == len(output.events) > 0
    assert result["total"] >= result["count"]
    assert all(e["start"] >= TODAY.isoformat() for e in result["events"])  # default start_after
    assert all(e["country"] == "Germany" and e["url"] for e in result["events"])
    assert no_nulls(result)
    assert recorder.paths == ["/v1/events/search", "/v1/events/links"]
    assert all(
        e["links"]["url"] == c["url"] for e, c in zip(output.events, result["events"], strict=True)
    )


async def test_zero_hits_drops_the_keywords_but_keeps_the_place(client: RestEventsClient) -> None:
    output = await tools(client).call("event_search", {"search": "zzzqqqxx", "country": "Germany"})
    result = data(output.content)
    assert "zzzqqqxx" in result["relaxed"]
    assert result["count"] > 0
    assert {e["country"] for e in result["events"]} == {"Germany"}


async def test_zero_hits_in_a_place_drops_the_place(client: RestEventsClient) -> None:
    output = await tools(client).call("event_search", {"search": "", "locality": "Atlantis"})
    result = data(output.content)
    assert "Atlantis" in result["relaxed"]
    assert result["count"] > 0


async def test_nothing_to_relax_says_no_events(client: RestEventsClient) -> None:
    output = await tools(client).call("event_search", {"search": "zzzqqqxx"})
    result = data(output.content)
    assert (result["total"], result["count"], result["events"]) == (0, 0, [])
    assert "No events match" in result["message"]
    assert "relaxed" not in result


async def test_results_are_capped_with_a_note(client: RestEventsClient) -> None:
    output = await tools(client, max_chars=1_500).call("event_search", {"search": "", "limit": 30})
    assert len(output.content) <= 1_500 + len(DATA_BEGIN) + len(DATA_END) + 2
    result = data(output.content)
    assert "cut to" in result["note"]
    assert 0 < len(result["events"]) < 30


async def test_dates_and_tags_filter(client: RestEventsClient) -> None:
    args = {
        "search": "",
        "tags": "python",
        "start_after": "2026-03-01",
        "start_before": "2026-06-30",
    }
    result = data((await tools(client).call("event_search", args)).content)
    assert result["count"] > 0
    assert all("2026-03-01" <= e["start"][:10] <= "2026-06-30" for e in result["events"])
    assert all("python" in e["tags"] for e in result["events"])


async def test_details_for_known_and_unknown_ids(client: RestEventsClient) -> None:
    registry = tools(client)
    found = data((await registry.call("event_search", {"search": "javascript"})).content)
    known = found["events"][0]["id"]
    output = await registry.call("event_details", {"ids": [known, "000000000000"]})
    result = data(output.content)
    assert result["count"] == 1
    assert result["unknown_ids"] == ["000000000000"]
    assert result["events"][0]["id"] == known
    assert output.events[0]["links"]["url"] == found["events"][0]["url"]


async def test_descriptions_are_cut(writable_database: Path) -> None:
    store = SQLiteStore(writable_database)
    long = "A conference about testing. " * 40
    event = EventDetail(
        id="longdesc0001",
        name="Testing Days",
        start="2026-05-01",
        country="Germany",
        country_code="DE",
        description=long,
        links=EventLinks(id="longdesc0001", url="https://t.example"),
    )
    store.upsert([event])
    transport = httpx2.ASGITransport(app=create_app(store))
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://e.test") as http:
            registry = tools(RestEventsClient(http), description_chars=80)
            result = data((await registry.call("event_search", {"search": "Testing Days"})).content)
    finally:
        store.close()
    hit = next(e for e in result["events"] if e["id"] == "longdesc0001")
    assert len(hit["description"]) == 80
    assert hit["description"].endswith("…")
    assert hit["url"] == "https://t.example"


def test_compact_flattens_links_and_drops_empty_values() -> None:
    record = {
        "id": "a",
        "name": "N",
        "start": "2026-01-01",
        "online": False,
        "tags": [],
        "source": "s",
        "links": {"url": "https://a", "images": [], "social": ["@a"]},
    }
    assert compact(record, 100) == {
        "id": "a",
        "name": "N",
        "start": "2026-01-01",
        "url": "https://a",
    }


async def test_an_api_that_keeps_failing_is_an_error_text_for_the_model(
    events_app: FastAPI,
) -> None:
    from eventchat.client.http import RetryPolicy
    from tests.client.faults import Fault, FaultyApp

    app = FaultyApp(events_app, *[Fault(503)] * 3)
    policy = RetryPolicy(retries=2, backoff=0.0)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://events.test"
    ) as http:
        registry = tools(RestEventsClient(http, retry=policy))
        output = await registry.call("event_search", {"search": "python"})
    assert output.error
    assert len(app.paths) == 3
    assert output.content.startswith("Error: event_search failed: events API at http://events.test")
    assert "answered 503 for /v1/events/search (3 attempts)" in output.content


def test_compact_caps_every_text_field_and_drops_absurd_urls() -> None:
    from eventchat.tools.events import MAX_FIELD_CHARS, MAX_LIST_ITEMS, MAX_URL_CHARS

    flood = "x" * 100_000
    long_url = "https://a.example/" + "p" * MAX_URL_CHARS
    record = {
        "id": "a",
        "name": "Name " + flood,
        "start": "2026-01-01",
        "venue": flood,
        "locality": "Berlin",
        "tags": ["python", flood, *(f"t{i}" for i in range(100))],
        "description": flood,
        "links": {
            "url": long_url,
            "images": ["https://a.example/i.png", long_url],
            "cfp_url": "https://a.example/cfp",
        },
    }
    shown = compact(record, 100)
    assert shown["name"].startswith("Name x")
    assert shown["name"].endswith("…")
    assert len(shown["name"]) == len(shown["venue"]) == MAX_FIELD_CHARS
    assert len(shown["description"]) == 100
    assert shown["tags"][0] == "python"
    assert len(shown["tags"]) == MAX_LIST_ITEMS
    assert all(len(t) <= MAX_FIELD_CHARS for t in shown["tags"])
    assert "url" not in shown  # a cut URL would be a wrong link: dropped
    assert shown["images"] == ["https://a.example/i.png"]
    assert shown["cfp_url"] == "https://a.example/cfp"
    assert (shown["id"], shown["locality"], shown["start"]) == ("a", "Berlin", "2026-01-01")


LATE = dt.date(2026, 12, 3)  # the bundled data lists no Python event after this day


def latest_matches(store: SQLiteStore, text: str, today: dt.date) -> list[tuple[str, str]]:
    """Every match of ``text`` that ended before ``today``, latest start first (page by page)."""
    found, offset = [], 0
    while True:
        page = store.search(SearchQuery(q=text, limit=50, offset=offset))
        found += [e for e in page.events if (e.end or e.start)[:10] < today.isoformat()]
        offset += 50
        if offset >= page.total:
            return [(e.id, e.start) for e in sorted(found, key=lambda e: e.start, reverse=True)]


async def test_nothing_upcoming_gives_the_horizon_and_the_latest_past_rubyconfs(
    client: RestEventsClient, recorder: Recorder, store: SQLiteStore
) -> None:
    output = await tools(client, today=LATE).call("event_search", {"search": "rubyconf"})
    result = data(output.content)
    assert not output.error
    assert (result["total"], result["count"], result["events"]) == (0, 0, [])
    assert result["data_until"] == store.stats(LATE).last_start == "2027-10-18"
    assert "No upcoming event matches" in result["message"]
    assert "2027-10-18" in result["message"]
    expected = latest_matches(store, "rubyconf", LATE)
    assert result["past_matches"] == len(expected) == store.search(SearchQuery(q="rubyconf")).total
    past = result["past_events"]
    assert [(e["id"], e["start"]) for e in past] == expected[:5]
    assert all("ruby" in e["name"].lower() and e["past"] is True and e["url"] for e in past)
    assert [e["start"] for e in past] == sorted((e["start"] for e in past), reverse=True)
    assert any(
        (e["name"], e["start"], e["locality"]) == ("Rubyconf India", "2025-09-12", "Jaipur")
        for e in past
    )
    assert "description" not in past[0]  # past events are context: compact
    # The past events reach renderers too, so an answer's links to them are grounded.
    assert [r["id"] for r in output.events] == [e["id"] for e in past]
    assert all(r["past"] and r["links"]["url"] for r in output.events)
    # The search, the data's span (2), the past matches (count, then the last page), links.
    assert recorder.paths == ["/v1/events/search"] * 5 + ["/v1/events/links"]


async def test_ruby_in_december_has_nothing_upcoming_but_a_past(
    client: RestEventsClient, store: SQLiteStore
) -> None:
    output = await tools(client, today=LATE).call("event_search", '{"search": "ruby"}')
    result = data(output.content)
    assert result["data_until"] == "2027-10-18"
    assert result["past_matches"] == store.search(SearchQuery(q="ruby")).total > 100
    past = result["past_events"]
    assert [(e["id"], e["start"]) for e in past] == latest_matches(store, "ruby", LATE)[:5]
    assert all(e["past"] is True and e["end"] < LATE.isoformat() for e in past)
    assert no_nulls(result)


async def test_something_upcoming_means_no_look_back(
    client: RestEventsClient, recorder: Recorder
) -> None:
    output = await tools(client, today=LATE).call("event_search", {"search": "javascript"})
    result = data(output.content)
    assert result["count"] > 0
    assert all(e["end"] >= LATE.isoformat() for e in result["events"])  # under way counts
    assert not {"past_events", "past_matches", "data_until"} & result.keys()
    assert recorder.paths == ["/v1/events/search", "/v1/events/links"]


async def test_a_search_of_the_past_that_finds_nothing_does_not_look_back(
    client: RestEventsClient, recorder: Recorder
) -> None:
    args = {"search": "zzzqqqxx", "start_after": "2015-01-01"}
    result = data((await tools(client, today=LATE).call("event_search", args)).content)
    assert "No events match" in result["message"]
    assert "past_events" not in result
    assert recorder.paths == ["/v1/events/search"]


async def test_nothing_ever_matching_says_so(client: RestEventsClient, recorder: Recorder) -> None:
    result = data((await tools(client).call("event_search", {"search": "zzzqqqxx"})).content)
    assert result["message"].startswith("No events match, upcoming or past.")
    assert (result["past_matches"], result["past_events"]) == (0, [])
    assert recorder.paths == ["/v1/events/search"] * 4  # no second page, no links


async def test_a_later_start_marks_what_has_not_ended_yet(client: RestEventsClient) -> None:
    args = {"search": "python", "start_after": "2027-09-01"}
    result = data(
        (await tools(client, today=dt.date(2026, 6, 1)).call("event_search", args)).content
    )
    assert "No event matches from 2027-09-01 on" in result["message"]
    past = result["past_events"]
    assert len(past) == 5
    assert all(e["start"] < "2027-09-01" for e in past)
    assert all(e["past"] is (e["end"] < "2026-06-01") for e in past)
    assert any(e["past"] is False for e in past)


async def test_a_failed_look_back_still_says_nothing_matches(events_app: FastAPI) -> None:
    from tests.client.faults import Fault, FaultyApp

    app = FaultyApp(events_app, Fault(None), *[Fault(503)] * 4)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://events.test"
    ) as http:
        output = await tools(RestEventsClient(http), today=LATE).call(
            "event_search", {"search": "ruby"}
        )
    result = data(output.content)
    assert not output.error
    assert "No events match" in result["message"]
    assert "503" in result["past_note"]
    assert "past_events" not in result


async def test_past_events_are_capped_too(client: RestEventsClient) -> None:
    output = await tools(client, today=LATE, max_chars=900).call("event_search", {"search": "ruby"})
    assert len(output.content) <= 900 + len(DATA_BEGIN) + len(DATA_END) + 2
    result = data(output.content)
    assert "cut to" in result["note"]
    assert 0 < len(result["past_events"]) < 5


async def test_which_cfps_close_in_the_next_two_weeks_is_one_call(tmp_path: Path) -> None:
    """cfp_open + deadline_before + sort=deadline: the open deadlines in the window, soonest
    first, each with its deadlines in the result; the API reads cfp_open against its today."""
    from eventchat.models import Deadline

    def call(event_id: str, start: str, *ats: str) -> EventDetail:
        deadlines = [Deadline(kind="cfp", at=at, timezone="AoE") for at in ats]
        links = EventLinks(id=event_id, url=f"https://{event_id}.example", deadlines=deadlines)
        return EventDetail(id=event_id, name=f"Conf {event_id}", start=start, links=links)

    today = dt.date(2026, 12, 3)
    store = SQLiteStore(tmp_path / "cfps.sqlite3")
    store.upsert([
        call("soon", "2027-04-01", "2026-12-10T23:59:00-12:00"),
        call("sooner", "2027-05-01", "2026-12-05T23:59:00-12:00"),
        call("later", "2027-06-01", "2027-02-01T23:59:00-12:00"),
        call("closed", "2027-03-01", "2026-11-30T23:59:00-12:00"),
    ])  # fmt: skip
    transport = httpx2.ASGITransport(app=create_app(store, today=today))
    args = {"cfp_open": True, "deadline_before": "2026-12-17", "sort": "deadline"}
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://e.test") as http:
            output = await tools(RestEventsClient(http), today=today).call("event_search", args)
    finally:
        store.close()
    result = data(output.content)
    assert [e["id"] for e in result["events"]] == ["sooner", "soon"]
    assert result["events"][0]["deadlines"] == [
        {"kind": "cfp", "at": "2026-12-05T23:59:00-12:00", "timezone": "AoE"}
    ]
