"""schema.org eventStatus, free events, events listed twice, and ids that keep the start time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventchat.models import SearchQuery, stable_id
from eventchat.store import SQLiteStore
from eventchat.store.importers import parse_file
from eventchat.store.importers.fields import derived_id, occurrence_id

URL = "https://tours.example/old-town"


def _write(tmp_path: Path, payload: Any, name: str = "events.jsonld") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return path


def _event(name: str, start: str, **fields: Any) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": name,
        "startDate": start,
        **fields,
    }


def test_cancelled_events_are_counted_and_left_out(tmp_path: Path) -> None:
    payload = [
        _event("Gone", "2026-05-01", eventStatus="https://schema.org/EventCancelled"),
        _event("Gone too", "2026-05-02", eventStatus={"@id": "schema:EventCancelled"}),
        _event("Still on", "2026-05-03", eventStatus="https://schema.org/EventScheduled"),
    ]

    batch = parse_file(_write(tmp_path, payload))

    assert [e.name for e in batch.events] == ["Still on"]
    assert (batch.cancelled, batch.skipped, batch.errors) == (2, 0, [])


def test_postponed_is_kept_and_tagged_rescheduled_is_kept_at_its_new_date(tmp_path: Path) -> None:
    payload = [
        _event("Later", "2026-05-01", eventStatus="EventPostponed"),
        _event(
            "Moved",
            "2026-06-10",
            eventStatus="https://schema.org/EventRescheduled",
            previousStartDate="2026-05-20",
        ),
        _event("Streamed", "2026-07-01", eventStatus="EventMovedOnline", location="Town hall"),
    ]

    later, moved, streamed = parse_file(_write(tmp_path, payload)).events

    assert "postponed" in later.tags
    assert (moved.start, moved.tags) == ("2026-06-10", [])
    assert "2026-05-20" not in moved.model_dump_json()
    assert streamed.online is True


@pytest.mark.parametrize(
    "fields",
    [
        {"isAccessibleForFree": True},
        {"isAccessibleForFree": "https://schema.org/True"},
        {"offers": {"@type": "Offer", "price": 0, "priceCurrency": "EUR"}},
        {"offers": [{"@type": "Offer", "price": "12.00"}, {"@type": "Offer", "price": "0.00"}]},
        {"offers": {"@type": "Offer", "priceSpecification": {"price": "0"}}},
        {"offers": {"@type": "Offer", "price": "Free"}},
    ],
)
def test_free_events_are_tagged_free(tmp_path: Path, fields: dict[str, Any]) -> None:
    (event,) = parse_file(_write(tmp_path, _event("Open day", "2026-05-01", **fields))).events

    assert "free" in event.tags


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"isAccessibleForFree": False, "offers": {"@type": "Offer", "price": 0}},
        {"offers": {"@type": "Offer", "price": "12"}},
        {"offers": {"@type": "Offer", "price": "10.50"}},
        {"offers": {"@type": "AggregateOffer", "lowPrice": 0, "highPrice": 30}},
    ],
)
def test_paid_or_unknown_events_are_not(tmp_path: Path, fields: dict[str, Any]) -> None:
    (event,) = parse_file(_write(tmp_path, _event("Gala", "2026-05-01", **fields))).events

    assert "free" not in event.tags


def test_the_free_tag_is_filterable_and_found_in_text(tmp_path: Path) -> None:
    payload = [
        _event("Open day", "2026-05-01", isAccessibleForFree=True),
        _event("Gala", "2026-05-02", offers={"@type": "Offer", "price": "40"}),
    ]
    store = SQLiteStore(tmp_path / "events.sqlite3")
    try:
        store.upsert(parse_file(_write(tmp_path, payload)).events)
        by_tag = store.search(SearchQuery(tags=["free"]))
        by_text = store.search(SearchQuery(q="free"))
    finally:
        store.close()

    assert [e.name for e in by_tag.events] == ["Open day"]
    assert [e.name for e in by_text.events] == ["Open day"]


def test_an_event_listed_twice_is_a_duplicate_not_a_bad_record(tmp_path: Path) -> None:
    walk = _event("Old town walk", "2026-04-04T11:00:00+02:00", url=URL)
    listed = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [{"@type": "ListItem", "item": walk}],
    }

    batch = parse_file(_write(tmp_path, [walk, walk, listed]))

    assert [e.name for e in batch.events] == ["Old town walk"]
    assert (batch.duplicates, batch.errors) == (2, [])


def test_two_different_events_claiming_one_id_are_still_reported(tmp_path: Path) -> None:
    payload = [
        _event("Walk", "2026-04-04", identifier="w1"),
        _event("Another walk", "2026-04-04", identifier="w1"),
    ]

    batch = parse_file(_write(tmp_path, payload))

    assert [e.name for e in batch.events] == ["Walk"]
    assert [str(e) for e in batch.errors] == [
        'events.jsonld record 2 ("Another walk"): same id as events.jsonld record 1 ("Walk")'
    ]


def test_the_same_tour_at_two_times_of_one_day_is_two_events(tmp_path: Path) -> None:
    payload = [
        _event("Old town walk", "2026-04-04T11:00:00+02:00", url=URL),
        _event("Old town walk", "2026-04-04T20:00:00+02:00", url=URL),
    ]

    morning, evening = parse_file(_write(tmp_path, payload)).events

    assert morning.id != evening.id
    assert morning.id == occurrence_id("Old town walk", "2026-04-04T09:00:00+00:00", URL)


def test_occurrences_sharing_one_at_id_are_two_events(tmp_path: Path) -> None:
    payload = [
        _event("Old town walk", "2026-04-04T11:00:00+02:00", **{"@id": URL}),
        _event("Old town walk", "2026-04-04T20:00:00+02:00", **{"@id": URL}),
    ]

    batch = parse_file(_write(tmp_path, payload))

    morning, evening = batch.events
    assert morning.id == derived_id("schema.org", URL)  # as before: re-import updates it
    assert evening.id == derived_id("schema.org", URL, "2026-04-04T20:00:00+02:00")
    assert batch.errors == []


def test_ids_of_dated_events_are_unchanged(tmp_path: Path) -> None:
    (event,) = parse_file(_write(tmp_path, _event("Fair", "2026-04-04", url=URL))).events

    assert event.id == stable_id("Fair", "2026-04-04", URL)
