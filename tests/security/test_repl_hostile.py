"""Hostile text in the REPL: what reaches the terminal, the saved files, and never the API key.

For every payload of :data:`~tests.security.payloads.PAYLOADS` one turn searches events whose
fields carry it (served by the real events API from a real store) and the model answers by
echoing them, with the payload in its own text too. The REPL's stdout and stderr say they are a
terminal, so the answer renders through Rich with its Live region and the spinner runs; then
``/tools``, ``/ics``, ``/history`` and ``/save`` print and write. Every byte must pass
:func:`~tests.security.payloads.terminal_violations`; the files must carry no control text. A
question pasted with escape sequences in it is answered and shown clean. A model API that echoes
the key in its error messages never gets it shown by a slash command or the saved transcript.
A pseudo-terminal checks the bytes of two of these as a real terminal receives them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from eventchat.models import EventDetail
from eventchat.store import SQLiteStore
from eventchat.tools.events import MAX_FIELD_CHARS
from tests.repl.conftest import Terminal
from tests.repl.driver import chat
from tests.security.conftest import API_KEY
from tests.security.hostile import echo_answer, hostile_events
from tests.security.payloads import EVIL_HOST, PAYLOADS, link_targets, terminal_violations
from tests.security.test_repl_faults import assert_clean, tool_text
from tests.security.test_secrets import assert_no_key
from tests.support import openai_script as script
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio

PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


def marker(n: int) -> str:
    """A search word only the events of payload ``n`` hold (no stem or prefix of another's)."""
    return f"zyzzyva{n:02d}x"


def payload_events(n: int, payload: str) -> list[EventDetail]:
    """:func:`hostile_events` for payload ``n``, with ids and a marker of its own."""
    events = []
    for event in hostile_events(payload):
        ident = f"p{n}-{event.id}"
        links = event.links.model_copy(update={"id": ident}) if event.links else None
        name = event.name.replace("Zyzzyva", marker(n).capitalize(), 1)
        events.append(event.model_copy(update={"id": ident, "name": name, "links": links}))
    return events


def hostile_answer(events: list[EventDetail], payload: str) -> str:
    """The model echoes every field, then writes the payload itself in a few constructs."""
    own = f"# Heading {payload}\n\nBefore {payload} after.\n\nRun `{payload}` now.\n\n> {payload}"
    return f"{echo_answer(events)}\n\n{own}\n\nThe end."


@pytest.fixture
def hostile_database(
    repl_env: OpenAIServer, writable_database: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[int, list[EventDetail]]:
    """Every payload's events in a copy of the bundled store, set as ``EVENTCHAT_DATABASE``."""
    by_payload = {n: payload_events(n, p) for n, p in enumerate(PAYLOADS.values())}
    store = SQLiteStore(writable_database)
    try:
        store.upsert([e for events in by_payload.values() for e in events])
    finally:
        store.close()
    monkeypatch.setenv("EVENTCHAT_DATABASE", str(writable_database))
    monkeypatch.setenv("TERM", "xterm-256color")
    return by_payload


def safe_links(output: str) -> bool:
    """Whether every OSC 8 link in ``output`` goes to http(s), and none to the evil host."""
    targets = [urlsplit(t) for t in link_targets(output)]
    return all(t.scheme in {"http", "https"} and t.hostname != EVIL_HOST for t in targets)


def ics_problems(path: Path) -> list[str]:
    """Control text in an .ics file: in its bytes (CRLF aside) and in every parsed value."""
    data = path.read_bytes()
    problems = terminal_violations(data.decode("utf-8").replace("\r\n", "\n"))
    for event in Calendar.from_ical(data).walk("VEVENT"):
        for key in ("SUMMARY", "LOCATION", "DESCRIPTION", "URL", "UID"):
            if key in event:
                problems += [f"{key}: {p}" for p in terminal_violations(str(event[key]))]
        for tag in event.get("CATEGORIES").cats if "CATEGORIES" in event else []:
            problems += [f"CATEGORIES: {p}" for p in terminal_violations(str(tag))]
    return problems


async def test_hostile_events_and_model_text_reach_no_terminal_or_file(
    repl_env: OpenAIServer, hostile_database: dict[int, list[EventDetail]], tmp_path: Path
) -> None:
    lines: list[str] = []
    for n, payload in enumerate(PAYLOADS.values()):
        events = hostile_database[n]
        repl_env.script(
            tool_call("event_search", {"search": marker(n)}),
            text(hostile_answer(events, payload)),
        )
        lines += [f"{marker(n)} events?", "/tools", f"/ics {tmp_path / f'{n}.ics'}"]
    transcript = tmp_path / "chat.md"
    lines += ["/history", "/usage", f"/save {transcript}"]
    done = await chat(*lines, tty=True)
    assert_clean(done, live=True)
    assert safe_links(done.out)
    assert "\x1b]8;" in done.out  # it did render links: this was a terminal
    assert done.out.count("The end.") == len(PAYLOADS)
    # Every search returned the 7 events of its payload: the tool data reached the model.
    for n in range(len(PAYLOADS)):
        assert '"count":7' in tool_text(repl_env, 2 * n + 1)
    assert done.err.count("event_search(search=") == len(PAYLOADS)
    assert "eventchat called event_search" in done.err  # the oldest turns are trimmed away
    assert f"saved {len(PAYLOADS)} turns to {transcript}" in done.err
    saved = transcript.read_text(encoding="utf-8")
    assert terminal_violations(saved) == []
    assert saved.count("The end.") == len(PAYLOADS)
    for n in range(len(PAYLOADS)):
        path = tmp_path / f"{n}.ics"
        assert path.exists(), f"{n}: {done.err}"
        assert ics_problems(path) == [], list(PAYLOADS)[n]


async def test_a_pasted_question_with_escape_sequences_is_answered_and_shown_clean(
    repl_env: OpenAIServer, tmp_path: Path
) -> None:
    pasted = "events?\n" + "\n".join(PAYLOADS.values())
    repl_env.script(text("Pasted and answered."), text("Again."))
    transcript = tmp_path / "chat.md"
    done = await chat(
        PASTE_START + pasted + PASTE_END, "/history", f"/save {transcript}", "/format json", "again"
    )
    assert_clean(done)
    assert done.reads[0] == pasted.replace("\r", "\n")  # a pasted CR is a newline
    assert "Pasted and answered." in done.out
    assert "you: events?…" in done.err
    assert terminal_violations(transcript.read_text(encoding="utf-8")) == []
    assert '"answer": "Again."' in done.out


@pytest.mark.parametrize(
    "fault",
    [
        script.fault(401, f"Incorrect API key provided: {API_KEY}.", code="invalid_api_key"),
        script.fault(403, f"Key {API_KEY} has no access to this project.", code="forbidden"),
        script.fault(400, f"Bad request for key {API_KEY}."),
        script.fault(422, f"Unprocessable: {API_KEY}"),
    ],
    ids=["401", "403", "400", "422"],
)
async def test_no_slash_command_shows_a_key_the_model_api_echoed(
    fault: script.Reply, repl_env: OpenAIServer, tmp_path: Path
) -> None:
    repl_env.script(fault, tool_call("event_search", {"search": "python"}), text("Some events."))
    transcript = tmp_path / "chat.md"
    commands = ["/model", "/history", "/tools", "/usage", f"/save {transcript}"]
    done = await chat("hi", *commands, "python?", *commands)
    assert done.reads[-1] is None
    failures = [e for e in done.errors() if "model API" in e]  # /history says "eventchat: ..."
    assert len(failures) == 1, done.err
    assert f"({fault.status}" in failures[0]
    assert "Some events." in done.out
    assert_no_key(done.out, done.err, transcript.read_text(encoding="utf-8"))


def test_a_hundred_kilobyte_name_leaves_the_other_events_in_the_result() -> None:
    from eventchat.tools.events import compact, render

    flood = {"id": "a", "name": "x" * 100_000, "start": "2026-06-01"}
    others = [{"id": f"e{i}", "name": f"Conf {i}", "start": "2026-06-01"} for i in range(9)]
    shown = [compact(r, 280) for r in [flood, *others]]
    result = render({"count": 10}, shown, 12_000)
    assert '"count":10' in result
    assert len(shown[0]["name"]) == MAX_FIELD_CHARS


# Byte-level checks in a real pseudo-terminal.


@pytest.mark.pty
def test_in_a_terminal_a_hostile_answer_and_paste_write_no_foreign_bytes(
    repl_env: OpenAIServer,
) -> None:
    payload = "".join(PAYLOADS.values())
    repl_env.script(
        text(f"BEGIN {payload} middle {PAYLOADS['osc8_spoof']} END"),
        text("Pasted fine."),
    )
    term = Terminal()
    try:
        term.prompt()
        term.send("tell me\r")
        term.expect("BEGIN")
        answer = term.expect("END")
        term.prompt()
        # The answer as Rich wrote it: only SGR, OSC 8 to http(s), and its Live redraws.
        # A pty turns each newline into CR LF.
        assert terminal_violations(answer.replace("\r\n", "\n"), live=True) == []
        assert safe_links(answer)
        term.send(PASTE_START + "pasted " + payload + PASTE_END + "\r")
        term.expect("Pasted fine.")
        term.prompt()
        term.send("\x04")
        assert term.exit_status() == 0
    finally:
        term.kill()
    # prompt-toolkit echoes the paste with control characters shown as ^[ and the like, so the
    # terminal never receives the payload's own sequences, whatever else it writes.
    for needle in ("\x1b]52", "\x1b]0;pwned", "\x1b]2;pwned", f"\x1b]8;;https://{EVIL_HOST}"):
        assert needle not in term.seen
    assert "\x9b" not in term.seen
    assert "\x9d" not in term.seen
    assert "\u202e" not in term.seen
