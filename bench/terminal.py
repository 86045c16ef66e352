"""The terminal experience, each figure a ratio to ``python -c pass`` measured in the same run.

- cold ``eventchat --help`` and ``--version`` (nothing heavy may be imported);
- ``eventchat search python`` over the embedded store, which it reads directly (no FastAPI, no
  ASGI app), also as a ratio to ``--version`` in the same run: target ≤ 4×;
- time until the REPL prompt is on screen: ``eventchat`` spawned in a pseudo-terminal (pexpect),
  the clock stops when the prompt character arrives;
- one-shot time to the first answer byte: ``eventchat -q`` against the local scripted model
  server (``tests.support.openai_server``, loopback, no delay) and the embedded events API;
- the warm-up: in the same REPL, a first question asked 1 s after the prompt appears, timed from
  Enter to the answer on screen, against a second question in that REPL: what the first answer
  still pays after the runtime opened and warmed up behind the prompt.

Every command runs RUNS times after one warm-up, interleaved, so machine noise falls on all alike.
The events database is built once into a temporary directory, so no run pays the first-use build.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pexpect

from bench.report import Row
from eventchat.store import build_database
from tests.support.openai_script import text
from tests.support.openai_server import OpenAIServer

RUNS = 9
PROMPT = "›"
TARGETS = {"eventchat --help": "≤ 8×", "REPL prompt shown": "≤ 25×"}
SEARCH, VERSION = "eventchat search python", "eventchat --version"
SEARCH_TO_VERSION = 4.0


def _env(tmp: Path, server: OpenAIServer) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": server.base_url,
        "EVENTCHAT_DATABASE": str(tmp / "events.sqlite3"),
        "XDG_STATE_HOME": str(tmp / "state"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "TERM": "xterm-256color",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }


def _command(argv: list[str], env: dict[str, str]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        return time.perf_counter() - start

    return run


def _repl(
    env: dict[str, str], server: OpenAIServer, answers: dict[str, list[float]]
) -> Callable[[], float]:
    """Time to the prompt; also records the first and second answers' times in ``answers``."""

    def ask(child: pexpect.spawn, marker: str) -> float:
        server.script(text(f"Answer {marker}."))
        start = time.perf_counter()
        child.send("Any conferences?\r")
        child.expect_exact(f"Answer {marker}.")
        seconds = time.perf_counter() - start
        child.expect_exact(PROMPT)
        return seconds

    def run() -> float:
        start = time.perf_counter()
        child = pexpect.spawn(
            sys.executable, ["-m", "eventchat"], env=env, encoding="utf-8", timeout=30
        )
        child.expect_exact(PROMPT)
        seconds = time.perf_counter() - start
        time.sleep(1.0)  # the person reads the greeting and types
        answers["first"].append(ask(child, "one"))
        answers["second"].append(ask(child, "two"))
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
        child.close()
        return seconds

    return run


def _first_byte(env: dict[str, str], server: OpenAIServer) -> Callable[[], float]:
    argv = [sys.executable, "-m", "eventchat", "-q", "Any conferences?", "--format", "markdown"]

    def run() -> float:
        server.script(text("There are some conferences."))
        start = time.perf_counter()
        child = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert child.stdout is not None
        first = child.stdout.read(1)
        seconds = time.perf_counter() - start
        _out, err = child.communicate(timeout=30)
        if not first or child.returncode != 0:
            raise RuntimeError(f"eventchat -q failed: {err.decode(errors='replace')}")
        return seconds

    return run


def run() -> list[Row]:
    """Time every command RUNS times, interleaved, after one warm-up each."""
    py = sys.executable
    server = OpenAIServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = _env(Path(tmp), server)
            build_database(Path(env["EVENTCHAT_DATABASE"]))
            answers: dict[str, list[float]] = {"first": [], "second": []}
            commands = {
                "python -c pass": _command([py, "-c", "pass"], env),
                "eventchat --help": _command([py, "-m", "eventchat", "--help"], env),
                VERSION: _command([py, "-m", "eventchat", "--version"], env),
                SEARCH: _command([py, "-m", "eventchat", "search", "python"], env),
                "REPL prompt shown": _repl(env, server, answers),
                "-q first answer byte": _first_byte(env, server),
            }
            for measure in commands.values():
                measure()
            times: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(RUNS):
                for name, measure in commands.items():
                    times[name].append(measure())
    finally:
        server.stop()
    base = statistics.median(times["python -c pass"])
    base_min = min(times["python -c pass"])
    first, second = statistics.median(answers["first"]), statistics.median(answers["second"])
    warm = Row(
        "terminal",
        "REPL 1st answer, asked 1 s after the prompt",
        f"median {first * 1000:.0f} ms · 2nd answer {second * 1000:.0f} ms",
        f"{first / second:.2f}× the 2nd answer",
    )
    return [
        Row(
            "terminal",
            name,
            f"min {min(t) * 1000:.0f} ms · median {statistics.median(t) * 1000:.0f} ms",
            f"{min(t) / base_min:.1f}× min · {statistics.median(t) / base:.1f}× median",
            TARGETS.get(name, ""),
        )
        for name, t in times.items()
    ] + [_search_to_version(times[SEARCH], times[VERSION]), warm]


def _search_to_version(search: list[float], version: list[float]) -> Row:
    """``eventchat search python`` against ``--version`` of the same run; judged on medians."""
    median_search, median_version = statistics.median(search), statistics.median(version)
    ratio = median_search / median_version
    met = ratio <= SEARCH_TO_VERSION
    return Row(
        "terminal",
        f"{SEARCH} / --version",
        f"median {median_search * 1000:.0f} ms / {median_version * 1000:.0f} ms",
        f"{min(search) / min(version):.1f}× min · {ratio:.1f}× median",
        f"≤ {SEARCH_TO_VERSION:.0f}× --version: {'met' if met else 'MISSED'}",
    )


if __name__ == "__main__":
    from bench.report import render

    print(render(run()))
