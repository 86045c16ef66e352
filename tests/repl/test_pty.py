"""The REPL in a real pseudo-terminal: start, ask, stream with links, Ctrl-C, ask again, exit."""

from __future__ import annotations

import datetime as dt

import pytest

from eventchat.models import SearchQuery
from eventchat.store import SQLiteStore
from tests.repl.conftest import TODAY, Terminal
from tests.support.openai_script import Pause, Reply, text, tool_call
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.pty


def paused(before: str, after: str, seconds: float = 8.0) -> Reply:
    """Text that streams ``before``, stalls (until the client leaves), then ``after``."""
    reply = text(before + after, pieces=[before, after])
    reply.chunks.insert(2, Pause(seconds))  # after the role chunk and the first piece
    return reply


def test_ask_interrupt_ask_again_clear_and_exit(
    terminal: type[Terminal], chat_env: OpenAIServer, store: SQLiteStore
) -> None:
    page = store.search(
        SearchQuery(q="javascript", country="Germany", start_after=dt.date.fromisoformat(TODAY))
    )
    event = page.events[0]
    url = store.links([event.id])[0].url
    chat_env.script(
        tool_call("event_search", {"search": "javascript", "country": "Germany"}),
        text(f"Try [{event.name}]({url}), it is in {event.locality}. Enjoy it."),
        paused("The first half of a long answer", " and a second half never shown."),
        text("Still here, and I remember."),
    )
    term = terminal()
    greeting = term.prompt()
    assert "gpt-test" in greeting
    assert "events" in greeting

    term.send("JavaScript in Germany?\r")
    answer = term.expect("Enjoy it.")
    term.prompt()
    assert "\x1b]8;" in answer  # an OSC 8 hyperlink
    assert url in answer
    assert "unverified" not in answer

    term.send("Tell me a long story\r")
    term.expect("first half")
    term.interrupt()
    term.expect("interrupted")
    term.prompt()
    assert "second half" not in term.seen

    term.send("Are you still there?\r")
    term.expect("I remember.")
    term.prompt()
    history = chat_env.bodies[-1]["messages"]
    kept = history[-2]
    assert kept["role"] == "assistant"
    assert "The first half of a long answer" in kept["content"]
    assert "interrupted" in kept["content"]
    assert history[-1] == {"role": "user", "content": "Are you still there?"}

    term.send("/clear\r")
    term.expect("conversation cleared")
    term.prompt()
    term.send("\x04")  # Ctrl-D
    assert term.exit_status() == 0
    assert chat_env.rejected() == []


def test_ctrl_c_at_the_prompt_says_how_to_exit_and_twice_exits(terminal: type[Terminal]) -> None:
    term = terminal()
    term.prompt()
    term.send("\x03")
    term.expect("Ctrl-C again")
    term.send("\x03")
    assert term.exit_status() == 0


def test_q_exits(terminal: type[Terminal]) -> None:
    term = terminal()
    term.prompt()
    term.send("q\r")
    assert term.exit_status() == 0


def test_model_error_is_one_line_and_the_repl_goes_on(
    terminal: type[Terminal], chat_env: OpenAIServer
) -> None:
    from tests.support.openai_script import model_not_found

    chat_env.script(model_not_found("gpt-test"), text("Back again."))
    term = terminal()
    term.prompt()
    term.send("hello\r")
    term.expect("gpt-test")
    term.prompt()
    term.send("hello again\r")
    term.expect("Back again.")
    term.prompt()
    # The failed turn left no trace in history: the second request holds only the new question.
    users = [m for m in chat_env.bodies[-1]["messages"] if m["role"] == "user"]
    assert users == [{"role": "user", "content": "hello again"}]
    term.send("/exit\r")
    assert term.exit_status() == 0


def test_two_chats_at_once_both_keep_their_input_history(
    terminal: type[Terminal], clean_environ: object
) -> None:
    from eventchat.repl.prompt import SharedFileHistory, history_path

    first, second = terminal(), terminal()
    first.prompt()
    second.prompt()
    first.send("/examples\r")
    first.expect("Tell me more")
    first.prompt()
    second.send("/usage\r")
    second.expect("session:")
    second.prompt()
    first.send("/help\r")
    first.expect("Ctrl-J")
    first.prompt()
    first.send("\x04")
    second.send("\x04")
    assert first.exit_status() == 0
    assert second.exit_status() == 0
    kept = list(SharedFileHistory(history_path(), print).load_history_strings())
    assert sorted(kept) == ["/examples", "/help", "/usage"]
