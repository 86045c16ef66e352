"""One-shot input: stdin as the question, stdin as context with -q, idle stdin, --no-stdin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_eventchat
from tests.support.openai_script import text
from tests.support.openai_server import OpenAIServer


@pytest.fixture
def model(
    openai_server: OpenAIServer, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> OpenAIServer:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-oneshot")
    monkeypatch.setenv("EVENTCHAT_TODAY", "2019-01-01")
    return openai_server


def last_user_message(server: OpenAIServer) -> str:
    content = server.bodies[-1]["messages"][-1]["content"]
    assert isinstance(content, str)
    return content


def test_piped_stdin_is_the_question(model: OpenAIServer) -> None:
    model.script(text("An answer."))
    done = run_eventchat(stdin="Rust conferences this year?\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "An answer.\n"
    assert last_user_message(model) == "Rust conferences this year?"


def test_with_q_stdin_is_context_in_a_fenced_block(model: OpenAIServer) -> None:
    model.script(text("Berlin ones."))
    notes = "JSConf EU\nPyCon DE ```not a fence```\n"
    done = run_eventchat("-q", "Which of these are in Berlin?", stdin=notes)
    assert done.returncode == 0, done.stderr
    assert last_user_message(model) == (
        "Which of these are in Berlin?\n\nContext from standard input:\n"
        "~~~~\nJSConf EU\nPyCon DE ```not a fence```\n~~~~"
    )


def test_no_stdin_ignores_what_is_piped(model: OpenAIServer) -> None:
    model.script(text("Only the question."))
    done = run_eventchat("-q", "Just this?", "--no-stdin", stdin="ignored context")
    assert done.returncode == 0, done.stderr
    assert last_user_message(model) == "Just this?"


def test_an_idle_inherited_stdin_does_not_hang_a_q_run(model: OpenAIServer) -> None:
    model.script(text("Answered without waiting."))
    # stdin is a pipe that stays open and is never written: what a cron job or IDE may hand over.
    with subprocess.Popen(
        [sys.executable, "-m", "eventchat", "-q", "Anything?"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            child.wait(timeout=30)  # stdin still open
        finally:
            child.kill()
        assert child.stdout is not None
        assert child.stderr is not None
        out, err = child.stdout.read(), child.stderr.read()
    assert child.returncode == 0, err
    assert out == "Answered without waiting.\n"
    assert last_user_message(model) == "Anything?"
