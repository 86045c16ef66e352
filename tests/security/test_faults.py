"""Faults in one-shot mode: one line on stderr, no traceback, the right exit status.

Model API failures end the turn (exit 5; no key is a configuration error, 3). Events API failures
during a tool call go back to the model as a tool error: the model's next scripted answer is
printed and the exit status is 0. The events API is a real FastAPI app on loopback (uvicorn in a
thread) that fails on demand; the model is the scripted server. Runs in-process (CliRunner).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventchat.store import default_database_path
from eventchat.tools.events import MAX_FIELD_CHARS, MAX_RESULT_CHARS
from tests.security.cli_runner import Outcome, invoke
from tests.security.conftest import API_KEY
from tests.security.fault_api import FaultAPI, free_port, serve_in_thread
from tests.security.payloads import json_violations, terminal_violations
from tests.support import openai_script as script
from tests.support.openai_script import Reply, text, tool_call
from tests.support.openai_server import OpenAIServer

SORRY = "Sorry, the events service failed; please try again later."


@pytest.fixture
def model_env(openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    """The scripted model, no retries, short timeouts."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("EVENTCHAT_TODAY", "2026-01-15")
    monkeypatch.setenv("EVENTCHAT_MODEL", "gpt-test")
    monkeypatch.setenv("EVENTCHAT_MAX_RETRIES", "0")
    monkeypatch.setenv("EVENTCHAT_MODEL_TIMEOUT", "5")
    monkeypatch.setenv("EVENTCHAT_API_RETRIES", "0")
    monkeypatch.setenv("EVENTCHAT_API_TIMEOUT", "1")
    return openai_server


@pytest.fixture(scope="module")
def fault_api() -> Iterator[tuple[FaultAPI, str]]:
    api = FaultAPI()
    for url in serve_in_thread(api.app):
        yield api, url


