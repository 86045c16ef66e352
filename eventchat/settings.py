"""eventchat's settings: one pydantic-settings class and the sources it is built from.

Precedence, highest first: command-line flags > environment (``EVENTCHAT_*``, plus
``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` and ``NO_COLOR``) > the TOML config file > defaults.
Settings are built once at the edge (``cli``) with :func:`load_settings` and passed down;
nothing builds them at import time.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from eventchat.errors import ConfigError, UsageError

OutputFormat = Literal["auto", "rich", "markdown", "json", "jsonl"]
ApiKind = Literal["eventchat", "eventchat-v0"]
SourceName = Literal["flag", "env", "config", "default"]


def default_config_file() -> Path:
    """``$XDG_CONFIG_HOME/eventchat/config.toml`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "eventchat" / "config.toml"


def state_dir() -> Path:
    """``$XDG_STATE_HOME/eventchat``: input history and other state."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "eventchat"


class Settings(BaseSettings):
    """Every setting of eventchat. ``config.toml.example`` documents each key."""

    model_config = SettingsConfigDict(
        env_prefix="EVENTCHAT_",
        extra="forbid",
        populate_by_name=True,
        validate_default=True,
    )

    model: str = Field(default="gpt-4o-mini", description="Chat model name.")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "EVENTCHAT_OPENAI_BASE_URL", "OPENAI_BASE_URL", "openai_base_url"
        ),
        description="Base URL of the OpenAI-compatible API; empty means api.openai.com.",
    )
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "EVENTCHAT_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key"
        ),
        description="API key of the model API (a secret: masked in `eventchat config`).",
    )
    model_timeout: float = Field(
        default=60.0, gt=0, description="Seconds before a model request fails."
    )
    max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed model request."
    )
    stream: bool = Field(
        default=True, description="Stream completions (off for servers that cannot)."
    )
    api_url: str = Field(default="", description="Events API base URL; empty = the embedded API.")
    api_kind: ApiKind = Field(default="eventchat", description="REST contract spoken at api_url.")
    api_timeout: float = Field(
        default=10.0, gt=0, description="Seconds before an events request fails."
    )
    api_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed events request."
    )
    api_retry_backoff: float = Field(
        default=0.5, ge=0, le=30, description="First wait before an events retry (seconds)."
    )
    database: str = Field(
        default="",
        validation_alias=AliasChoices(
            "EVENTCHAT_DATABASE", "EVENTCHAT_DATABASE_URL", "database", "database_url"
        ),
        description="SQLite path or postgresql:// URL (alias: database_url); empty = default.",
    )
    max_tool_rounds: int = Field(default=5, ge=1, le=20)
    history_token_budget: int = Field(default=16_000, ge=1_000)
    search_limit: int = Field(
        default=10, ge=1, le=50, description="Events per search for the model."
    )
    description_chars: int = Field(
        default=280, ge=0, description="Description length in tool results."
    )
    today: dt.date | None = Field(
        default=None, description="Today's date for the model (YYYY-MM-DD)."
    )
    format: OutputFormat = Field(
        default="auto", description="auto = rich on a terminal, else markdown."
    )
    no_color: bool = Field(
        default=False,
        validation_alias=AliasChoices("EVENTCHAT_NO_COLOR", "NO_COLOR", "no_color"),
    )
    log_file: Path | None = Field(default=None, description="JSON-lines transcript of requests.")
    data_update_url: str = Field(
        default="https://raw.githubusercontent.com/tech-conferences/conference-data/main/conferences",
        description="Where `eventchat data update` downloads confs.tech topic files from.",
    )
    source_urls: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Per source, where `eventchat data update` downloads it from (a mirror): "
            '{"ccf-deadlines": "https://…/archive.tar.gz"}.'
        ),
    )
    auto_update: bool = Field(
        default=False,
        description="Update the event data in the background of the REPL when it is old.",
    )
    auto_update_days: int = Field(
        default=7, ge=0, description="Age in days of the newest data that starts auto_update."
    )

    secret_fields: ClassVar[frozenset[str]] = frozenset({"openai_api_key"})

    @field_validator("no_color", mode="before")
    @classmethod
    def _no_color_convention(cls, value: object) -> object:
        # no-color.org: any non-empty NO_COLOR disables colour, whatever its value.
        if isinstance(value, str):
            return value.strip().lower() not in {"", "0", "false", "no"}
        return value

    @field_validator("openai_base_url", "log_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    def effective_today(self) -> dt.date:
        """The date the model is told is today."""
        return self.today or dt.date.today()


@dataclass(frozen=True)
class SettingValue:
    """One effective setting and the source it came from, for ``eventchat config``."""

    name: str
    value: str
    source: SourceName


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML ({exc}) — fix or remove it"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path} ({exc.strerror})") from exc
    unknown = sorted(key for key in data if _field_for(key) not in Settings.model_fields)
    if unknown:
        raise ConfigError(
            f"config file {path} has unknown key {unknown[0]!r} — "
            "see config.toml.example for the keys"
        )
    return data


def _sources(
    flags: Mapping[str, Any], config_file: Path
) -> list[tuple[SourceName, PydanticBaseSettingsSource]]:
    return [
        ("flag", InitSettingsSource(Settings, init_kwargs=dict(flags))),
        ("env", EnvSettingsSource(Settings)),
        ("config", TomlConfigSettingsSource(Settings, toml_file=config_file)),
    ]


def _field_for(key: str) -> str:
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if key == name or (isinstance(alias, AliasChoices) and key in alias.choices):
            return name
    return key


def load_settings(
    flags: Mapping[str, Any] | None = None, config_file: Path | None = None
) -> tuple[Settings, dict[str, SourceName]]:
    """Build Settings from flags, environment, config file and defaults.

    Returns the settings and, for each field, which source supplied it. Flags whose value is
    ``None`` were not given. Raises ConfigError with a one-line message on any invalid value.
    """
    explicit = config_file is not None
    path = config_file if config_file is not None else default_config_file()
    if explicit and not path.is_file():
        raise ConfigError(f"config file {path} does not exist — check the --config path")
    _read_config_file(path)  # one-line errors for bad TOML and unknown keys
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    sources = _sources(given, path)
    origin: dict[str, SourceName] = {}
    merged: dict[str, Any] = {}
    for source_name, settings_source in reversed(sources):
        for key, value in settings_source().items():
            field = _field_for(key)
            merged[field] = value
            origin[field] = source_name
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        where = {"flag": "the command line", "env": "the environment", "config": str(path)}
        source = origin.get(field, "default")
        if source == "flag":
            raise UsageError(f"invalid --{field.replace('_', '-')}: {err['msg']}") from exc
        src = where.get(source, "defaults")
        raise ConfigError(f"invalid setting {field!r} from {src}: {err['msg']}") from exc
    for name in Settings.model_fields:
        origin.setdefault(name, "default")
    return settings, origin


def mask_secret(secret: str) -> str:
    """Show enough of a key to recognise it, never enough to use it."""
    if len(secret) <= 8:
        return "****"
    return f"{secret[:3]}…{secret[-4:]}"


def describe(settings: Settings, origin: Mapping[str, SourceName]) -> list[SettingValue]:
    """Every effective setting as display text with its source; secrets masked."""
    rows = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            text = mask_secret(value.get_secret_value())
        elif value is None:
            text = ""
        else:
            text = str(value)
        rows.append(SettingValue(name, text, origin.get(name, "default")))
    return rows
