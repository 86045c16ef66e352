"""Fixtures for the REPL: the environment a chat needs, and eventchat in a real pseudo-terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.openai_server import OpenAIServer

TODAY = "2019-01-01"


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
