"""``eventchat search`` over the embedded API reads the store directly, and answers as the API.

Every comparison runs the same query through the in-process events API (``lookup.search_events``,
the path ``eventchat search`` took before) and through the store, with the same settings.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from eventchat import lookup
from eventchat.errors import StoreError, UsageError
from eventchat.models import EventLinks, SearchPage, SearchQuery
from eventchat.render.event_list import write_result
from eventchat.settings import Settings, load_settings
from eventchat.store import SQLiteStore
from tests.cli.test_cli_basics import imported_modules
from tests.security.cli_runner import invoke
from tests.support.cli import run_eventchat

# ``import httpx2`` loads its ASGITransport too, so a local lookup must not import httpx2 at all.
WEB_STACK = ("fastapi", "starlette", "uvicorn", "openai", "httpx2")
TODAY = "2019-01-01"  # the bundled data has plenty of Python events after this day


@pytest.fixture
def embedded(bundled_database: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings ``eventchat search`` builds here: embedded API, the session's database."""
    monkeypatch.setenv("EVENTCHAT_TODAY", TODAY)
    settings, _ = load_settings()
    assert settings.api_url == ""
    return settings


def query(settings: Settings, **options: object) -> SearchQuery:
    """A SearchQuery as ``eventchat search`` builds it: from today unless told."""
    return SearchQuery.model_validate({"start_after": settings.effective_today(), **options})


def test_embedded_search_imports_no_web_stack(embedded: Settings) -> None:
    modules = imported_modules("search", "python", "--format", "json")
    assert {"eventchat.lookup", "eventchat.store"} <= modules  # the search really ran
    assert sorted(m for m in modules if m.split(".")[0] in WEB_STACK) == []


def test_cli_prints_what_the_api_path_prints(embedded: Settings) -> None:
    done = run_eventchat("search", "python", "--format", "json")
    assert done.returncode == 0, done.stderr
    via_api = asyncio.run(lookup.search_events(embedded, query(embedded, q="python")))
    assert via_api.hits
    expected = io.StringIO()
    write_result(via_api, "json", expected)
    assert done.stdout == expected.getvalue()


QUERIES: list[dict[str, object]] = [
    {"q": "python"},
    {"q": "javascript conference", "limit": 50},
    {"q": "", "country": "U.K."},
    {"q": "javascript", "country": "Deutschland", "offset": 5},
    {"q": "", "tags": ["data,devops"]},  # the route splits comma-separated tags
    {"q": "", "tags": ["javascript", " css "]},
    {"q": "", "locality": "Berlin", "online": False},
    {"q": "python", "locality": "", "country": ""},  # left out of the query string
    {"q": "", "online": True, "start_before": "2019-06-30"},
    {"q": "python", "offset": 100_000},  # past the last match: an empty page
]


@pytest.mark.anyio
@pytest.mark.parametrize("options", QUERIES)
async def test_store_answers_as_the_api_does(
    embedded: Settings, options: dict[str, object]
) -> None:
    wanted = query(embedded, **options)
    direct = lookup.search_store(embedded, wanted)
    # only the direct path knows how old the store's data is
    assert replace(direct, stale=None) == await lookup.search_events(embedded, wanted)
    assert direct.hits or wanted.offset
    assert all(hit.links is not None for hit in direct.hits)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "options",
    [{"country": "Atlantis"}, {"offset": lookup.MAX_OFFSET + 1}],
    ids=["country", "offset"],
)
async def test_bad_input_is_the_apis_usage_error(
    embedded: Settings, options: dict[str, object]
) -> None:
    wanted = query(embedded, q="python", **options)
    with pytest.raises(UsageError) as via_api:
        await lookup.search_events(embedded, wanted)
    with pytest.raises(UsageError) as direct:
        lookup.search_store(embedded, wanted)
    assert direct.value.message == via_api.value.message


def test_offset_bound_is_the_routes() -> None:
    from eventchat.service.routes import MAX_OFFSET

    assert lookup.MAX_OFFSET == MAX_OFFSET


