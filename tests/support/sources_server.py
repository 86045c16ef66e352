"""A local HTTP server that serves each source in its real published layout, from ../shared/data.

- confs.tech: ``/confs/{year}/{topic}.json`` (raw.githubusercontent.com's layout of
  tech-conferences/conference-data ``conferences/``);
- python-deadlines: ``/python-deadlines/_data/conferences.yml`` and ``archive.yml``;
- ccf-deadlines and ai-deadlines: ``/ccf.tar.gz`` and ``/ai.tar.gz``, branch archives as
  codeload.github.com makes them (one top folder, ``<repo>-main/``, then the repository's paths);
- developers.events: ``/developers-events/all-events.json`` and ``all-cfps.json`` when given.

It is Python's own file server, so it sends ``Last-Modified`` and answers ``If-Modified-Since``
with 304, as the real hosts answer conditional requests. Every request's path and status is
recorded; a path prefix in ``failing`` answers 503, one in ``stalling`` waits until it is
taken out.
"""

from __future__ import annotations

import io
import os
import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass
class SourcesServer:
    """The running server: its URL, its files and what it was asked."""

    url: str
    root: Path
    log: list[tuple[str, int]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    stalling: set[str] = field(default_factory=set)

    def env(self) -> dict[str, str]:
        """The settings that point ``data update`` at this server."""
        import json

        urls = {
            "python-deadlines": f"{self.url}/python-deadlines",
            "ccf-deadlines": f"{self.url}/ccf.tar.gz",
            "ai-deadlines": f"{self.url}/ai.tar.gz",
            "developers.events": f"{self.url}/developers-events",
        }
        return {
            "EVENTCHAT_DATA_UPDATE_URL": f"{self.url}/confs",
            "EVENTCHAT_SOURCE_URLS": json.dumps(urls),
        }

    def statuses(self, prefix: str) -> list[int]:
        """The statuses of the requests whose path starts with ``prefix``."""
        return [status for path, status in self.log if path.startswith(prefix)]


def archive(source: Path, top: str, paths: list[str]) -> bytes:
    """A .tar.gz of ``paths`` under ``source``, below one top folder, as codeload makes it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in paths:
            tar.add(source / path, arcname=f"{top}/{path}")
    return buffer.getvalue()


def build_root(root: Path) -> None:
    """Lay out every source under ``root`` as its host publishes it."""
    root.mkdir(parents=True, exist_ok=True)
    os.symlink(SHARED / "confs-tech" / "conferences", root / "confs")
    os.symlink(SHARED / "python-deadlines", root / "python-deadlines")
    (root / "ccf.tar.gz").write_bytes(
        archive(SHARED / "ccf-deadlines", "ccf-deadlines-main", ["LICENSE", "conference"])
    )
    (root / "ai.tar.gz").write_bytes(
        archive(SHARED / "ai-deadlines", "ai-deadlines-main", ["LICENSE", "src"])
    )
    (root / "developers-events").mkdir()


@contextmanager
def serve_sources(root: Path) -> Iterator[SourcesServer]:
    """Serve ``root`` (see :func:`build_root`) on a free local port until the block ends."""
    state = SourcesServer(url="", root=root)

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def send_response(self, code: int, message: str | None = None) -> None:
            state.log.append((self.path, code))
            super().send_response(code, message)

        def do_GET(self) -> None:
            if any(self.path.startswith(prefix) for prefix in state.failing):
                state.log.append((self.path, 503))
                self.send_error(503, "Service Unavailable")
                return
            if any(self.path.startswith(prefix) for prefix in state.stalling):
                state.log.append((self.path, 0))  # 0: seen, not answered yet
                while any(self.path.startswith(prefix) for prefix in state.stalling):
                    time.sleep(0.05)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
