"""Suite-wide fixtures: every test runs with a clean environment and its own XDG directories."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.support.openai_server",
    "tests.support.events_api",
    "tests.support.postgres",
]

_ISOLATED_PREFIXES = ("EVENTCHAT_", "OPENAI_")
_ISOLATED_NAMES = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "EDITOR", "VISUAL")


@pytest.fixture(autouse=True)
def clean_environ(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test sees the developer's keys, config, data or history (httpx's ``clean_environ``)."""
    import os

    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES) or name in _ISOLATED_NAMES:
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    return home
