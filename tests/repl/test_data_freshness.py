"""The REPL and the age of its data: the greeting says how far the data reaches and when it is
old; ``auto_update`` refreshes old data behind the prompt, never holding a question or the exit.

The updates download from :class:`~tests.repl.conftest.ConfsServer`, whose requests can be held
until a test lets them go: so a test can show a question is answered before the update's
download is even answered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from eventchat.freshness import SourceDate, source_dates, stale_line
from eventchat.models import SearchPage, SearchQuery
from eventchat.repl.autoupdate import due
from eventchat.repl.background import RuntimeHolder
from eventchat.repl.commands import COMMANDS
from eventchat.repl.loop import Repl
from eventchat.repl.prompt import make_prompt_session
from eventchat.settings import Settings, load_settings
from eventchat.store import SQLiteStore
from tests.repl.conftest import LATE, TODAY, ConfsServer, Terminal
from tests.repl.driver import Keyboard, chat
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer

STALE = (
    "The event data is 105 days old (newest from 2026-08-20) — "
    "run `eventchat data update` for newer events."
)


async def greeting(settings: Settings) -> list[str]:
    """The lines of the REPL's greeting (its runtime is never opened)."""
    err = io.StringIO()
    with create_pipe_input() as pipe:
        session = make_prompt_session(COMMANDS, warn=print, input=pipe, output=DummyOutput())
        repl = Repl(RuntimeHolder(settings), session, verbose=False, out=io.StringIO(), err=err)
        await repl.greet()
    return err.getvalue().splitlines()


async def until(condition: Callable[[], bool], seconds: float = 20) -> None:
    """Wait (polling the event loop) until ``condition()`` holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        await asyncio.sleep(0.01)


def printed(keys: Keyboard) -> str:
    """What the running REPL has written to its stderr so far (the driver's StringIO)."""
    err = keys.repl.err
    assert isinstance(err, io.StringIO)
    return err.getvalue()


def background_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "background" in line]


