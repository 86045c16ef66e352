"""One-shot output: formats, colour and hyperlink switches, --verbose traces, --ics, --log-file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from icalendar import Calendar

from eventchat.models import SearchQuery
from eventchat.store import SQLiteStore
from tests.support.cli import run_eventchat
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer

TODAY = "2019-01-01"


@pytest.fixture
def model(
    openai_server: OpenAIServer, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> OpenAIServer:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-oneshot")
    monkeypatch.setenv("EVENTCHAT_TODAY", TODAY)
    return openai_server


@pytest.fixture
def linked(model: OpenAIServer, store: SQLiteStore) -> tuple[str, str]:
    """Script a search and an answer linking a real event; its name and URL."""
    import datetime as dt

    page = store.search(
        SearchQuery(q="javascript", country="Germany", start_after=dt.date.fromisoformat(TODAY))
    )
    event = page.events[0]
    url = store.links([event.id])[0].url
    assert url
    model.script(
        tool_call("event_search", {"search": "javascript", "country": "Germany"}),
        text(f"Go to [{event.name}]({url}) in {event.locality}."),
    )
    return event.name, url


def in_terminal(*args: str, **env: str) -> str:
    """Run ``eventchat ARGS`` with a pseudo-terminal as stdout; everything it showed."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "eventchat", *args],
        env={**os.environ, "TERM": "xterm-256color", **env},
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=20,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


@pytest.mark.pty
def test_a_terminal_gets_rich_output_with_clickable_links(linked: tuple[str, str]) -> None:
    name, url = linked
    shown = in_terminal("-q", "JavaScript in Germany?")
    assert "\x1b]8;" in shown
    assert url in shown
    assert f"[{name}]" not in shown  # rendered, not raw markdown


@pytest.mark.pty
def test_no_hyperlinks_shows_the_url_as_text(linked: tuple[str, str]) -> None:
    _name, url = linked
    shown = in_terminal("-q", "JavaScript in Germany?", "--no-hyperlinks")
    assert "\x1b]8;" not in shown
    assert url in shown


@pytest.mark.pty
@pytest.mark.parametrize(
    ("args", "env"),
    [(["--no-color"], {}), ([], {"NO_COLOR": "1"}), ([], {"TERM": "dumb"})],
    ids=["--no-color", "NO_COLOR", "TERM=dumb"],
)
def test_colour_switches_leave_no_colour_codes(
    linked: tuple[str, str], args: list[str], env: dict[str, str]
) -> None:
    shown = in_terminal("-q", "JavaScript in Germany?", *args, **env)
    colours = [code for code in ("\x1b[3", "\x1b[9", "\x1b[38;") if code in shown]
    assert colours == []


def test_json_and_its_short_flag(linked: tuple[str, str]) -> None:
    name, url = linked
    done = run_eventchat("-q", "JavaScript in Germany?", "--json")
    doc = json.loads(done.stdout)
    assert name in doc["answer"]
    assert doc["tool_calls"][0]["name"] == "event_search"
    assert url in {(e.get("links") or {}).get("url") for e in doc["events"]}
    jq = shutil.which("jq")
    if jq is not None:  # the README's example, as written there
        program = '.events[] | "\\(.start) \\(.name) \\(.links.url)"'
        lines = subprocess.run(
            [jq, "-r", program], input=done.stdout, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert any(line.endswith(f" {name} {url}") for line in lines), lines


def test_jsonl_is_one_object_per_stream_event(linked: tuple[str, str]) -> None:
    done = run_eventchat("-q", "JavaScript in Germany?", "--format", "jsonl")
    types = [json.loads(line)["type"] for line in done.stdout.splitlines()]
    assert types[0] == "tool_call"
    assert types[1] == "tool_result"
    assert set(types[2:-1]) == {"text"}
    assert types[-1] == "done"


def test_a_pipe_gets_markdown_and_verbose_traces_calls_urls_and_timings_on_stderr(
    linked: tuple[str, str],
) -> None:
    name, url = linked
    done = run_eventchat("-q", "JavaScript in Germany?", "-v")
    assert done.returncode == 0, done.stderr
    assert f"[{name}]({url})" in done.stdout  # markdown, not rich: a pipe keeps the URLs
    assert "\x1b" not in done.stdout
    assert "event_search(search='javascript', country='Germany')" in done.stderr
    assert "GET http://eventchat.embedded/v1/events/search?q=javascript" in done.stderr
    assert "/v1/events/links?ids=" in done.stderr
    assert " ms" in done.stderr
    assert "GET" not in done.stdout


def test_ics_writes_the_answers_events(linked: tuple[str, str], tmp_path: Path) -> None:
    name, url = linked
    path = tmp_path / "answer.ics"
    done = run_eventchat("-q", "JavaScript in Germany?", "--ics", str(path))
    assert done.returncode == 0, done.stderr
    events = list(Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    assert events
    assert {str(e["SUMMARY"]) for e in events} == {name}
    assert {str(e["URL"]) for e in events} == {url}
    assert f"to {path}" in done.stderr


def test_log_file_flag_becomes_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from eventchat import session
    from eventchat.cli import app
    from eventchat.errors import ExitStatus

    seen: dict[str, object] = {}

    def fake_main(settings: object, question: object, options: object) -> ExitStatus:
        seen["log_file"] = getattr(settings, "log_file", None)
        return ExitStatus.OK

    monkeypatch.setattr(session, "main", fake_main)
    result = CliRunner().invoke(app, ["--log-file", str(tmp_path / "log.jsonl"), "-q", "hi"])
    assert result.exit_code == 0, result.output
    assert seen["log_file"] == tmp_path / "log.jsonl"
