"""Organizer e-mail addresses and phone numbers are removed; dates, prices and handles stay."""

from __future__ import annotations

import pytest

from eventchat.store.importers.privacy import has_contact, scrub


@pytest.mark.parametrize(
    ("text", "marked", "label"),
    [
        ("Questions: orga@pycon.example.", "Questions: [e-mail removed].", "Questions:."),
        (
            "write to mailto:Jo.Doe+events@mail.example.co.uk today",
            "write to [e-mail removed] today",
            "write to today",
        ),
        ("Call +49 30 1234567 now", "Call [phone removed] now", "Call now"),
        ("Tel.: (030) 12345-678", "Tel.: [phone removed]", "Tel."),
        ("Phone (+1) 555 123 4567", "Phone [phone removed]", "Phone"),
        (
            "Office (555) 123-4567, ask for Jo",
            "Office [phone removed], ask for Jo",
            "Office, ask for Jo",
        ),
        ("fax 0049 721 123456", "fax [phone removed]", "fax"),
        ("tel:+4930123456 is our line", "[phone removed] is our line", "is our line"),
    ],
)
def test_contacts_are_removed(text: str, marked: str, label: str) -> None:
    assert scrub(text) == marked
    assert scrub(text, marks=False) == label
    assert has_contact(text)
    assert not has_contact(marked)


@pytest.mark.parametrize(
    "text",
    [
        "From 2025-01-24 to 2025-01-25, doors 9:00-17:00",
        "1,000 attendees in 2024 2025 2026",
        "Tickets 19.99 EUR, ISBN 978-3-16-148410-0",
        "Follow @pycascades@fosstodon.org for news",
        "Phone: 2025 is the year",
    ],
)
def test_dates_numbers_and_handles_survive(text: str) -> None:
    assert scrub(text) == text
    assert not has_contact(text)


def test_multiline_text_keeps_its_lines() -> None:
    text = "Line one, mail a@b.example\nLine two"
    assert scrub(text) == "Line one, mail [e-mail removed]\nLine two"
    assert scrub(text, marks=False) == "Line one, mail\nLine two"
