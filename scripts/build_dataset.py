#!/usr/bin/env python3
"""Build the bundled dataset from copies of its four sources (``../shared/data/<source>/``).

Reads confs.tech (``conferences/*/*.json``), python-deadlines (``_data/*.yml``), ccf-deadlines
(``conference/*/*.yml``) and ai-deadlines (``src/data/conferences/*.yml``), merges the same event
from several sources into one (``eventchat.store.sources.merge``), and writes
``eventchat/data/events.jsonl.gz`` (one EventDetail per line, gzip mtime 0 so a rebuild is
byte-identical), ``members.jsonl.gz`` (each source's own record of the events merged from
several), ``events.meta.json`` (the version, and per source its licence, home, the date of its
data and its events) and each source's licence. Usage:
``python scripts/build_dataset.py [--shared DIR] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from eventchat.store.sources.bundled import SOURCES, write_dataset  # noqa: E402
from eventchat.store.sources.merge import merge_sources  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Build the dataset; print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared/data")
    parser.add_argument("--out", type=Path, default=REPO / "eventchat/data")
    args = parser.parse_args(argv)
    groups = [source.read(args.shared / source.folder) for source in SOURCES]
    events, pairs = merge_sources(groups)
    args.out.mkdir(parents=True, exist_ok=True)
    counts = {source.name: len(group) for source, group in zip(SOURCES, groups, strict=True)}
    in_pairs = {event_id for pair in pairs for event_id in pair}
    members = [event for group in groups for event in group if event.id in in_pairs]
    meta = write_dataset(events, args.out, counts=counts, merged=len(pairs), members=members)
    for source in SOURCES:
        shutil.copyfile(
            args.shared / source.folder / source.licence, args.out / source.licence_copy
        )
    print(f"{meta['events']} events ({len(pairs)} merged), version {meta['version'][:19]}…")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
