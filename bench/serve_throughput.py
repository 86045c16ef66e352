"""``eventchat serve`` throughput with 1 and 2 workers, over PostgreSQL and over SQLite (100k).

For each store (the PostgreSQL schema ``bench_100000`` that ``bench.pg_search`` loads, and the
SQLite file ``bench.generate`` builds, both the same 100k synthetic events) one server with
``--workers 1`` and one with ``--workers 2`` run on free loopback ports. A load client drives
them in turn with ``CLIENTS`` concurrent requests over keep-alive connections: ``/healthz`` and
the search mix of ``bench.load``. Each configuration gets ``SECONDS`` in all, split into
``ROUNDS`` alternating phases so that drift from other work on the machine falls on every
configuration alike; each phase starts with an unmeasured second of the same requests so every
worker is up and every connection open.

A third server, "2 workers + NODELAY", is ``--workers 2`` with uvicorn's listening socket
re-wrapped as TCP in the server's process: uvicorn's multi-worker path leaves TCP_NODELAY off
(uvicorn issue #3149), so each keep-alive response waits ~40 ms on the client's delayed ACK. The
"one at a time" rows (``ONE_AT_A_TIME`` sequential ``/healthz`` requests on one connection) show
that delay directly; the third server shows what a second worker gives once it is fixed.

The baseline, per store, is ``/healthz`` with 1 worker in the same run (note that ``/healthz``
counts the events, so it is not a store-free floor). Every row shows requests/s, p50/p99 and
errors, with the CPU (in cores) each side used: the server's (all its processes), PostgreSQL's
(all its processes, whoever they serve), the client's, and the whole machine's busy share.

The client runs in a process of its own, but on a 2-core machine it competes for CPU with the
workers and PostgreSQL's backends (and any other work): a second worker can gain at most what
they leave free, so the 2/1 ratio is a lower bound for a machine where the load comes from
elsewhere.

Environment: ``EVENTCHAT_BENCH_SERVE_CLIENTS`` (32), ``EVENTCHAT_BENCH_SERVE_SECONDS`` (10 per
configuration); the PostgreSQL URL as in ``bench.pg_search``. Bounded: loopback only, a
deadline and at most ``MAX_REQUESTS`` requests per phase, a timeout per request.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.api_overhead import _free_port, _wait_ready
from bench.load import SEARCHES
from bench.report import Row
from bench.store_search import label, ms, percentile

SIZE = 100_000
# name -> (--workers, TCP_NODELAY patched into uvicorn in the server's process; see _NODELAY)
SERVERS: dict[str, tuple[int, bool]] = {
    "1 worker": (1, False),
    "2 workers": (2, False),
    "2 workers + NODELAY": (2, True),
}
ONE_AT_A_TIME = 200  # sequential /healthz requests on one connection, per server
ROUNDS = 2
WARMUP_SECONDS = 1.0
MAX_REQUESTS = 100_000  # per phase
REQUEST_TIMEOUT = 10.0
ROOT = Path(__file__).resolve().parent.parent
Request = tuple[str, dict[str, str]]
MIXES: dict[str, list[Request]] = {
    "/healthz": [("/healthz", {})],
    "search mix": [("/v1/events/search", params) for params in SEARCHES],
}


def _env_setting(name: str, default: float) -> float:
    raw = os.environ.get(f"EVENTCHAT_BENCH_SERVE_{name}", "").strip()
    return float(raw) if raw else default


@dataclass
class Measured:
    """One configuration's phases, summed."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    database_cpu: float = 0.0  # every PostgreSQL process, whoever it serves
    machine_busy: float = 0.0  # CPU-seconds, all cores
    machine_total: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


# --- the load client: a process of its own -------------------------------------------------


async def _worker(http: Any, mix: list[Request], deadline: float, budget: list[int],
                  out: dict[str, list[Any]], start: int) -> None:  # fmt: skip
    import httpx2

    n = start
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        path, params = mix[n % len(mix)]
        n += 1
        began = time.perf_counter()
        try:
            response = await http.get(path, params=params)
            problem = "" if response.status_code == 200 else f"{path}: {response.status_code}"
        except httpx2.HTTPError as exc:
            problem = f"{path}: {type(exc).__name__}"
        if problem:
            out["errors"].append(problem)
        else:
            out["latencies"].append(time.perf_counter() - began)


async def _drive(url: str, mix: list[Request], clients: int, seconds: float) -> dict[str, Any]:
    import httpx2

    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx2.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT) as http:
        for measured, span in ((False, WARMUP_SECONDS), (True, seconds)):
            out: dict[str, list[Any]] = {"latencies": [], "errors": []}
            budget = [MAX_REQUESTS]
            began, cpu = time.perf_counter(), time.process_time()
            deadline = began + span
            await asyncio.gather(
                *(_worker(http, mix, deadline, budget, out, i) for i in range(clients))
            )
            if measured:
                return {**out, "seconds": time.perf_counter() - began,
                        "cpu": time.process_time() - cpu}  # fmt: skip
    raise AssertionError("unreachable")