@pytest.fixture
def events_api(
    fault_api: tuple[FaultAPI, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultAPI]:
    """The fault API in ``ok`` mode, set as ``EVENTCHAT_API_URL``."""
    api, url = fault_api
    api.mode, api.delay = "ok", 2.0
    api.headers.clear()
    monkeypatch.setenv("EVENTCHAT_API_URL", url)
    yield api
    api.mode = "ok"


def ask(*extra: str) -> Outcome:
    return invoke("-q", "python events?", "--format", "markdown", "--no-stdin", *extra)


def assert_one_line_error(done: Outcome, status: int, needle: str = "") -> None:
    assert done.exception is None, repr(done.exception)
    assert done.code == status, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("eventchat:")
    assert needle in lines[0]
    assert "Traceback" not in done.stderr + done.stdout


def _cut() -> Reply:
    reply = text("Here is the start of a long answer that never ends")
    reply.cut_after = 3
    return reply


def _malformed() -> Reply:
    reply = text("Some text")
    reply.malformed_at = 2
    return reply


def _slow() -> Reply:
    reply = text("late")
    reply.delay = 2.0
    return reply


MODEL_FAULTS: dict[str, tuple[Reply | None, str]] = {
    "401": (script.unauthorized(), "401"),
    "403": (script.fault(403, "Project does not have access.", code="forbidden"), "403"),
    "404-model": (script.model_not_found(), "gpt-test"),
    "429-rate": (script.rate_limited(), "429"),
    "429-quota": (script.rate_limited(quota=True), "quota"),
    "400-context": (script.context_too_long(), "too long"),
    "500": (script.server_error(500), "500"),
    "503": (script.server_error(503), "503"),
    "stream-cut": (_cut(), ""),
    "malformed-chunk": (_malformed(), ""),
    "timeout": (_slow(), "timed out"),
    "refused": (None, "could not be reached"),
}


@pytest.mark.parametrize("case", MODEL_FAULTS)
def test_model_api_faults(
    case: str, model_env: OpenAIServer, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply, needle = MODEL_FAULTS[case]
    if reply is None:
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    else:
        model_env.script(reply)
    if case == "timeout":
        monkeypatch.setenv("EVENTCHAT_MODEL_TIMEOUT", "0.3")
    done = ask()
    assert_one_line_error(done, 5, needle)
    assert API_KEY not in done.stderr + done.stdout


def test_no_api_key_is_a_configuration_error(bundled_database: Path) -> None:
    done = ask()
    assert_one_line_error(done, 3, "OPENAI_API_KEY")


def last_tool_message(server: OpenAIServer) -> str:
    message = server.bodies[-1]["messages"][-1]
    assert message["role"] == "tool"
    content: str = message["content"]
    return content


EVENTS_FAULTS: dict[str, str] = {
    "status-400": "answered 400",
    "status-404": "answered 404",
    "status-500": "answered 500",
    "status-503": "answered 503",
    "not-json": "unexpected body",
    "wrong-shape": "unexpected body",
    "slow": "timed out",
}


@pytest.mark.parametrize("mode", EVENTS_FAULTS)
def test_events_api_faults_go_back_to_the_model(
    mode: str, model_env: OpenAIServer, events_api: FaultAPI
) -> None:
    events_api.mode = mode
    model_env.script(tool_call("event_search", {"search": "python"}), text(SORRY))
    done = ask()
    assert done.exception is None, repr(done.exception)
    assert done.code == 0, done.stderr
    assert SORRY in done.stdout
    tool_text = last_tool_message(model_env)
    assert tool_text.startswith("Error: event_search failed")
    assert EVENTS_FAULTS[mode] in tool_text
    assert "Traceback" not in done.stderr
    # The events API never sees the model API key.
    assert API_KEY not in json.dumps(events_api.headers)


def test_events_api_refusing_connections_goes_back_to_the_model(
    model_env: OpenAIServer, bundled_database: Path
) -> None:
    model_env.script(tool_call("event_search", {"search": "python"}), text(SORRY))
    done = ask("--api-url", f"http://127.0.0.1:{free_port()}")
    assert done.code == 0, done.stderr
    assert SORRY in done.stdout
    assert "could not be reached" in last_tool_message(model_env)


@pytest.mark.parametrize("mode", ["huge", "many"])
def test_oversized_results_are_capped_and_say_so(
    mode: str, model_env: OpenAIServer, events_api: FaultAPI
) -> None:
    events_api.mode = mode
    model_env.script(tool_call("event_search", {"search": "python"}), text("Some events."))
    done = ask("--format", "json")
    assert done.code == 0, done.stderr
    tool_text = last_tool_message(model_env)
    assert len(tool_text) <= MAX_RESULT_CHARS + 40
    body = json.loads(tool_text.split("\n")[1])
    assert body["count"] == len(body["events"])
    if mode == "huge":  # 5 MB of events: each 100 kB name is capped, so the limit's 10 fit
        assert len(body["events"]) == 10
        assert all(len(e["name"]) <= MAX_FIELD_CHARS for e in body["events"])
    else:  # 1,000 events for a limit of 10: cut to the limit
        assert len(body["events"]) == 10
    doc = json.loads(done.stdout)
    assert doc["answer"] == "Some events."


def test_a_server_ignoring_the_limit_is_cut_to_it(
    model_env: OpenAIServer, events_api: FaultAPI
) -> None:
    events_api.mode = "many"
    model_env.script(
        tool_call("event_search", {"search": "python", "limit": 5}), text("Some events.")
    )
    done = ask("--format", "json")
    assert done.code == 0, done.stderr
    body = json.loads(last_tool_message(model_env).split("\n")[1])
    assert body["count"] == len(body["events"]) == 5
    assert len(json.loads(done.stdout)["events"]) == 5


def test_a_model_that_calls_tools_forever_is_bounded(
    model_env: OpenAIServer, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTCHAT_MAX_TOOL_ROUNDS", "3")
    loop = [tool_call("event_search", {"search": f"python {i}"}) for i in range(3)]
    model_env.script(*loop, text("Enough searching."))
    done = ask()
    assert done.code == 0, done.stderr
    assert "Enough searching." in done.stdout
    bodies: list[dict[str, Any]] = model_env.bodies
    assert len(bodies) == 4
    assert all("tools" in b for b in bodies[:3])
    assert "tools" not in bodies[3]  # the last request cannot ask for more tools


def test_a_corrupt_embedded_database_is_rebuilt(model_env: OpenAIServer) -> None:
    path = default_database_path(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database\x00" * 4096)
    model_env.script(
        tool_call("event_search", {"search": "javascript", "country": "DE"}), text("Found some.")
    )
    done = ask()
    assert done.code == 0, done.stderr
    assert "Found some." in done.stdout
    assert '"count":0' not in last_tool_message(model_env)
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"


def test_a_hostile_error_detail_reaches_the_model_without_escapes(
    model_env: OpenAIServer, events_api: FaultAPI
) -> None:
    events_api.mode = "hostile-error"
    model_env.script(tool_call("event_search", {"search": "python"}), text(SORRY))
    done = invoke("-q", "python?", "--format", "markdown", "--no-stdin", "--verbose")
    assert done.code == 0, done.stderr
    assert terminal_violations(done.stderr) == []
    assert terminal_violations(done.stdout) == []


def test_a_hostile_error_detail_in_eventchat_search_is_one_clean_line(
    events_api: FaultAPI,
) -> None:
    events_api.mode = "hostile-error"
    done = invoke("search", "python", "--format", "json")
    assert done.code == 4
    assert "answered 400" in done.stderr
    assert terminal_violations(done.stderr) == []


@pytest.mark.parametrize("fmt", ["markdown", "json", "jsonl"])
def test_a_hostile_model_error_message_is_one_clean_line(
    fmt: str, model_env: OpenAIServer, bundled_database: Path
) -> None:
    model_env.script(script.fault(400, "Bad \x1b]0;pwned\x07\x1b[2J\r\nthing \x9b1;1H"))
    done = invoke("-q", "hi", "--format", fmt, "--no-stdin")
    assert_one_line_error(done, 5, "400")
    assert terminal_violations(done.stderr) == []
    if fmt != "markdown":
        assert json_violations(done.stdout, lines=fmt == "jsonl") == []
