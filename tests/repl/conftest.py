"""Fixtures for the REPL: the environment a chat needs, and eventchat in a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.openai_server import OpenAIServer

TODAY = "2019-01-01"
LATE = "2026-12-03"  # the bundled data (newest from 2026-08-20) is 105 days old on this day


@pytest.fixture
def chat_env(
    openai_server: OpenAIServer, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> OpenAIServer:
    """The scripted model server and the bundled events, set in the environment."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-repl")
    monkeypatch.setenv("EVENTCHAT_TODAY", TODAY)
    monkeypatch.setenv("EVENTCHAT_MODEL", "gpt-test")
    return openai_server


class Terminal:
    """eventchat in a pseudo-terminal (pexpect): send keys, wait for what the screen shows."""

    def __init__(self, *args: str, timeout: float = 30) -> None:
        import pexpect

        env = {
            **os.environ,
            "TERM": "xterm-256color",
            # pexpect answers no cursor-position requests; do not make prompt-toolkit wait for one.
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "eventchat", *args],
            env=env,
            dimensions=(40, 120),
            encoding="utf-8",
            timeout=timeout,
        )
        self.seen = ""

    def expect(self, pattern: str) -> str:
        """Wait for ``pattern`` (a literal); return what came before it."""
        self.child.expect_exact(pattern)
        before = str(self.child.before)
        self.seen += before + str(self.child.after)
        return before

    def prompt(self) -> str:
        """Wait for the prompt; what came before it."""
        return self.expect("›")

    def send(self, text: str) -> None:
        self.child.send(text)

    def interrupt(self) -> None:
        """Ctrl-C, as the terminal delivers it."""
        self.child.sendintr()

    def exit_status(self) -> int:
        """Wait for the process to end; its exit status."""
        import pexpect

        self.child.expect(pexpect.EOF)
        self.seen += str(self.child.before)
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)

    def kill(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture
def terminal(chat_env: OpenAIServer) -> Iterator[type[Terminal]]:
    """Start ``Terminal(*args)``; every one started is killed at teardown if still running."""
    started: list[Terminal] = []

    class Started(Terminal):
        def __init__(self, *args: str, timeout: float = 30) -> None:
            super().__init__(*args, timeout=timeout)
            started.append(self)

    yield Started
    for term in started:
        term.kill()


BACKGROUND_CONF = {
    "name": "Background Conf",
    "url": "https://background-conf.example",
    "startDate": "2027-01-14",
    "endDate": "2027-01-15",
    "city": "Leipzig",
    "country": "Germany",
}


@dataclass
class ConfsServer:
    """A local stand-in for every source ``data update`` downloads: the confs.tech layout
    (``/confs/{year}/{topic}.json``) serves ``files``, every other path is a 404 (so the other
    bundled sources fail and keep their data). Each request waits until ``release`` is set."""

    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    asked: threading.Event = field(default_factory=threading.Event)  # a request came in
    release: threading.Event = field(default_factory=threading.Event)
    answered: int = 0

    def env(self) -> dict[str, str]:
        """The settings that point ``data update`` here (and nowhere on the network)."""
        elsewhere = {
            name: f"{self.url}/{name}"
            for name in ("python-deadlines", "ccf-deadlines", "ai-deadlines", "developers.events")
        }
        return {
            "EVENTCHAT_DATA_UPDATE_URL": f"{self.url}/confs",
            "EVENTCHAT_SOURCE_URLS": json.dumps(elsewhere),
        }


@pytest.fixture
def confs_server() -> Iterator[ConfsServer]:
    """A :class:`ConfsServer` with one 2027 Python conference, answering at once."""
    state = ConfsServer(files={"/confs/2027/python.json": json.dumps([BACKGROUND_CONF]).encode()})
    state.release.set()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append(self.path)
            state.asked.set()
            state.release.wait(60)
            body = state.files.get(self.path)
            self.send_response(404 if body is None else 200)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")
            state.answered += 1

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()  # let any waiting request go
    server.shutdown()
    server.server_close()
