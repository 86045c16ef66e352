"""``eventchat -q`` as a subprocess against the scripted server and the embedded events API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer


def test_one_question_in_a_subprocess(openai_server: OpenAIServer, bundled_database: Path) -> None:
    openai_server.script(
        tool_call("event_search", {"search": "javascript", "country": "Germany"}),
        text("See [JavaScript Days](https://javascript-days.de/berlin)."),
    )
    env = {
        **os.environ,
        "OPENAI_BASE_URL": openai_server.base_url,
        "OPENAI_API_KEY": "sk-test",
        "EVENTCHAT_TODAY": "2026-01-15",
        "EVENTCHAT_MODEL": "gpt-test",
    }
    done = subprocess.run(
        [sys.executable, "-m", "eventchat", "-q", "javascript in Germany?", "--format", "markdown"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "https://javascript-days.de/berlin" in done.stdout
    tool_answer = openai_server.bodies[1]["messages"][-1]
    assert tool_answer["role"] == "tool"
    assert "javascript-days.de" in tool_answer["content"]


def test_log_file_from_the_environment_gets_the_transcript(
    openai_server: OpenAIServer, bundled_database: Path, tmp_path: Path
) -> None:
    import json

    key = "sk-subprocess-secret-42"
    log_file = tmp_path / "chat.jsonl"
    openai_server.script(tool_call("event_search", {"search": "python"}), text("Found."))
    env = {
        **os.environ,
        "OPENAI_BASE_URL": openai_server.base_url,
        "OPENAI_API_KEY": key,
        "EVENTCHAT_TODAY": "2026-01-15",
        "EVENTCHAT_LOG_FILE": str(log_file),
    }
    done = subprocess.run(
        [sys.executable, "-m", "eventchat", "-q", "python?", "--format", "markdown"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    raw = log_file.read_text(encoding="utf-8")
    kinds = [json.loads(line)["type"] for line in raw.splitlines()]
    assert kinds == ["turn", "request", "response", "tool", "request", "response"]
    assert key not in raw