def client_main(spec: str) -> int:
    """Run one phase as the spec (JSON) says; print the result as JSON on stdout."""
    args = json.loads(spec)
    mix = [(path, params) for path, params in args["mix"]]
    result = asyncio.run(_drive(args["url"], mix, args["clients"], args["seconds"]))
    print(json.dumps(result))
    return 0


# --- the servers and the CPU they use --------------------------------------------------------


# uvicorn binds the listening socket of --workers N with proto 0, so asyncio never sets
# TCP_NODELAY on accepted connections (uvicorn issue #3149) and each keep-alive response waits
# on the client's delayed ACK (~40 ms on Linux). This variant re-wraps the socket as IPPROTO_TCP
# in the server's process, to show what 2 workers give once that is fixed.
_NODELAY = """
import socket, sys, uvicorn.config
_bind = uvicorn.config.Config.bind_socket
def bind_socket(self):
    sock = _bind(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock
uvicorn.config.Config.bind_socket = bind_socket
from eventchat.cli import main
main()
"""


@contextmanager
def serving(database: str, workers: int, *, nodelay: bool = False) -> Iterator[tuple[str, int]]:
    """``eventchat serve`` over ``database`` (a path or URL); yields its base URL and pid."""
    port = _free_port()
    entry = ["-c", _NODELAY] if nodelay else ["-m", "eventchat"]
    argv = [sys.executable, *entry, "serve", "--host", "127.0.0.1", "--port", str(port),
            "--database", database, "--workers", str(workers)]  # fmt: skip
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryFile() as log:
        # An empty config directory: a user's config file must not change what is measured.
        env = {**os.environ, "XDG_CONFIG_HOME": home}
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, proc, log)
            yield url, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def _ticks_per_second() -> int:
    return int(os.sysconf("SC_CLK_TCK"))


