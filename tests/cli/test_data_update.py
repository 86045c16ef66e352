"""``eventchat data update`` against a local HTTP server that serves the confs.tech layout."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.cli import run_eventchat

ROWS_2026 = [
    {
        "name": "Update Conf",
        "url": "https://update-conf.example",
        "startDate": "2026-12-01",
        "endDate": "2026-12-02",
        "city": "Berlin",
        "country": "Germany",
        "online": False,
    }
]
ROWS_2027_PY = [
    {
        "name": "Future PyConf",
        "url": "https://future-py.example",
        "startDate": "2027-05-01",
        "endDate": "2027-05-03",
        "city": "Lyon",
        "country": "France",
    }
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def conf_server(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "www"
    (root / "2026").mkdir(parents=True)
    (root / "2027").mkdir()
    (root / "2026" / "javascript.json").write_text(json.dumps(ROWS_2026))
    (root / "2026" / "general.json").write_text(json.dumps(ROWS_2026))  # same event, 2 topics
    (root / "2027" / "python.json").write_text(json.dumps(ROWS_2027_PY))
    (root / "2027" / "rust.json").write_text("this is not json")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


run = run_eventchat


def test_update_imports_this_and_next_year(
    conf_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "events.sqlite3"
    monkeypatch.setenv("EVENTCHAT_DATA_UPDATE_URL", conf_server)
    monkeypatch.setenv("EVENTCHAT_TODAY", "2026-11-22")
    done = run("data", "update", "--database", str(db))
    assert done.returncode == 0, done.stderr
    assert "updated 2 events from 3 files for 2026, 2027" in done.stderr
    assert "rust.json: not a confs.tech topic file" in done.stderr
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT name, tags FROM events").fetchall())
    assert set(rows) == {"Update Conf", "Future PyConf"}
    assert "javascript" in rows["Update Conf"]
    assert "general" in rows["Update Conf"]
    with sqlite3.connect(db) as conn:  # the day its data was taken, for the staleness line
        updated = conn.execute("SELECT value FROM meta WHERE key = 'updated:confs.tech'")
        assert updated.fetchone() == ("2026-11-22",)
    # idempotent: a second update writes the same events, no duplicates
    assert run("data", "update", "--database", str(db)).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 2


def test_update_offline_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once we leave: connection refused
    monkeypatch.setenv("EVENTCHAT_DATA_UPDATE_URL", f"http://127.0.0.1:{port}")
    done = run("data", "update", "--database", str(tmp_path / "e.sqlite3"))
    assert done.returncode == 1
    assert "are you online?" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
