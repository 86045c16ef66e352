"""One-shot exit statuses: a failed turn exits with its status; Ctrl-C flushes and exits 130."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from eventchat.chat.stream import StreamEvent, TextDelta, TurnError
from eventchat.errors import EventsAPIError, ExitStatus
from eventchat.session import run_turn
from tests.support.cli import run_eventchat
from tests.support.openai_script import Pause, model_not_found, text
from tests.support.openai_server import OpenAIServer


@pytest.fixture
def model(
    openai_server: OpenAIServer, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> OpenAIServer:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-oneshot")
    monkeypatch.setenv("EVENTCHAT_MODEL", "gpt-test")
    return openai_server


def test_a_model_api_error_exits_5_with_one_line(model: OpenAIServer) -> None:
    model.script(model_not_found("gpt-test"))
    done = run_eventchat("-q", "hello")
    assert done.returncode == ExitStatus.MODEL_API
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "gpt-test" in done.stderr


class FailingEngine:
    """An engine whose turn fails the way a broken events API would."""

    async def run_turn(self, text: str) -> AsyncIterator[StreamEvent]:
        yield TextDelta("partial")
        yield TurnError(EventsAPIError("events API at http://x refused the connection"), "partial")


class Collect:
    def __init__(self) -> None:
        self.events: list[StreamEvent] = []
        self.closed = False

    def handle(self, event: StreamEvent) -> None:
        self.events.append(event)

    def close(self) -> None:
        self.closed = True


def test_an_events_api_error_is_status_4() -> None:
    renderer = Collect()
    status = asyncio.run(run_turn(FailingEngine(), "hi", renderer))  # type: ignore[arg-type]
    assert status == ExitStatus.EVENTS_API
    assert renderer.closed


def test_ctrl_c_flushes_the_partial_answer_and_exits_130(model: OpenAIServer) -> None:
    reply = text(
        "The partial answer, then silence.", pieces=["The partial answer,", " then silence."]
    )
    reply.chunks.insert(2, Pause(10))
    model.script(reply)
    child = subprocess.Popen(
        [sys.executable, "-m", "eventchat", "-q", "Tell me", "--format", "markdown"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        shown = b""
        deadline = time.monotonic() + 30
        while b"answer," not in shown and time.monotonic() < deadline:  # the first piece is out
            ready, _, _ = select.select([child.stdout], [], [], 0.5)
            if ready:
                shown += os.read(child.stdout.fileno(), 4096)
        child.send_signal(signal.SIGINT)  # the reply is paused: this is mid-answer
        rest, err_bytes = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    out, err = (shown + rest).decode(), err_bytes.decode()
    assert child.returncode == ExitStatus.INTERRUPTED, err
    assert out == "The partial answer,\n"
    assert "interrupted" in err
    assert "Traceback" not in err
    assert model.requests[0].disconnected.wait(5)  # the HTTP stream was closed at once
