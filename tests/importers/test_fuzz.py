"""No JSON value crashes the parser: it yields events, per-record errors or one UsageError."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventchat.errors import ImportRecordError, UsageError
from eventchat.models import EventDetail
from eventchat.store.importers import parse_text
from eventchat.store.importers.privacy import has_contact

# Keys every importer reads, so generated objects reach past the "missing name" check.
KEYS = [
    "@type", "@id", "@graph", "@context", "@value", "name", "start", "end", "startDate",
    "endDate", "location", "address", "streetAddress", "addressLocality", "addressCountry",
    "keywords", "image", "url", "contentUrl", "offers", "eventAttendanceMode", "identifier",
    "description", "links", "tags", "online", "id", "city", "country", "cfpUrl", "events",
]  # fmt: skip
TEXTS = st.sampled_from(
    [
        "Event", "MusicEvent", "Place", "VirtualLocation", "PostalAddress", "2026-01-01",
        "2026-01-01T10:00:00+01:00", "Berlin", "DE", "https://x.example", "a@b.example",
        "+49 30 1234567", "OnlineEventAttendanceMode", "_:b0", "",
    ]
) | st.text(max_size=20)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXTS
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=25,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = dt.date(2026, 1, 1)


def _check(content: str, name: str) -> None:
    try:
        batch = parse_text(content, Path(tempfile.gettempdir()) / name, today=TODAY)
    except UsageError:
        return
    assert all(isinstance(error, ImportRecordError) for error in batch.errors)
    for event in batch.events:
        assert isinstance(event, EventDetail)
        assert event.links is not None
        assert event.links.id == event.id
        texts = [event.name, event.description, event.venue, event.address, *event.tags]
        assert not any(has_contact(text) for text in texts if text)


@FUZZ
@given(value=JSON)
def test_any_json_document_never_crashes(value: Any) -> None:
    _check(json.dumps(value), "input.json")


@FUZZ
@given(value=JSON)
def test_any_json_document_named_as_a_topic_never_crashes(value: Any) -> None:
    _check(json.dumps(value), "python.json")


@FUZZ
@given(values=st.lists(JSON, min_size=1, max_size=5))
def test_any_json_lines_never_crash(values: list[Any]) -> None:
    _check("\n".join(json.dumps(value) for value in values), "input.jsonl")


@FUZZ
@given(value=JSON)
def test_any_json_in_html_never_crashes(value: Any) -> None:
    script = json.dumps(value).replace("</", "<\\/")
    _check(f'<html><script type="application/ld+json">{script}</script></html>', "page.html")


ICS_LINES = [
    "SUMMARY:Meetup", "UID:u1", "DTSTART:20260101T100000Z",
    "DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20251231", "DURATION:PT1H",
    "RRULE:FREQ=DAILY", "RRULE:FREQ=NOPE", "RECURRENCE-ID:20260102T100000Z", "CATEGORIES:a,b",
    "LOCATION:Hall\\, 1 Main St", "DTSTART:nonsense", "EXDATE:20260103T100000Z",
    "URL:mailto:x@y.example",
]  # fmt: skip
ANY_LINE = st.text(max_size=30).map(lambda t: t.replace("\r", "").replace("\n", ""))


PROPERTY = st.sampled_from(ICS_LINES) | ANY_LINE


@FUZZ
@given(events=st.lists(st.lists(PROPERTY, max_size=8), max_size=4))
def test_any_calendar_events_never_crash(events: list[list[str]]) -> None:
    lines = [line for body in events for line in ("BEGIN:VEVENT", *body, "END:VEVENT")]
    _check("\r\n".join(["BEGIN:VCALENDAR", *lines, "END:VCALENDAR"]) + "\r\n", "cal.ics")
