"""Run the benchmarks: ``python -m bench [NAME ...]`` prints one table of ratios."""

from __future__ import annotations

import importlib
import sys

from bench.report import Row, render

BENCHMARKS = [
    "terminal",
    "render_bench",
    "store_search",
    "api_overhead",
    "engine_overhead",
    "load",
    "pg_search",
    "serve_throughput",
]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
        return 2
    rows: list[Row] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        rows.extend(module.run())
    print(render(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