def test_offset_past_the_bound_is_exit_2(embedded: Settings) -> None:
    done = run_eventchat("search", "python", "--offset", str(lookup.MAX_OFFSET + 1))
    assert done.returncode == 2
    assert done.stderr == (
        "eventchat: error: query parameter 'offset': Input should be less than or equal to "
        f"{lookup.MAX_OFFSET}\n"
    )


class FailingStore:
    """A store whose search fails as a broken database does."""

    message = "events database x.sqlite3 failed (disk I/O error) — remove the file to rebuild it"

    def __init__(self) -> None:
        self.closed = False

    def search(self, query: SearchQuery) -> SearchPage:
        raise StoreError(self.message)

    def links(self, ids: Sequence[str]) -> list[EventLinks]:
        raise AssertionError("no links for a failed search")

    def close(self) -> None:
        self.closed = True


def test_store_failure_is_the_store_error(
    embedded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventchat.store

    store = FailingStore()
    monkeypatch.setattr(eventchat.store, "open_store", lambda database: store)
    outcome = invoke("search", "python")
    assert outcome.code == StoreError.exit_status == 1
    assert outcome.stderr == f"eventchat: error: {FailingStore.message}\n"
    assert store.closed


def test_api_url_keeps_the_client_path(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = lookup.SearchResult(total=0, offset=0, hits=[])

    async def via_client(settings: Settings, wanted: SearchQuery) -> lookup.SearchResult:
        return expected

    def no_store(settings: Settings, wanted: SearchQuery) -> lookup.SearchResult:
        raise AssertionError("the store is not read when api_url is set")

    monkeypatch.setattr(lookup, "search_events", via_client)
    monkeypatch.setattr(lookup, "search_store", no_store)
    settings = Settings(api_url="http://events.example")
    assert lookup.search(settings, SearchQuery(q="python")) is expected


@pytest.mark.anyio
@pytest.mark.parametrize("text", ["ruby", "zzzqqqxx"])
async def test_the_look_back_is_the_same_on_both_paths(
    embedded: Settings, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("EVENTCHAT_TODAY", "2026-12-03")  # nothing Ruby is listed after it
    settings, _ = load_settings()
    wanted = query(settings, q=text)
    direct = lookup.search_store(settings, wanted)
    assert direct.look_back is not None
    assert direct.look_back.span is not None
    assert direct.look_back.span.last.isoformat() == "2027-10-18"
    assert replace(direct, stale=None) == await lookup.search_events(settings, wanted)


@pytest.mark.anyio
async def test_only_the_store_read_directly_says_how_far_the_data_reaches(
    embedded: Settings, store: SQLiteStore
) -> None:
    wanted = query(embedded, q="python")
    direct = lookup.search_store(embedded, wanted, reach=True)
    stats = store.stats(embedded.effective_today())
    assert direct.reach is not None
    assert (
        direct.reach.upcoming,
        direct.reach.last.isoformat() if direct.reach.last else None,
    ) == (
        stats.upcoming,
        stats.last_start,
    )
    assert lookup.reach_line(direct) == (
        f"{stats.upcoming:,} upcoming events in the data, listed up to {stats.last_start}."
    )
    assert lookup.search_store(embedded, wanted).reach is None  # json asks for none
    via_api = await lookup.search_events(embedded, wanted)
    assert via_api.reach is None
    assert replace(direct, stale=None, reach=None) == via_api


def test_with_an_api_url_the_footer_has_no_reach_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from eventchat.models import Event

    event = Event(id="e1", name="Remote Conf", start="2027-01-01")
    found = lookup.SearchResult(total=1, offset=0, hits=[lookup.Hit(event, None)])

    async def via_client(settings: Settings, wanted: SearchQuery) -> lookup.SearchResult:
        return found

    monkeypatch.setattr(lookup, "search_events", via_client)
    settings = Settings(api_url="http://events.example")
    lookup.run(settings, SearchQuery(q="remote"), "markdown")
    shown = capsys.readouterr()
    assert shown.out.rstrip().endswith("Events 1–1 of 1.")
    assert shown.err == ""  # the remote API decides what it says of its data
