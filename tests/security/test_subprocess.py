"""A few hostile-data cases through a real ``eventchat -q`` process, one per format.

Every payload at once sits in every field of the hostile events, in a copy of the bundled
database named by ``EVENTCHAT_DATABASE``; the scripted model searches and echoes them. The bytes
the process writes to stdout and stderr must carry nothing foreign. ``rich`` runs with
``FORCE_COLOR`` and ``TERM`` so Rich writes colours and links to the pipe as to a terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventchat.store import SQLiteStore
from tests.security.conftest import API_KEY
from tests.security.hostile import MARKER, echo_answer, hostile_events
from tests.security.payloads import (
    EVIL_HOST,
    PAYLOADS,
    json_violations,
    link_targets,
    terminal_violations,
)
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer

ALL_AT_ONCE = " ".join(PAYLOADS.values())


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json", "jsonl"])
def test_hostile_events_through_a_real_process(
    fmt: str, openai_server: OpenAIServer, writable_database: Path
) -> None:
    events = hostile_events(ALL_AT_ONCE)
    store = SQLiteStore(writable_database)
    try:
        store.upsert(events)
    finally:
        store.close()
    openai_server.script(
        tool_call("event_search", {"search": MARKER, "country": "DE"}), text(echo_answer(events))
    )
    env = {
        **os.environ,
        "OPENAI_BASE_URL": openai_server.base_url,
        "OPENAI_API_KEY": API_KEY,
        "EVENTCHAT_TODAY": "2026-01-15",
        "EVENTCHAT_MODEL": "gpt-test",
        "EVENTCHAT_DATABASE": str(writable_database),
        "FORCE_COLOR": "1",
        "TERM": "xterm-256color",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "eventchat", "-q", "zyzzyva?", "--format", fmt, "--verbose"],
        env=env,
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    out = done.stdout.decode("utf-8")
    err = done.stderr.decode("utf-8")
    assert done.returncode == 0, err
    assert MARKER in out.lower()
    assert terminal_violations(err) == []
    if fmt in {"json", "jsonl"}:
        assert json_violations(out, lines=fmt == "jsonl") == []
        if fmt == "json":
            assert len(json.loads(out)["events"]) >= len(events)
    else:
        assert terminal_violations(out, live=fmt == "rich") == []
        assert not any(EVIL_HOST in t for t in link_targets(out))
    if fmt == "rich":
        assert "\x1b[" in out  # Rich did write to the pipe as to a terminal
    assert API_KEY not in out + err
