#!/usr/bin/env python3
"""Build the bundled dataset from a copy of tech-conferences/conference-data (confs.tech).

Reads ``<source>/conferences/*/*.json`` and writes ``eventchat/data/confs-tech.jsonl.gz`` (one
EventDetail per line, nulls and empty lists left out, gzip mtime 0 so a rebuild is
byte-identical), ``confs-tech.meta.json`` (the dataset version: sha256 of the .gz) and a copy of
the licence. Usage: ``python scripts/build_dataset.py [--source DIR] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from eventchat.store.sources.bundled import write_dataset  # noqa: E402
from eventchat.store.sources.confstech import read_directory  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Build the dataset; print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=REPO.parent / "shared/data/confs-tech")
    parser.add_argument("--out", type=Path, default=REPO / "eventchat/data")
    args = parser.parse_args(argv)
    events = read_directory(args.source)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = write_dataset(events, args.out)
    shutil.copyfile(args.source / "LICENSE.md", args.out / "confs-tech-LICENSE.md")
    print(f"{meta['events']} events, version {meta['version'][:19]}…, in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
