"""Settings: sources, precedence (flag > env > config file > default), errors, masking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eventchat.errors import ConfigError, UsageError
from eventchat.settings import default_config_file, describe, load_settings


def write_config(text: str) -> Path:
    path = default_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_set() -> None:
    settings, origin = load_settings()
    assert settings.model == "gpt-4o-mini"
    assert settings.temperature == 0.0
    assert settings.api_url == ""
    assert settings.max_tool_rounds == 5
    assert set(origin.values()) == {"default"}


def test_precedence_flag_over_env_over_file_over_default(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config('model = "file-model"\ntemperature = 0.5\nsearch_limit = 7\napi_timeout = 3.0\n')
    monkeypatch.setenv("EVENTCHAT_MODEL", "env-model")
    monkeypatch.setenv("EVENTCHAT_TEMPERATURE", "0.9")
    settings, origin = load_settings({"model": "flag-model", "today": None})
    assert (settings.model, origin["model"]) == ("flag-model", "flag")
    assert (settings.temperature, origin["temperature"]) == (0.9, "env")
    assert (settings.search_limit, origin["search_limit"]) == (7, "config")
    assert (settings.api_timeout, origin["api_timeout"]) == (3.0, "config")
    assert (settings.max_tool_rounds, origin["max_tool_rounds"]) == (5, "default")
    assert origin["today"] == "default"  # a flag given as None was not given


def test_ecosystem_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("NO_COLOR", "1")
    settings, origin = load_settings()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-test-0123456789"
    assert settings.openai_base_url == "http://127.0.0.1:9/v1"
    assert settings.no_color is True
    assert origin["openai_api_key"] == "env"


def test_eventchat_prefixed_key_beats_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-aaaaaaaa")
    monkeypatch.setenv("EVENTCHAT_OPENAI_API_KEY", "sk-eventchat-bbbbbbbb")
    settings, _ = load_settings()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-eventchat-bbbbbbbb"


def test_explicit_config_path(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text('today = "2026-03-01"\n', encoding="utf-8")
    settings, origin = load_settings(config_file=path)
    assert settings.today == dt.date(2026, 3, 1)
    assert settings.effective_today() == dt.date(2026, 3, 1)
    assert origin["today"] == "config"


def test_missing_explicit_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "nope.toml")


def test_invalid_toml_names_the_file() -> None:
    path = write_config("model = \n")
    with pytest.raises(ConfigError, match=str(path)):
        load_settings()


def test_unknown_key_in_file_is_reported() -> None:
    write_config('modle = "typo"\n')
    with pytest.raises(ConfigError, match="unknown key 'modle'"):
        load_settings()


def test_invalid_value_names_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTCHAT_MAX_TOOL_ROUNDS", "many")
    with pytest.raises(ConfigError, match="'max_tool_rounds' from the environment"):
        load_settings()


def test_invalid_flag_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--format"):
        load_settings({"format": "xml"})


def test_describe_masks_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value-123456")
    settings, origin = load_settings()
    rows = {row.name: row for row in describe(settings, origin)}
    assert "secret-value" not in rows["openai_api_key"].value
    assert rows["openai_api_key"].value.endswith("3456")
    assert rows["openai_api_key"].source == "env"


def test_auto_update_is_off_by_default_and_set_from_env_or_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, origin = load_settings()
    assert (settings.auto_update, settings.auto_update_days) == (False, 7)
    assert origin["auto_update"] == origin["auto_update_days"] == "default"
    write_config("auto_update = true\nauto_update_days = 14\n")
    settings, origin = load_settings()
    assert (settings.auto_update, settings.auto_update_days) == (True, 14)
    assert origin["auto_update"] == origin["auto_update_days"] == "config"
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE", "false")
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE_DAYS", "3")
    settings, origin = load_settings()
    assert (settings.auto_update, settings.auto_update_days) == (False, 3)
    assert origin["auto_update"] == origin["auto_update_days"] == "env"


def test_auto_update_days_is_a_count_of_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE_DAYS", "-1")
    with pytest.raises(ConfigError, match="'auto_update_days' from the environment"):
        load_settings()
    monkeypatch.setenv("EVENTCHAT_AUTO_UPDATE_DAYS", "0")  # 0: whenever the data is not today's
    assert load_settings()[0].auto_update_days == 0


def test_the_example_config_is_valid_and_names_auto_update() -> None:
    example = Path(__file__).resolve().parents[1] / "config.toml.example"
    settings, origin = load_settings(config_file=example)
    assert (settings.auto_update, settings.auto_update_days) == (False, 7)
    assert origin["auto_update"] == origin["auto_update_days"] == "config"
