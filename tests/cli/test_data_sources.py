"""How old the data is: `data sources`, the stale line of `data stats` and `search`, and the
date `data update` records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from eventchat.freshness import STALE_DAYS, SourceDate, source_dates, stale_line
from eventchat.store import SQLiteStore
from eventchat.store.sources.bundled import dataset_meta
from tests.support.cli import run_eventchat

NEWEST = max(dt.date.fromisoformat(s["data_date"]) for s in dataset_meta()["sources"])
STALE = "run `eventchat data update` for newer events"


def test_the_line_appears_only_past_thirty_days() -> None:
    dates = [SourceDate("a", NEWEST, updated=False)]
    assert stale_line(dates, NEWEST + dt.timedelta(days=STALE_DAYS)) is None
    line = stale_line(dates, NEWEST + dt.timedelta(days=STALE_DAYS + 1))
    assert line is not None
    assert f"{STALE_DAYS + 1} days old" in line
    assert STALE in line


@pytest.mark.usefixtures("bundled_database")
def test_data_sources_lists_every_bundled_source_with_its_licence_and_date() -> None:
    done = run_eventchat("--today", "2026-12-03", "data", "sources")
    assert done.returncode == 0, done.stderr
    for source in dataset_meta()["sources"]:
        assert f"{source['name']} " in done.stdout
        assert f"data of {source['data_date']} (bundled)" in done.stdout
    assert "ccf-deadlines" in done.stdout
    assert "95 upcoming on 2026-12-03" in done.stdout
    assert done.stdout.count("MIT") == 4
    assert STALE in done.stderr


@pytest.mark.usefixtures("bundled_database")
def test_stats_and_search_say_when_the_data_is_old_and_not_when_it_is_fresh() -> None:
    late = run_eventchat("--today", "2026-12-03", "data", "stats")
    assert late.returncode == 0, late.stderr
    assert STALE in late.stderr
    assert "data of:   confs.tech 2026-08-06" in late.stdout
    fresh = run_eventchat("--today", NEWEST.isoformat(), "data", "stats")
    assert STALE not in fresh.stderr
    found = run_eventchat("--today", "2026-12-03", "search", "python", "--format", "markdown")
    assert found.returncode == 0, found.stderr
    assert STALE in found.stderr
    doc = json.loads(run_eventchat("--today", "2026-12-03", "search", "python").stdout)
    assert STALE in doc["stale"]


def test_an_update_moves_the_source_date_forward(writable_database: Path) -> None:
    store = SQLiteStore(writable_database)
    try:
        before = {d.name: d for d in source_dates(store.meta)}
        store.set_meta("updated:confs.tech", "2026-12-01")
        after = {d.name: d for d in source_dates(store.meta)}
    finally:
        store.close()
    assert before["confs.tech"].updated is False
    assert (after["confs.tech"].day, after["confs.tech"].updated) == (dt.date(2026, 12, 1), True)
    assert stale_line(list(after.values()), dt.date(2026, 12, 3)) is None
