"""Run the benchmarks: ``python -m bench [NAME ...]`` prints one table of ratios."""

from __future__ import annotations

import importlib
import sys

from bench.report import Row, render

BENCHMARKS = [
    "data",
    "terminal",
    "render_bench",
    "store_search",
    "api_overhead",
    "engine_overhead",
    "load",
    "serve_throughput",
    "import_bench",
]
# Names kept working after their bench moved: store_search now times PostgreSQL beside SQLite.
REDIRECTS = {"pg_search": "store_search"}


def main(argv: list[str]) -> int:
    unknown = sorted(set(argv) - set(BENCHMARKS) - set(REDIRECTS))
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
        return 2
    names = list(dict.fromkeys(REDIRECTS.get(name, name) for name in argv or BENCHMARKS))
    rows: list[Row] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        rows.extend(module.run())
    print(render(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
