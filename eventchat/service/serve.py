"""``eventchat serve``: the events API over HTTP with uvicorn."""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterator

from eventchat.errors import UsageError


def check_port_free(host: str, port: int) -> None:
    """Fail with a one-line hint when ``host:port`` cannot be bound (uvicorn would log and exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {host}:{port} ({exc.strerror}) — pick another with --port"
            ) from exc


def _server_class() -> type:
    import uvicorn

    class QuietExitServer(uvicorn.Server):
        """A uvicorn server whose graceful stop on Ctrl-C or SIGTERM exits 0.

        uvicorn re-raises the captured signal after shutting down; for a person who stops the
        server on purpose that turns success into "interrupted", so the signal is consumed.
        """

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                self._captured_signals.clear()

    return QuietExitServer


def serve(database: str, host: str, port: int) -> None:
    """Serve the events API until Ctrl-C or SIGTERM; uvicorn shuts down gracefully on both."""
    import uvicorn

    from eventchat.service import create_app
    from eventchat.store import open_store

    check_port_free(host, port)
    store = open_store(database)
    try:
        count = store.count()
        display_host = f"[{host}]" if ":" in host else host
        sys.stderr.write(
            f"eventchat events API on http://{display_host}:{port} · {count:,} events"
            f" · docs at http://{display_host}:{port}/docs · Ctrl-C to stop\n"
        )
        sys.stderr.flush()
        config = uvicorn.Config(
            create_app(store), host=host, port=port, log_level="warning", access_log=False
        )
        _server_class()(config).run()
    finally:
        store.close()
