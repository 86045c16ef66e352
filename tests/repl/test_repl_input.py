"""The REPL with prompt-toolkit pipe input: keys, paste, slash commands, against the real engine.

Each test types its keys into a pipe, runs the REPL over the real runtime (the scripted model
server and the embedded events API) and checks what the server received and what was printed.
"""

from __future__ import annotations

import asyncio
import io
import json
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from icalendar import Calendar
from prompt_toolkit import PromptSession
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from eventchat.errors import ExitStatus
from eventchat.repl.commands import COMMANDS, format_names
from eventchat.repl.loop import Repl
from eventchat.repl.prompt import make_prompt_session
from eventchat.runtime import open_runtime
from eventchat.settings import load_settings
from eventchat.store import SQLiteStore
from tests.support.openai_script import context_too_long, text, tool_call
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio

ENTER = "\r"
META_ENTER = "\x1b\r"
CTRL_J = "\n"
CTRL_D = "\x04"


@dataclass
class Session:
    status: ExitStatus
    out: str
    err: str
    repl: Repl


Typist = Callable[[PipeInput, "PromptSession[str]"], Awaitable[None]]


async def chat(keys: str, then: Typist | None = None) -> Session:
    """Run the REPL over ``keys`` (then Ctrl-D) and collect what it printed.

    ``then``, when given, types the rest (Ctrl-D included) while the REPL runs.
    """
    settings, _ = load_settings({})
    out, err = io.StringIO(), io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text(keys if then else keys + CTRL_D)
        async with open_runtime(settings) as runtime:
            session = make_prompt_session(
                COMMANDS,
                warn=lambda line: err.write(line + "\n"),
                arguments={"format": format_names()},
                input=pipe,
                output=DummyOutput(),
            )
            typist = asyncio.ensure_future(then(pipe, session)) if then else None
            repl = Repl(runtime, session, verbose=False, out=out, err=err)
            status = await repl.run()
        if typist is not None:
            await typist
    return Session(status, out.getvalue(), err.getvalue(), repl)


def user_messages(server: OpenAIServer) -> list[str]:
    return [m["content"] for m in server.bodies[-1]["messages"] if m["role"] == "user"]


async def test_enter_sends_and_meta_enter_and_ctrl_j_insert_newlines(
    chat_env: OpenAIServer,
) -> None:
    chat_env.script(text("Three lines received."))
    done = await chat("first" + META_ENTER + "second" + CTRL_J + "third" + ENTER)
    assert done.status == ExitStatus.OK
    assert user_messages(chat_env) == ["first\nsecond\nthird"]
    assert "Three lines received." in done.out


async def test_a_bracketed_paste_stays_one_message(chat_env: OpenAIServer) -> None:
    chat_env.script(text("One message."))
    paste = "\x1b[200~line one\nline two\r\nline three\x1b[201~"
    await chat(paste + ENTER)
    assert user_messages(chat_env) == ["line one\nline two\nline three"]


async def test_greeting_names_model_source_and_count(
    chat_env: OpenAIServer, store: SQLiteStore
) -> None:
    done = await chat("")
    assert "gpt-test" in done.err
    assert "embedded" in done.err
    assert f"{store.count():,} events, " in done.err  # the count, then how far the data reaches
    assert "/help" in done.err


async def test_help_lists_every_command_with_its_docstring(chat_env: OpenAIServer) -> None:
    done = await chat("/help" + ENTER)
    for name, summary in COMMANDS.summaries():
        assert f"/{name}" in done.err
        assert summary in done.err
    for name in ("help", "clear", "history", "model", "format", "tools", "usage", "save", "ics"):
        assert name in COMMANDS.handlers
    assert "Ctrl-J" in done.err


async def test_unknown_and_ambiguous_commands_get_a_one_line_hint(chat_env: OpenAIServer) -> None:
    done = await chat("/nope" + ENTER + "/e" + ENTER)
    assert "unknown command /nope — /help lists the commands" in done.err
    assert "/e is ambiguous: /examples, /exit" in done.err


async def test_model_switches_for_the_next_turn(chat_env: OpenAIServer) -> None:
    chat_env.script(text("From the other model."))
    done = await chat("/model" + ENTER + "/model other-model" + ENTER + "hi" + ENTER)
    assert "model: gpt-test" in done.err
    assert "model: other-model" in done.err
    assert chat_env.bodies[-1]["model"] == "other-model"


