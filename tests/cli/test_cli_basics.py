"""The command line as a person meets it: help, version, config, and clean one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from eventchat import __version__
from tests.support.cli import run_eventchat

HEAVY = ("openai", "fastapi", "uvicorn", "prompt_toolkit", "rich.markdown")


eventchat = run_eventchat


def imported_modules(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "eventchat", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}


def test_version() -> None:
    done = eventchat("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"eventchat {__version__}"


def test_help_lists_the_options_and_commands() -> None:
    done = eventchat("--help")
    assert done.returncode == 0
    for word in ("--question", "--model", "--api-url", "--today", "--version", "config"):
        assert word in done.stdout


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_stay_light(flag: str) -> None:
    modules = imported_modules(flag)
    assert "eventchat.cli" in modules  # the measurement sees our imports at all
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)
    assert loaded == []


def test_missing_api_key_is_one_line_and_exit_3() -> None:
    done = eventchat("-q", "Any JavaScript conferences in Germany?")
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "OPENAI_API_KEY" in lines[0]
    assert "config.toml" in lines[0]
    assert "Traceback" not in done.stderr


def test_no_question_on_empty_stdin_is_a_usage_error() -> None:
    done = eventchat(stdin="   \n")
    assert done.returncode == 2
    assert "no question" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_flag_value_is_a_usage_error() -> None:
    done = eventchat("--today", "tomorrow", "-q", "hi")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "--today" in done.stderr


def test_config_shows_sources_and_masks_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-abcdef123456")
    monkeypatch.setenv("EVENTCHAT_MODEL", "env-model")
    done = eventchat("config")
    assert done.returncode == 0
    assert "very-secret" not in done.stdout + done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert "env-model" in rows["model"]
    assert rows["model"].endswith("(env)")
    assert rows["temperature"].endswith("(default)")
    assert "3456" in rows["openai_api_key"]


def test_bad_config_file_is_exit_3(tmp_path: pytest.TempPathFactory) -> None:
    done = eventchat("--config", "/nonexistent/eventchat.toml", "config")
    assert done.returncode == 3
    assert "does not exist" in done.stderr
