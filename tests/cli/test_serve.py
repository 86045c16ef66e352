"""``eventchat serve``: a real uvicorn process on loopback, stopped by SIGTERM and Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx2
import pytest

from tests.support.cli import start_eventchat


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(database: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    return start_eventchat("serve", "--port", str(port), "--database", str(database), *extra)


def wait_until_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if httpx2.get(url, timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.1)
    pytest.fail("eventchat serve did not come up in 30 s")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_and_stops_gracefully(bundled_database_file: Path, stop: int) -> None:
    port = free_port()
    proc = start(bundled_database_file, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", proc)
        page = httpx2.get(
            f"{base}/v1/events/search", params={"q": "javascript", "country": "DE"}, timeout=5
        ).json()
        assert page["total"] > 0
        assert all(e["country_code"] == "DE" for e in page["events"])
        proc.send_signal(stop)
        _out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0
    first = err.splitlines()[0]
    assert first.startswith(f"eventchat events API on http://127.0.0.1:{port}")
    assert "events" in first
    assert "Traceback" not in err


def test_serve_on_a_busy_port_is_one_line(bundled_database_file: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = start(bundled_database_file, port)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip() == (
        f"eventchat: error: cannot listen on 127.0.0.1:{port} (Address already in use)"
        " — pick another with --port"
    )


def test_serve_with_two_workers(bundled_database_file: Path) -> None:
    port = free_port()
    proc = start(bundled_database_file, port, "--workers", "2")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", proc)
        with httpx2.Client(base_url=base, timeout=5) as client:
            totals = {
                client.get("/v1/events/search", params={"q": "rust"}).json()["total"]
                for _ in range(20)
            }
        assert len(totals) == 1
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "2 workers" in err.splitlines()[0]
    assert "Traceback" not in err


def test_worker_socket_is_labelled_tcp_so_connections_get_nodelay() -> None:
    from eventchat.service.serve import _tcp_socket

    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # as uvicorn binds it: protocol 0
    raw.bind(("127.0.0.1", 0))
    address = raw.getsockname()
    tcp = _tcp_socket(raw)
    try:
        assert tcp.proto == socket.IPPROTO_TCP
        assert tcp.getsockname() == address  # the same bound descriptor, relabelled
        assert tcp.get_inheritable()
        tcp.listen()
        with socket.create_connection(address) as client:
            accepted, _ = tcp.accept()
            with accepted:
                # asyncio turns Nagle off only for sockets whose proto is TCP (uvicorn #3149).
                assert accepted.proto == socket.IPPROTO_TCP
            client.close()
    finally:
        tcp.close()