def _processes() -> dict[int, tuple[str, int, float]]:
    """Every process: its name, parent and CPU-seconds used so far."""
    found: dict[int, tuple[str, int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, tail = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue  # it exited meanwhile
        fields = tail.split()
        cpu = (int(fields[11]) + int(fields[12])) / _ticks_per_second()
        found[int(entry.name)] = (head.partition("(")[2], int(fields[1]), cpu)
    return found


CpuByPid = dict[int, float]


def _tree(processes: dict[int, tuple[str, int, float]], roots: set[int]) -> CpuByPid:
    """CPU-seconds of ``roots`` and their descendants (uvicorn's workers, postgres backends)."""
    tree = set(roots)
    for _ in range(3):
        tree |= {pid for pid, (_, ppid, _) in processes.items() if ppid in tree}
    return {pid: processes[pid][2] for pid in tree if pid in processes}


def _used(before: CpuByPid, after: CpuByPid) -> float:
    """CPU-seconds used between two readings by the processes alive at the second."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _cpu(server: int) -> tuple[CpuByPid, CpuByPid]:
    """CPU-seconds so far of the server's processes and of every PostgreSQL process."""
    processes = _processes()
    postgres = {pid for pid, (name, _, _) in processes.items() if name == "postgres"}
    postmasters = {pid for pid in postgres if processes[pid][1] not in postgres}
    return _tree(processes, {server}), _tree(processes, postmasters)


def _machine_cpu() -> tuple[float, float]:
    """Busy and total CPU-seconds of the whole machine so far (all cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / _ticks_per_second(), sum(fields) / _ticks_per_second()


def _phase(url: str, pid: int, mix: list[Request], clients: int, seconds: float,
           into: Measured) -> None:  # fmt: skip
    """One phase of load in a client process; its figures are added to ``into``."""
    spec = json.dumps({"url": url, "mix": mix, "clients": clients, "seconds": seconds})
    argv = [sys.executable, "-m", "bench.serve_throughput", "--client", spec]
    server_before, machine_before = _cpu(pid), _machine_cpu()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=seconds + WARMUP_SECONDS + 60)  # fmt: skip
    server_after, machine_after = _cpu(pid), _machine_cpu()
    if done.returncode != 0:
        raise RuntimeError(f"load client failed: {done.stderr.strip()[-500:]}")
    result = json.loads(done.stdout)
    into.latencies += result["latencies"]
    into.errors += result["errors"]
    into.seconds += result["seconds"]
    into.client_cpu += result["cpu"]
    # The server and machine windows include the client's start and warm-up: a fair share.
    share = result["seconds"] / (result["seconds"] + WARMUP_SECONDS)
    into.server_cpu += _used(server_before[0], server_after[0]) * share
    into.database_cpu += _used(server_before[1], server_after[1]) * share
    into.machine_busy += (machine_after[0] - machine_before[0]) * share
    into.machine_total += (machine_after[1] - machine_before[1]) * share


# --- one store, then the table -----------------------------------------------------------------


Results = dict[tuple[str, str], Measured]


def _one_at_a_time(url: str) -> list[float]:
    """``/healthz`` latencies one request at a time on one keep-alive connection."""
    import httpx2

    times = []
    with httpx2.Client(base_url=url, timeout=REQUEST_TIMEOUT) as http:
        for n in range(ONE_AT_A_TIME + 20):  # the first 20 warm up
            began = time.perf_counter()
            http.get("/healthz").raise_for_status()
            if n >= 20:
                times.append(time.perf_counter() - began)
    return times


def measure_store(
    database: str, clients: int, seconds: float
) -> tuple[Results, dict[str, list[float]]]:
    """Every (mix, server) configuration over ``database``, phases alternating.

    Also each server's ``/healthz`` latencies one request at a time, measured first.
    """
    results = {(mix, server): Measured() for server in SERVERS for mix in MIXES}
    with ExitStack() as stack:
        servers = {
            name: stack.enter_context(serving(database, workers, nodelay=nodelay))
            for name, (workers, nodelay) in SERVERS.items()
        }
        sequential = {name: _one_at_a_time(url) for name, (url, _) in servers.items()}
        for _ in range(ROUNDS):
            for (mix, server), into in results.items():
                url, pid = servers[server]
                _phase(url, pid, MIXES[mix], clients, seconds / ROUNDS, into)
    return results, sequential


# 5x the ~80 req/s one worker served at 100k before search moved to the tantivy index (the
# figure issue 12 measured with this bench; the old store cannot be timed in the same run).
TARGET_SEARCH_RPS = 400.0


def _value(m: Measured) -> str:
    if not m.latencies:
        return f"no answers · {len(m.errors)} errors"
    busy = m.machine_busy / m.machine_total if m.machine_total else 0.0
    return (
        f"{m.rps:,.0f} req/s · p50 {ms(percentile(m.latencies, 50))} · "
        f"p99 {ms(percentile(m.latencies, 99))} · {len(m.errors)} errors · CPU cores: "
        f"server {m.server_cpu / m.seconds:.2f}, postgres {m.database_cpu / m.seconds:.2f}, "
        f"client {m.client_cpu / m.seconds:.2f}, "
        f"machine {busy:.0%} busy"
    )


def _rows(
    store: str, results: Results, sequential: dict[str, list[float]], clients: int
) -> list[Row]:
    group = f"serve {label(SIZE)} {store} · {clients} clients"
    first = next(iter(SERVERS))
    base = results[("/healthz", first)].rps
    rows = []
    for (mix, server), m in results.items():
        if (mix, server) == ("/healthz", first):
            ratio = "baseline"
        else:
            ratio = f"{m.rps / base:.2f}× healthz·1w" if base else "-"
            if server != first and results[(mix, first)].rps:
                ratio += f" · {m.rps / results[(mix, first)].rps:.2f}× 1 worker"
        target = "0 errors"
        if (mix, server) == ("search mix", first):
            met = "met" if m.rps >= TARGET_SEARCH_RPS else "MISSED"
            target = f"≥ {TARGET_SEARCH_RPS:g} req/s: {met}; 0 errors"
        rows.append(Row(group, f"{mix} · {server}", _value(m), ratio, target))
        if m.errors:
            shown = "; ".join(sorted(set(m.errors))[:3])
            rows.append(Row(group, f"  ERRORS ({len(m.errors)})", shown, "FAIL", "0 errors"))
    one = percentile(sequential[first], 50)
    for server, times in sequential.items():
        p50 = percentile(times, 50)
        value = f"p50 {ms(p50)} · p99 {ms(percentile(times, 99))}"
        ratio = "1×" if server == first else f"{p50 / one:.1f}× 1 worker"
        rows.append(Row(group, f"/healthz one at a time · {server}", value, ratio))
    return rows


def _databases() -> tuple[dict[str, str], list[Row]]:
    """The stores to serve, and a row for PostgreSQL when it cannot be used."""
    from bench.generate import build
    from bench.pg_search import PostgresUnavailableError, pg_build

    databases: dict[str, str] = {}
    rows: list[Row] = []
    try:
        databases["PostgreSQL"] = pg_build(SIZE).url
    except PostgresUnavailableError as exc:
        rows.append(Row(f"serve {label(SIZE)}", "PostgreSQL unavailable", str(exc), "not measured"))
    databases["SQLite"] = str(build(SIZE).path)
    return databases, rows


def run() -> list[Row]:
    """Both stores, each with every server of SERVERS."""
    clients = int(_env_setting("CLIENTS", 32))
    seconds = _env_setting("SECONDS", 10)
    databases, rows = _databases()
    for store, database in databases.items():
        results, sequential = measure_store(database, clients, seconds)
        rows += _rows(store, results, sequential, clients)
    cores = os.cpu_count() or 0
    rows.append(Row(f"serve {label(SIZE)}", "machine", f"{cores} cores, shared by the client, "
                    "the server's workers, PostgreSQL and any other work", ""))  # fmt: skip
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        raise SystemExit(client_main(sys.argv[2]))
    from bench.report import render

    print(render(run()))
