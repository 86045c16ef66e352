"""What the bundled data holds on a given day: events, upcoming, open deadlines, per topic.

Reads the bundled dataset as the package ships it (``eventchat/data/events.jsonl.gz``) and
counts, at ``EVENTCHAT_BENCH_TODAY`` (default 2026-12-03): events and upcoming events (not yet
ended) per source and merged, the pairs the build merged, deadlines still open (on or after the
day, in their own zone's date) and the events carrying them, and upcoming events per topic. The
"baseline" is the confs.tech part alone, the data before the other three sources were bundled.

Targets (issue 13), from the bundled data alone: ≥ 120 unique upcoming events, ≥ 13 open
deadlines, python ≥ 5, security ≥ 15, ai/ml ≥ 15 upcoming.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable

from bench.report import Row
from eventchat.models import EventDetail
from eventchat.store.sources.bundled import dataset_meta, read_dataset

TODAY = dt.date.fromisoformat(os.environ.get("EVENTCHAT_BENCH_TODAY", "2026-12-03"))
TOPICS: dict[str, Callable[[EventDetail], bool]] = {
    "python": lambda e: "python" in e.tags,
    "javascript": lambda e: "javascript" in e.tags,
    "ai/ml": lambda e: bool({"ai", "machine-learning", "data-science"} & set(e.tags)),
    "security": lambda e: "security" in e.tags,
    "devops": lambda e: "devops" in e.tags,
    "data": lambda e: bool({"data", "databases", "data-mining"} & set(e.tags)),
}
TARGETS = {"upcoming": 120, "open deadlines": 13, "python": 5, "security": 15, "ai/ml": 15}


def upcoming(event: EventDetail) -> bool:
    """Not yet ended on TODAY: an event under way counts."""
    return (event.end or event.start)[:10] >= TODAY.isoformat()


def open_deadlines(event: EventDetail) -> int:
    """How many of the event's deadlines fall on or after TODAY (their local date)."""
    deadlines = event.links.deadlines if event.links else []
    return sum(d.at[:10] >= TODAY.isoformat() for d in deadlines)


def _verdict(name: str, value: int) -> str:
    target = TARGETS.get(name)
    if target is None:
        return ""
    return f"≥ {target}: {'met' if value >= target else 'MISSED'}"


def run() -> list[Row]:
    """The table's rows."""
    events = list(read_dataset())
    meta = dataset_meta()
    confs = [e for e in events if (e.source or "").startswith("confs.tech")]
    group = f"data {TODAY.isoformat()}"
    rows = []
    for source in meta["sources"]:
        mine = [e for e in events if source["name"] in (e.source or "").split(", ")]
        counted = f"{len(mine):,} events · {sum(map(upcoming, mine))} upcoming"
        rows.append(Row(group, f"{source['name']} (data of {source['data_date']})", counted, ""))
    soon = [e for e in events if upcoming(e)]
    rows += [
        Row(group, "merged: one event per real event", f"{len(events):,} events",
            f"{meta['merged']} pairs merged"),
        Row(group, "upcoming, unique", str(len(soon)),
            f"{len(soon) / max(1, sum(map(upcoming, confs))):.1f}× confs.tech alone",
            _verdict("upcoming", len(soon))),
    ]  # fmt: skip
    open_count = sum(open_deadlines(e) for e in events)
    carrying = sum(open_deadlines(e) > 0 for e in events)
    baseline = sum(open_deadlines(e) for e in confs)
    rows.append(Row(group, "deadlines still open", f"{open_count} on {carrying} events",
                    f"confs.tech alone: {baseline}",
                    _verdict("open deadlines", open_count)))  # fmt: skip
    for topic, matches in TOPICS.items():
        count = sum(1 for e in soon if matches(e))
        alone = sum(1 for e in confs if upcoming(e) and matches(e))
        rows.append(Row(group, f"  upcoming: {topic}", str(count), f"confs.tech alone: {alone}",
                        _verdict(topic, count)))  # fmt: skip
    return rows


if __name__ == "__main__":
    from bench.report import render

    print(render(run()))
    sys.exit(0)