def stored(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()


# --- the greeting ------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("today", [TODAY, LATE])
async def test_the_greeting_says_how_far_the_data_reaches_and_when_it_is_old(
    chat_env: OpenAIServer, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch, today: str
) -> None:
    monkeypatch.setenv("EVENTCHAT_TODAY", today)
    settings, _ = load_settings()
    day = dt.date.fromisoformat(today)
    stats = store.stats(day)  # what `eventchat data stats` counts
    lines = await greeting(settings)
    assert lines[0].endswith(
        "events from the embedded dataset (four open sources)"
    )  # no count: below
    assert lines[1] == (
        f"{stats.events:,} events, {stats.upcoming:,} upcoming on {today}, "
        f"listed up to {stats.last_start}."
    )
    if today == LATE:
        assert lines[2] == STALE == stale_line(source_dates(store.meta), day)
    else:
        assert not any("days old" in line for line in lines)  # 2019: the data is not old
    assert lines[-1].startswith("Ask about tech events.")
    assert len(lines) == (4 if today == LATE else 3)


@pytest.mark.anyio
async def test_with_an_api_url_the_greeting_says_nothing_of_the_data(
    chat_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventchat.repl.loop

    def no_store(settings: Settings, today: dt.date) -> None:
        raise AssertionError("no store is read when api_url is set")

    monkeypatch.setattr(eventchat.repl.loop, "summarize_store", no_store)
    monkeypatch.setenv("EVENTCHAT_TODAY", LATE)
    monkeypatch.setenv("EVENTCHAT_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", "true")
    settings, _ = load_settings()
    lines = await greeting(settings)
    assert len(lines) == 2
    assert lines[0].endswith("events from http://127.0.0.1:9")
    assert not any("upcoming" in line or "days old" in line for line in lines)


# --- when an update is due ---------------------------------------------------------------------

DATES = [
    SourceDate("confs.tech", dt.date(2026, 8, 20), updated=False),
    SourceDate("ccf-deadlines", dt.date(2026, 8, 10), updated=False),
]


@pytest.mark.parametrize(
    ("options", "today", "dates", "wanted"),
    [
        ({}, "2026-12-03", DATES, False),  # auto_update is off by default
        ({"auto_update": True}, "2026-08-27", DATES, False),  # the newest is 7 days old
        ({"auto_update": True}, "2026-08-28", DATES, True),  # 8 days
        ({"auto_update": True, "auto_update_days": 30}, "2026-09-19", DATES, False),
        ({"auto_update": True, "auto_update_days": 30}, "2026-09-20", DATES, True),
        ({"auto_update": True, "auto_update_days": 0}, "2026-08-20", DATES, False),
        ({"auto_update": True, "auto_update_days": 0}, "2026-08-21", DATES, True),
        ({"auto_update": True, "api_url": "http://events.example"}, "2026-12-03", DATES, False),
        ({"auto_update": True}, "2026-12-03", [], False),
    ],
)
def test_an_update_is_due_when_on_embedded_and_the_newest_data_is_older_than_the_days(
    options: dict[str, object], today: str, dates: list[SourceDate], wanted: bool
) -> None:
    settings = Settings.model_validate(options)
    assert due(settings, dates, dt.date.fromisoformat(today)) is wanted


# --- the background update, in-process ---------------------------------------------------------


@pytest.fixture
def stale(
    chat_env: OpenAIServer,
    writable_database: Path,
    confs_server: ConfsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> ConfsServer:
    """A private copy of the bundled data, 105 days old today; updates download from the server."""
    monkeypatch.setenv("EVENTCHAT_DATABASE", str(writable_database))
    monkeypatch.setenv("EVENTCHAT_TODAY", LATE)
    for key, value in confs_server.env().items():
        monkeypatch.setenv(key, value)
    return confs_server


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("auto_update", "today"),
    [(None, LATE), ("false", LATE), ("true", "2026-08-25")],
    ids=["default", "off", "on-but-fresh"],
)
async def test_no_update_unless_on_and_due(
    stale: ConfsServer,
    chat_env: OpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    auto_update: str | None,
    today: str,
) -> None:
    if auto_update is not None:
        monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", auto_update)
    monkeypatch.setenv("EVENTCHAT_TODAY", today)
    chat_env.script(text("No update."))
    done = await chat("hello")
    assert "No update." in done.out
    assert done.repl.update is None
    assert stale.requests == []
    assert background_lines(done.err) == []
    assert ("days old" in done.err) is (today == LATE)  # the stale line says so either way


@pytest.mark.anyio
async def test_an_update_runs_behind_a_question_and_says_so_afterwards(
    stale: ConfsServer,
    chat_env: OpenAIServer,
    writable_database: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", "true")
    stale.release.clear()  # the update's downloads wait until the test lets them go
    chat_env.script(text("Answered before the download."))
    seen: dict[str, object] = {}

    async def ask_then_release(keys: Keyboard) -> None:
        await until(stale.asked.is_set)  # the update is under way, its download held
        keys.type("Any conferences?")
        await keys.turns_done(1)
        assert keys.repl.update is not None
        seen["answered"] = stale.answered  # requests the server had answered by then
        seen["line"] = keys.repl.update.line
        seen["err"] = printed(keys)
        stale.release.set()
        await until(lambda: bool(background_lines(printed(keys))))
        keys.quit()

    done = await chat(typist=ask_then_release)
    assert done.repl.update is not None
    done.repl.update.join(10)
    assert "Answered before the download." in done.out
    assert (seen["answered"], seen["line"]) == (0, None)  # the answer came first
    assert background_lines(str(seen["err"])) == []
    (line,) = background_lines(done.err)
    assert line.startswith("data updated in the background: wrote 1 events; updated confs.tech")
    assert done.err.index(line) > done.err.index("Ask about tech events.")
    assert stored(writable_database, "SELECT name FROM events WHERE name = 'Background Conf'")
    assert stored(writable_database, "SELECT value FROM meta WHERE key = 'updated:confs.tech'") == [
        (LATE,)
    ]
    update = done.repl.update
    done.repl.start_update()
    assert done.repl.update is update  # one update a session


@pytest.mark.anyio
async def test_an_update_that_ends_during_an_answer_is_told_after_it(
    stale: ConfsServer, chat_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", "true")
    stale.release.clear()
    chat_env.script(tool_call("event_search", {"search": "python"}), text("After the search."))
    go = asyncio.Event()
    during: dict[str, str] = {}

    async def search_held_until_the_update_ends(keys: Keyboard) -> None:
        events = keys.repl.runtime.events
        search = events.search

        async def held(query: SearchQuery) -> SearchPage:
            stale.release.set()  # the update may end now, while this turn runs
            await go.wait()
            return await search(query)

        events.search = held  # type: ignore[method-assign]
        await until(stale.asked.is_set)  # the update is under way, its download held
        keys.type("Python?")
        update = keys.repl.update
        assert update is not None
        await until(lambda: update.line is not None)  # it ended while the search is held
        assert keys.repl.turn_task is not None
        during["err"] = printed(keys)
        go.set()
        await keys.turns_done(1)
        await until(lambda: bool(background_lines(printed(keys))))
        keys.quit()

    done = await chat(typist=search_held_until_the_update_ends)
    assert "After the search." in done.out
    assert background_lines(during["err"]) == []  # not in the middle of the turn
    assert background_lines(done.err) != []


@pytest.mark.anyio
async def test_a_failed_update_says_how_to_see_why(
    stale: ConfsServer, chat_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", "true")
    stale.files.clear()  # nothing published anywhere: every source fails

    async def wait_for_the_line(keys: Keyboard) -> None:
        await until(lambda: bool(background_lines(printed(keys))))
        keys.quit()

    done = await chat(typist=wait_for_the_line)
    (line,) = background_lines(done.err)
    assert line.startswith("background update failed: ")
    assert line.endswith(" — run `eventchat data update` to see why")
    assert "Traceback" not in done.err


@pytest.mark.anyio
async def test_leaving_abandons_an_update_still_running(
    stale: ConfsServer, chat_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", "true")
    stale.release.clear()

    async def leave_at_once(keys: Keyboard) -> None:
        await until(stale.asked.is_set)
        keys.quit()

    started = time.monotonic()
    done = await chat(typist=leave_at_once)
    assert time.monotonic() - started < 10
    update = done.repl.update
    assert update is not None
    assert update.running
    assert update.abandoned
    stale.release.set()
    update.join(20)  # the thread ends on its own; its line is not shown
    await until(lambda: update.line is not None)
    assert background_lines(done.err) == []


# --- in a real terminal ------------------------------------------------------------------------


@pytest.mark.pty
def test_in_a_terminal_the_update_line_comes_above_the_prompt_after_the_answer(
    terminal: type[Terminal],
    stale: ConfsServer,
    chat_env: OpenAIServer,
    store: SQLiteStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", "1")
    stale.release.clear()
    chat_env.script(text("The answer does not wait."))
    stats = store.stats(dt.date.fromisoformat(LATE))
    term = terminal()
    greeting = term.prompt()
    assert f"{stats.events:,} events, {stats.upcoming:,} upcoming on {LATE}" in greeting
    assert STALE in greeting
    assert stale.asked.wait(20)
    term.send("Anything new?\r")
    term.expect("The answer does not wait.")
    term.prompt()
    assert stale.answered == 0
    stale.release.set()
    term.expect("data updated in the background: wrote 1 events")
    term.prompt()  # drawn again below the line
    term.send("\x04")
    assert term.exit_status() == 0


@pytest.mark.pty
def test_in_a_terminal_exit_does_not_wait_for_the_update(
    terminal: type[Terminal], stale: ConfsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", "1")
    stale.release.clear()  # the download never gets an answer while eventchat runs
    term = terminal()
    term.prompt()
    assert stale.asked.wait(20)
    started = time.monotonic()
    term.send("\x04")
    assert term.exit_status() == 0
    assert time.monotonic() - started < 5
    assert stale.answered == 0
    assert "background" not in term.seen