@pytest.mark.parametrize("model", [None, "gpt-test", "other-model"])
async def test_a_new_model_starts_from_the_configured_history_budget(
    chat_env: OpenAIServer, model: str | None
) -> None:
    # The second question is too long for the model: the history shrinks, the budget with it.
    chat_env.script(text("One."), context_too_long(), text("Two."), text("Three."))
    keys = ["first", "second", f"/model {model}" if model else "/clear", "third"]
    done = await chat(ENTER.join(keys) + ENTER)
    assert done.out.split() == ["One.", "Two.", "Three."]
    configured = load_settings({})[0].history_token_budget
    budget = done.repl.engine.conversation.budget
    if model == "other-model":  # another window: learnt afresh
        assert budget == configured
    else:  # the same model (so the same window) and /clear keep it lowered
        assert budget < configured


async def test_format_json_renders_the_next_answer_as_json(chat_env: OpenAIServer) -> None:
    chat_env.script(text("As JSON."))
    done = await chat("/format json" + ENTER + "/format nonsense" + ENTER + "hi" + ENTER)
    assert json.loads(done.out)["answer"] == "As JSON."
    assert "unknown format 'nonsense'" in done.err


async def test_tools_usage_save_ics_and_history_after_a_search(
    chat_env: OpenAIServer, tmp_path: Path
) -> None:
    chat_env.script(
        tool_call("event_search", {"search": "javascript", "country": "Germany"}, usage=(100, 7)),
        text("placeholder", usage=(200, 20)),
    )
    # The answer must name a real event of the search result: run the search first to pick one.
    from eventchat.models import SearchQuery

    settings, _ = load_settings({})
    async with open_runtime(settings) as runtime:
        page = await runtime.events.search(
            SearchQuery(q="javascript", country="Germany", start_after=settings.effective_today())
        )
    name, event_id = page.events[0].name, page.events[0].id
    async with open_runtime(settings) as runtime:
        url = (await runtime.events.links([event_id]))[0].url
    answer = f"See [{name}]({url})."
    chat_env.reset()
    chat_env.script(
        tool_call("event_search", {"search": "javascript", "country": "Germany"}, usage=(100, 7)),
        text(answer, usage=(200, 20)),
    )
    transcript, calendar = tmp_path / "chat.md", tmp_path / "events.ics"
    keys = [
        "JavaScript in Germany?",
        "/tools",
        "/usage",
        f"/save {transcript}",
        f"/ics {calendar}",
        "/history",
    ]
    done = await chat("".join(k + ENTER for k in keys))
    assert "event_search(search='javascript', country='Germany') →" in done.err
    assert "events ·" in done.err
    assert "GET http://eventchat.embedded/v1/events/search?" in done.err
    assert "/v1/events/links?ids=" in done.err
    assert "→ 200 ·" in done.err
    assert "last turn: 300 prompt + 27 completion = 327 tokens" in done.err
    assert "session: 300 prompt + 27 completion = 327 tokens" in done.err
    saved = transcript.read_text()
    assert "## You\n\nJavaScript in Germany?" in saved
    assert answer in saved
    parsed = Calendar.from_ical(calendar.read_bytes())
    summaries = [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")]
    assert summaries
    assert set(summaries) == {name}
    assert {str(e["URL"]) for e in parsed.walk("VEVENT")} == {url}
    assert "you: JavaScript in Germany?" in done.err
    assert "eventchat called event_search" in done.err


async def test_clear_forgets_the_conversation(chat_env: OpenAIServer) -> None:
    chat_env.script(text("First."), text("Second."))
    done = await chat("one" + ENTER + "/clear" + ENTER + "two" + ENTER + "/usage" + ENTER)
    assert user_messages(chat_env) == ["two"]
    assert "conversation cleared" in done.err
    assert len(done.repl.turns) == 1


async def test_an_error_turn_keeps_history_and_the_repl_goes_on(chat_env: OpenAIServer) -> None:
    from tests.support.openai_script import model_not_found

    chat_env.script(text("First."), model_not_found("gpt-test"), text("Third."))
    done = await chat("one" + ENTER + "two" + ENTER + "three" + ENTER)
    assert done.status == ExitStatus.OK
    errors = [line for line in done.err.splitlines() if line.startswith("eventchat: ")]
    assert len(errors) == 1
    assert user_messages(chat_env) == ["one", "three"]
    assert "Third." in done.out


async def test_ctrl_x_ctrl_e_edits_the_message_in_the_editor(
    chat_env: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor"
    editor.write_text('#!/bin/sh\nprintf "written in the editor" > "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    chat_env.script(text("Edited."))

    async def send_after_editing(pipe: PipeInput, session: PromptSession[str]) -> None:
        for _ in range(3000):  # the editor runs in a subprocess; wait for its text to be back
            if session.default_buffer.text == "written in the editor":
                break
            await asyncio.sleep(0.01)
        pipe.send_text(ENTER + CTRL_D)

    await chat("draft" + "\x18\x05", then=send_after_editing)
    assert user_messages(chat_env) == ["written in the editor"]


async def test_exit_words_and_command(chat_env: OpenAIServer) -> None:
    for keys in ("q" + ENTER, "/exit" + ENTER, "quit" + ENTER):
        done = await chat(keys + "never sent" + ENTER)
        assert done.status == ExitStatus.OK
    assert chat_env.bodies == []


async def test_the_prompt_comes_before_the_runtime_and_a_failed_open_is_one_line(
    chat_env: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventchat.repl.background import RuntimeHolder

    monkeypatch.setenv("EVENTCHAT_DATABASE", str(tmp_path))  # a directory: no store opens here
    settings, _ = load_settings({})
    err = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("/help" + ENTER + "hello" + ENTER + CTRL_D)
        session = make_prompt_session(COMMANDS, warn=err.write, input=pipe, output=DummyOutput())
        repl = Repl(RuntimeHolder(settings), session, verbose=False, out=io.StringIO(), err=err)
        status = await repl.run()
    assert status != ExitStatus.OK
    errors = [line for line in err.getvalue().splitlines() if line.startswith("eventchat: error")]
    assert len(errors) == 1, err.getvalue()
    assert chat_env.bodies == []


async def test_a_question_typed_while_the_runtime_opens_is_answered(
    chat_env: OpenAIServer,
) -> None:
    from eventchat.repl.background import RuntimeHolder

    chat_env.script(text("Answered."))
    settings, _ = load_settings({})
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("/model other" + ENTER + "hello" + ENTER + CTRL_D)
        session = make_prompt_session(COMMANDS, warn=print, input=pipe, output=DummyOutput())
        repl = Repl(RuntimeHolder(settings), session, verbose=False, out=out, err=io.StringIO())
        assert await repl.run() == ExitStatus.OK
    assert out.getvalue() == "Answered.\n"
    assert chat_env.bodies[-1]["model"] == "other"


async def test_ctrl_c_while_a_tool_runs_cancels_the_turn_and_history_stays_valid(
    chat_env: OpenAIServer,
) -> None:
    chat_env.script(
        tool_call("event_search", {"search": "python"}),
        text("A fresh answer."),
    )
    settings, _ = load_settings({})
    out, err = io.StringIO(), io.StringIO()
    with create_pipe_input() as pipe:
        async with open_runtime(settings) as runtime:
            searching = asyncio.Event()

            async def stuck_search(query: object) -> object:
                searching.set()
                await asyncio.sleep(30)  # an events API that does not answer
                raise AssertionError("never reached")

            runtime.events.search = stuck_search  # type: ignore[method-assign]
            session = make_prompt_session(COMMANDS, warn=print, input=pipe, output=DummyOutput())
            repl = Repl(runtime, session, verbose=False, out=out, err=err)

            async def type_and_interrupt() -> None:
                pipe.send_text("python?" + ENTER)
                await asyncio.wait_for(searching.wait(), 10)
                repl.interrupt()  # what Ctrl-C (SIGINT) does while a turn runs
                pipe.send_text("again" + ENTER + CTRL_D)

            typist = asyncio.ensure_future(type_and_interrupt())
            assert await repl.run() == ExitStatus.OK
            await typist
    assert repl.turns[0].interrupted
    assert "interrupted" in err.getvalue()
    messages = chat_env.bodies[-1]["messages"]
    tool_message = next(m for m in messages if m["role"] == "tool")
    assert "cancelled" in tool_message["content"]
    assert messages[-1] == {"role": "user", "content": "again"}
    assert "A fresh answer." in out.getvalue()


async def test_history_suggests_and_right_arrow_takes_it(chat_env: OpenAIServer) -> None:
    chat_env.script(text("First."), text("Second."))
    settings, _ = load_settings({})
    with create_pipe_input() as pipe:
        async with open_runtime(settings) as runtime:
            session = make_prompt_session(COMMANDS, warn=print, input=pipe, output=DummyOutput())
            repl = Repl(runtime, session, verbose=False, out=io.StringIO(), err=io.StringIO())

            async def type_with_suggestion() -> None:
                pipe.send_text("python in berlin" + ENTER)
                for _ in range(3000):  # until the first answer is done
                    if chat_env.bodies and repl.turn_task is None:
                        break
                    await asyncio.sleep(0.01)
                pipe.send_text("pyt")
                for _ in range(3000):  # suggestions are computed in the background
                    if session.default_buffer.suggestion is not None:
                        break
                    await asyncio.sleep(0.01)
                pipe.send_text("\x1b[C" + ENTER + CTRL_D)  # → takes the suggestion

            typist = asyncio.ensure_future(type_with_suggestion())
            await repl.run()
            await typist
    assert user_messages(chat_env) == ["python in berlin", "python in berlin"]
