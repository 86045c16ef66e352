"""The bundled dataset: deterministic build, merged duplicates, normalised places."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from eventchat.models import EventDetail, stable_id
from eventchat.store.sources.bundled import DATA_DIR, DATASET_FILE, dataset_meta, read_dataset
from eventchat.store.sources.confstech import normalise_row, read_directory

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
SOURCE = SHARED / "confs-tech"
needs_source = pytest.mark.skipif(
    not SOURCE.is_dir(), reason=f"confs.tech source copy not found at {SOURCE}"
)


@pytest.fixture(scope="module")
def bundled() -> list[EventDetail]:
    return list(read_dataset())


@needs_source
def test_rebuilding_is_byte_identical_to_the_committed_file(tmp_path: Path) -> None:
    from scripts.build_dataset import main

    assert main(["--shared", str(SHARED), "--out", str(tmp_path)]) == 0
    assert (tmp_path / DATASET_FILE).read_bytes() == (DATA_DIR / DATASET_FILE).read_bytes()
    assert (tmp_path / "confs-tech-LICENSE.md").read_text() == (SOURCE / "LICENSE.md").read_text()
    for name in ("ccf-deadlines", "python-deadlines", "ai-deadlines"):
        shipped = (DATA_DIR / f"{name}-LICENSE").read_text()
        assert shipped == (SHARED / name / "LICENSE").read_text()
        assert "MIT" in shipped


@needs_source
def test_source_rows_merge_to_one_event_per_name_date_and_place() -> None:
    events = read_directory(SOURCE)
    # 6,831 rows; 5,999 distinct (name, start). Five of those are several events in different
    # cities (three GDG DevFest dates, InnerSource Summit, AICCSA): 7 more events, 6,006.
    assert len(events) == 6006
    assert len({e.id for e in events}) == 6006
    devfests = [e for e in events if e.name == "GDG DevFest" and e.start == "2018-11-24"]
    assert sorted(e.locality or "" for e in devfests) == ["Busan", "Incheon", "Vienna"]


def test_meta_version_is_the_sha256_of_the_dataset_file(bundled: list[EventDetail]) -> None:
    meta = dataset_meta()
    digest = hashlib.sha256((DATA_DIR / DATASET_FILE).read_bytes()).hexdigest()
    assert meta["version"] == f"sha256:{digest}"
    assert meta["events"] == len(bundled) == 8252
    assert [s["name"] for s in meta["sources"]] == [
        "confs.tech", "python-deadlines", "ccf-deadlines", "ai-deadlines"
    ]  # fmt: skip
    assert meta["merged"] == 200


def test_topics_of_duplicated_rows_become_tags(bundled: list[EventDetail]) -> None:
    squiggle = next(e for e in bundled if e.name == "SquiggleConf" and e.start == "2025-09-18")
    assert squiggle.tags == ["opensource", "rust", "typescript"]


@needs_source
def test_574_confs_tech_rows_repeat_in_several_topic_files() -> None:
    assert sum(len(e.tags) > 1 for e in read_directory(SOURCE)) == 574


def test_places_are_normalised_and_never_invented(bundled: list[EventDetail]) -> None:
    codes = Counter(e.country_code for e in bundled if e.country)
    assert None not in codes
    assert codes["US"] > 1000
    confs_tech = [e for e in bundled if e.source == "confs.tech"]
    assert all(e.description is None and e.venue is None for e in confs_tech)
    online_only = [e for e in bundled if e.online and not e.locality]
    assert len(online_only) > 1000
    assert all(e.country is None for e in online_only)
    nyc = next(e for e in confs_tech if e.locality == "New York")
    assert (nyc.region, nyc.country, nyc.country_code) == ("NY", "United States", "US")


def test_a_row_normalises_without_inventing() -> None:
    row = {
        "name": "Example Conf",
        "url": "example.org",
        "startDate": "2026-05-01",
        "endDate": "2026-05-02",
        "city": "Glasgow",
        "country": "Scotland",
        "twitter": "@exampleconf",
        "cfpUrl": "example.org/cfp",
    }
    event = normalise_row(row, "Python")
    assert event.id == stable_id("Example Conf", "2026-05-01", "https://example.org")
    assert (event.locality, event.region, event.country_code) == ("Glasgow", "Scotland", "GB")
    assert event.tags == ["python"]
    assert event.links is not None
    assert event.links.url == "https://example.org"
    assert event.links.cfp_url == "https://example.org/cfp"
    assert event.links.social == ["@exampleconf"]
    assert event.links.images == []
    assert not event.online
