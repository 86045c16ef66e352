"""One exception tree for eventchat, and the exit status each part of it maps to.

    EventchatError                  1  anything eventchat reports as a clean one-line message
    ├── UsageError                  2  the command line or the input is wrong
    ├── ConfigError                 3  settings are missing or invalid (API key, config file)
    ├── EventsAPIError              4  the events REST API failed
    │   ├── EventsAPIConnectError       refused, unreachable, timed out
    │   ├── EventsAPIStatusError        an HTTP error status
    │   └── EventsAPIResponseError      a body that is not JSON or has the wrong shape
    ├── ModelAPIError               5  the OpenAI-compatible model API failed
    └── StoreError                  1  the events database could not be opened, read or written
        └── ImportRecordError           one record of an import file is invalid

Every message says what failed and what to do next. ``cli`` is the only place that turns an
exception into an exit status; the test suite and ``--traceback`` see the raw exception.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit statuses, named as httpie's ``ExitStatus`` does."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    EVENTS_API = 4
    MODEL_API = 5
    INTERRUPTED = 130


class EventchatError(Exception):
    """Base of every error eventchat reports to a person as one line."""

    exit_status: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(EventchatError):
    """The command line or the input is wrong."""

    exit_status = ExitStatus.USAGE


class ConfigError(EventchatError):
    """A setting is missing or invalid."""

    exit_status = ExitStatus.CONFIG


class EventsAPIError(EventchatError):
    """The events REST API failed."""

    exit_status = ExitStatus.EVENTS_API


class EventsAPIConnectError(EventsAPIError):
    """The events API could not be reached (refused, unreachable, timed out)."""


class EventsAPIStatusError(EventsAPIError):
    """The events API answered with an HTTP error status."""

    def __init__(self, message: str, status_code: int, detail: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.detail = detail


class EventsAPIResponseError(EventsAPIError):
    """The events API answered with a body that is not JSON or has the wrong shape."""


class ModelAPIError(EventchatError):
    """The OpenAI-compatible model API failed."""

    exit_status = ExitStatus.MODEL_API


class StoreError(EventchatError):
    """The events database could not be opened, read or written."""


class ImportRecordError(StoreError):
    """One record of an import file is invalid; the rest of the file still imports."""
