"""Removed contacts leave readable prose; labels, tags and handles just lose them."""

from __future__ import annotations

import json
from pathlib import Path

from eventchat.store.importers import parse_file
from eventchat.store.importers.privacy import scrub


def test_a_removed_contact_leaves_a_marker_in_prose() -> None:
    assert (
        scrub("Contact anna@example.org or +49 30 1234567.")
        == "Contact [e-mail removed] or [phone removed]."
    )


def test_markers_are_not_contacts_and_scrubbing_twice_changes_nothing() -> None:
    once = scrub("Mail jo@x.example, call 0049 30 1234567 or (555) 123-4567.")

    assert once == "Mail [e-mail removed], call [phone removed] or [phone removed]."
    assert scrub(once) == once
    assert scrub(once, marks=False) == once


def test_imported_descriptions_read_on_and_labels_tags_and_handles_hold_no_contact(
    tmp_path: Path,
) -> None:
    path = tmp_path / "events.json"
    record = {
        "name": "Meetup (RSVP anna@example.org)",
        "start": "2026-05-01",
        "venue": "Hall 1, tel +49 30 1234567",
        "description": "Contact anna@example.org or +49 30 1234567.",
        "tags": ["python", "anna@example.org"],
        "links": {"social": ["@pyberlin@fosstodon.org", "anna@example.org"]},
    }
    path.write_text(json.dumps([record]))

    (event,) = parse_file(path).events

    assert event.description == "Contact [e-mail removed] or [phone removed]."
    assert (event.name, event.venue) == ("Meetup (RSVP)", "Hall 1, tel")
    assert event.tags == ["python"]
    assert event.links is not None
    assert event.links.social == ["@pyberlin@fosstodon.org"]
    dumped = event.model_dump_json()
    assert "anna@" not in dumped
    assert "1234567" not in dumped
