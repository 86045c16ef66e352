"""The model API key never shows: not on stdout or stderr, in json or jsonl, the transcript log,
error messages (a 401 that echoes the key back) or ``eventchat config``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.cli_runner import Outcome, invoke
from tests.security.conftest import API_KEY
from tests.support import openai_script as script
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer

KEY_PARTS = (API_KEY, API_KEY[-12:], API_KEY[8:20])
"""The key and long pieces of it: a message may show a prefix or a suffix."""


def assert_no_key(*texts: str) -> None:
    for content in texts:
        for part in KEY_PARTS:
            assert part not in content


@pytest.fixture
def key_env(
    openai_server: OpenAIServer,
    bundled_database: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The scripted server, the key, a transcript log file; returns the log's path."""
    log = tmp_path / "transcript.jsonl"
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("EVENTCHAT_LOG_FILE", str(log))
    monkeypatch.setenv("EVENTCHAT_TODAY", "2026-01-15")
    monkeypatch.setenv("EVENTCHAT_MODEL", "gpt-test")
    monkeypatch.setenv("EVENTCHAT_MAX_RETRIES", "0")
    return log


def log_text(log: Path) -> str:
    return log.read_text(encoding="utf-8") if log.exists() else ""


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json", "jsonl"])
def test_key_absent_from_every_output_of_a_turn(
    fmt: str, key_env: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        tool_call("event_search", {"search": "python", "country": "DE"}),
        text("Here are some."),
    )
    done = invoke("-q", "python in Germany?", "--format", fmt, "--verbose", "--no-stdin")
    assert done.code == 0, done.stderr
    assert_no_key(done.stdout, done.stderr, log_text(key_env))
    assert len(openai_server.bodies) == 2


@pytest.mark.parametrize("fmt", ["markdown", "json", "jsonl"])
def test_a_401_that_echoes_the_key_does_not_show_it(
    fmt: str, key_env: Path, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        script.fault(401, f"Incorrect API key provided: {API_KEY}.", code="invalid_api_key")
    )
    done = invoke("-q", "hi", "--format", fmt, "--no-stdin")
    assert done.code == 5
    assert "401" in done.stderr
    assert_no_key(done.stdout, done.stderr, log_text(key_env))


def _config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str) -> Outcome:
    if where == "env":
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        return invoke("config")
    config = tmp_path / "config.toml"
    config.write_text(f'openai_api_key = "{API_KEY}"\n', encoding="utf-8")
    return invoke("--config", str(config), "config")


@pytest.mark.parametrize("where", ["env", "config-file"])
def test_config_masks_the_key(where: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    done = _config(monkeypatch, tmp_path, where)
    assert done.code == 0, done.stderr
    assert "openai_api_key" in done.stdout
    assert_no_key(done.stdout, done.stderr)
    assert "sk-…" in done.stdout  # masked: a prefix and the last four characters only
