"""``eventchat serve``: the events API over HTTP with uvicorn."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
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


def _tcp_socket(sock: socket.socket) -> socket.socket:
    """The same listening socket, labelled as TCP so asyncio sets TCP_NODELAY on connections.

    uvicorn binds its multi-worker socket with protocol 0, and asyncio only turns Nagle off for
    sockets whose protocol is IPPROTO_TCP: every keep-alive response then waits ~40 ms for a
    delayed ACK (uvicorn issue 3149). Relabelling the descriptor fixes it without a patch.
    """
    tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    tcp.set_inheritable(True)
    return tcp


def _run_workers(host: str, port: int, workers: int) -> None:
    """uvicorn's multi-process supervisor over a TCP-labelled socket (as ``uvicorn.run`` does)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "eventchat.service.asgi:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    Multiprocess(config, sockets=[_tcp_socket(config.bind_socket())]).run()


def _announce(host: str, port: int, count: int, workers: int) -> None:
    display_host = f"[{host}]" if ":" in host else host
    base = f"http://{display_host}:{port}"
    processes = f" · {workers} workers" if workers > 1 else ""
    sys.stderr.write(
        f"eventchat events API on {base} · {count:,} events{processes}"
        f" · docs at {base}/docs · Ctrl-C to stop\n"
    )
    sys.stderr.flush()


def serve(
    database: str, host: str, port: int, *, workers: int = 1, today: dt.date | None = None
) -> None:
    """Serve the events API until Ctrl-C or SIGTERM; uvicorn shuts down gracefully on both.

    With several workers, this process opens the store once (migrations, bundled data), then
    uvicorn starts worker processes that each build the app from the environment
    (``eventchat.service.asgi``) with their own store and connection pool.
    """
    import uvicorn

    from eventchat.service import create_app
    from eventchat.store import open_store

    check_port_free(host, port)
    store = open_store(database)
    if workers > 1:
        try:
            count = store.count()
        finally:
            store.close()
        os.environ["EVENTCHAT_DATABASE"] = database
        if today is not None:  # the workers build their settings from the environment
            os.environ["EVENTCHAT_TODAY"] = today.isoformat()
        _announce(host, port, count, workers)
        _run_workers(host, port, workers)
        return
    try:
        _announce(host, port, store.count(), workers)
        config = uvicorn.Config(
            create_app(store, today=today),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
        _server_class()(config).run()
    finally:
        store.close()
