"""Faults in the REPL: one line on stderr, no traceback, the prompt back, the next question works.

Every model fault of the one-shot table (:data:`tests.security.test_faults.MODEL_FAULTS`) hits the
second of three questions; the third must be answered from a history the scripted server accepts
(it rejects an invalid one, failing the test). Events API faults (the FastAPI fault app on
loopback) reach the model as tool text and the model's answer is shown. A model that stalls past
``model_timeout`` and one that calls tools forever are bounded. Runs in-process over
prompt-toolkit pipe input (:mod:`tests.repl.driver`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.repl.driver import Keyboard, Session, chat
from tests.security.conftest import API_KEY
from tests.security.fault_api import FaultAPI, free_port, serve_in_thread
from tests.security.forwarder import Forwarder
from tests.security.payloads import terminal_violations
from tests.security.test_faults import EVENTS_FAULTS, MODEL_FAULTS, SORRY
from tests.support import openai_script as script
from tests.support.openai_script import Pause, Reply, text, tool_call
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio


def users(body: dict[str, object]) -> list[object]:
    messages = body["messages"]
    assert isinstance(messages, list)
    return [m["content"] for m in messages if m["role"] == "user"]


def assert_clean(done: Session, *, live: bool = False) -> None:
    """No traceback, no key, nothing foreign on either stream; the REPL ended normally.

    ``live``: the streams were a terminal, so Rich's Live redraws are allowed.
    """
    assert done.status == 0
    assert "Traceback" not in done.out + done.err
    assert API_KEY not in done.out + done.err
    assert terminal_violations(done.err, live=live) == []
    assert terminal_violations(done.out, live=live) == []


async def model_down_between(keys: Keyboard, forwarder: Forwarder) -> None:
    """First question answered; the model API goes away for the second, is back for the third."""
    keys.type("one")
    await keys.turns_done(1)
    await forwarder.stop()
    keys.type("two")
    await keys.turns_done(2)
    await forwarder.start()
    keys.type("three")
    await keys.turns_done(3)
    await forwarder.stop()
    keys.quit()


@pytest.mark.parametrize("case", MODEL_FAULTS)
async def test_a_model_fault_is_one_line_and_the_next_question_is_answered(
    case: str, repl_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault, needle = MODEL_FAULTS[case]
    if case == "timeout":
        monkeypatch.setenv("EVENTCHAT_MODEL_TIMEOUT", "0.3")
    replies: list[Reply] = [text("First.")]
    if fault is not None:
        replies.append(fault)
    if case == "400-context":  # the engine shrinks the history once and tries again
        replies.append(script.context_too_long())
    repl_env.script(*replies, text("Third."))
    if fault is None:  # connection refused: the model API is down for the second question
        forwarder = Forwarder(int(repl_env.url.rsplit(":", 1)[1]))
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{forwarder.port}/v1")
        await forwarder.start()

        async def typist(keys: Keyboard) -> None:
            await model_down_between(keys, forwarder)

        done = await chat(typist=typist)
    else:
        done = await chat("one", "two", "three")
    assert_clean(done)
    assert done.reads == ["one", "two", "three", None]  # the prompt came back each time
    assert len(done.errors()) == 1, done.err
    assert needle in done.errors()[0]
    assert done.out.startswith("First.\n")
    assert done.out.endswith("Third.\n")
    # The failed turn left no trace: the third request is a valid history without it.
    assert repl_env.rejected() == []
    expected = ["three"] if case == "400-context" else ["one", "three"]
    assert users(repl_env.bodies[-1]) == expected
    assert done.repl.turns[1].error is not None


@pytest.fixture(scope="module")
def fault_api() -> Iterator[tuple[FaultAPI, str]]:
    api = FaultAPI()
    for url in serve_in_thread(api.app):
        yield api, url


@pytest.fixture
def events_api(
    fault_api: tuple[FaultAPI, str], repl_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultAPI]:
    """The fault API in ``ok`` mode, set as ``EVENTCHAT_API_URL``."""
    api, url = fault_api
    api.mode, api.delay = "ok", 2.0
    api.headers.clear()
    monkeypatch.setenv("EVENTCHAT_API_URL", url)
    yield api
    api.mode = "ok"


def tool_text(server: OpenAIServer, request: int) -> str:
    message = server.bodies[request]["messages"][-1]
    assert message["role"] == "tool"
    content: str = message["content"]
    return content


@pytest.mark.parametrize("mode", [*EVENTS_FAULTS, "refused"])
async def test_an_events_api_fault_reaches_the_model_and_the_next_turn_works(
    mode: str, repl_env: OpenAIServer, events_api: FaultAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    if mode == "refused":
        monkeypatch.setenv("EVENTCHAT_API_URL", f"http://127.0.0.1:{free_port()}")
    else:
        events_api.mode = mode
    repl_env.script(
        tool_call("event_search", {"search": "python"}), text(SORRY), text("Next answer.")
    )
    done = await chat("python events?", "/tools", "and now?")
    assert_clean(done)
    assert done.reads == ["python events?", "/tools", "and now?", None]
    assert SORRY in done.out
    assert done.out.endswith("Next answer.\n")
    assert done.errors() == []  # the model explains; the REPL adds no error line
    said = tool_text(repl_env, 1)
    assert said.startswith("Error: event_search failed")
    assert EVENTS_FAULTS.get(mode, "could not be reached") in said
    assert "event_search(search='python') → error: event_search failed" in done.err
    assert users(repl_env.bodies[-1]) == ["python events?", "and now?"]


def stalled(seconds: float) -> Reply:
    """Text that streams its first words, then stalls for ``seconds``."""
    reply = text("The first words", pieces=["The first ", "words"])
    reply.chunks.insert(2, Pause(seconds))
    return reply


async def test_a_model_that_stalls_past_its_timeout_is_one_line(
    repl_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTCHAT_MODEL_TIMEOUT", "0.5")
    repl_env.script(stalled(10), text("Back."))
    done = await chat("a long story", "again")
    assert_clean(done)
    assert done.reads == ["a long story", "again", None]
    assert [e for e in done.errors() if "timed out after 0.5s" in e] == done.errors()
    assert len(done.errors()) == 1
    assert done.out.startswith("The first ")
    assert done.out.endswith("Back.\n")
    assert repl_env.requests[0].disconnected.wait(5)  # the stalled stream was closed
    assert users(repl_env.bodies[-1]) == ["again"]


async def test_a_model_that_calls_tools_forever_is_bounded(
    repl_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTCHAT_MAX_TOOL_ROUNDS", "2")
    # It asks for a search every time, even when the last request offers no tools.
    loop = [tool_call("event_search", {"search": f"python {i}"}) for i in range(3)]
    repl_env.script(*loop, text("Next answer."))
    done = await chat("python?", "and now?")
    assert_clean(done)
    assert done.reads == ["python?", "and now?", None]
    assert len(repl_env.bodies) == 4
    assert "tools" not in repl_env.bodies[2]  # the last request cannot ask for more tools
    assert done.out.endswith("Next answer.\n")
    assert len(done.errors()) == 1, done.err  # no answer: one line says so
    assert "tool" in done.errors()[0]
