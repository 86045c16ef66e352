"""Cold start-up: ``eventchat --help`` and ``--version`` against ``python -c pass``."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from bench.report import Row

RUNS = 9


def _wall(argv: list[str], runs: int = RUNS) -> list[float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return times


def run() -> list[Row]:
    """Time each command RUNS times after one warm-up (the OS page cache is warm; bytecode too)."""
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "eventchat --help": [py, "-m", "eventchat", "--help"],
        "eventchat --version": [py, "-m", "eventchat", "--version"],
    }
    for argv in commands.values():
        _wall(argv, runs=1)
    results = {name: _wall(argv) for name, argv in commands.items()}
    base = statistics.median(results["python -c pass"])
    base_min = min(results["python -c pass"])
    rows = []
    for name, times in results.items():
        rows.append(
            Row(
                "startup",
                name,
                f"min {min(times) * 1000:.0f} ms · median {statistics.median(times) * 1000:.0f} ms",
                f"{min(times) / base_min:.1f}× min · {statistics.median(times) / base:.1f}× median",
                "≤ 8× (help)" if "help" in name else "",
            )
        )
    return rows
