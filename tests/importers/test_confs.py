"""confs.tech files import with the bundled dataset's normalisation and ids."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from eventchat.store.importers import parse_file
from eventchat.store.sources.confstech import normalise_row


def test_topic_file_rows_become_tagged_events(data_dir: Path) -> None:
    batch = parse_file(data_dir / "python.json")

    assert batch.format == "confs.tech"
    web, cascades, remote = batch.events
    assert (web.locality, web.country_code, web.tags) == ("Berlin", "DE", ["python"])
    assert web.links is not None
    assert web.links.cfp_url == "https://www.papercall.io/pyconweb2025"
    assert (cascades.locality, cascades.region, cascades.country) == (
        "Portland",
        "OR",
        "United States",
    )
    assert cascades.links is not None
    assert cascades.links.url == "https://2025.pycascades.com"
    assert (remote.online, remote.country) == (True, None)
    assert {event.source for event in batch.events} == {"confs.tech"}
    assert [str(e) for e in batch.errors] == [
        "python.json record 4 (\"Dateless\"): 'startDate' is not a date"
    ]


def test_ids_match_the_bundled_normalisation(data_dir: Path) -> None:
    rows = json.loads((data_dir / "python.json").read_text())
    batch = parse_file(data_dir / "python.json")

    assert [e.id for e in batch.events] == [normalise_row(r, "python").id for r in rows[:3]]


def test_a_file_not_named_after_a_topic_adds_no_tag(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "my-conferences.json"
    shutil.copy(data_dir / "python.json", path)

    assert all(event.tags == [] for event in parse_file(path).events)


def test_real_confs_tech_file_imports_cleanly(data_dir: Path) -> None:
    """conferences/2025/python.json as published by tech-conferences/conference-data (MIT)."""
    path = data_dir / "confs-tech-2025" / "python.json"
    rows = json.loads(path.read_text())
    batch = parse_file(path)

    assert batch.errors == []
    assert len(batch.events) == len(rows)
