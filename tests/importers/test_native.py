"""eventchat JSON and JSONL: ids kept, bad records named, the rest imported."""

from __future__ import annotations

import json
from pathlib import Path

from eventchat.models import stable_id
from eventchat.store.importers import parse_file


def test_events_object_imports_good_records_and_names_bad_ones(data_dir: Path) -> None:
    batch = parse_file(data_dir / "events.json")

    assert batch.format == "eventchat"
    assert [event.name for event in batch.events] == ["PyCon X", "No id yet"]
    assert [str(error) for error in batch.errors] == [
        "events.json record 3 (\"Broken date\"): 'start' is not a date",
        "events.json record 4 (\"Ends before it starts\"): 'end' is before the start",
    ]


def test_fields_are_cleaned_and_ids_kept_or_derived(data_dir: Path) -> None:
    pycon, later = parse_file(data_dir / "events.json").events

    assert pycon.id == "pycon-x-2026"
    assert pycon.links is not None
    assert pycon.links.id == "pycon-x-2026"
    assert pycon.links.images == ["https://pycon-x.example/logo.png"]
    assert pycon.tags == ["python", "community"]
    assert pycon.description is not None
    assert "@" not in pycon.description
    assert "1234567" not in pycon.description
    assert pycon.source == "import:eventchat"
    assert later.id == stable_id("No id yet", "2026-06-01T09:30:00+02:00", None)
    assert later.online is True
    assert later.country is None


def test_jsonl_reports_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    rows = [
        json.dumps({"name": "One", "start": "2026-01-01", "source": "partner"}),
        "",
        "{not json",
        json.dumps({"name": "Three", "start": "2026-01-03", "tags": "python"}),
        json.dumps(["not", "an", "object"]),
    ]
    path.write_text("\n".join(rows) + "\n")

    batch = parse_file(path)

    assert [(event.name, event.source) for event in batch.events] == [("One", "partner")]
    assert [str(error) for error in batch.errors] == [
        "export.jsonl line 3: 'record' is not a JSON object",
        "export.jsonl line 4 (\"Three\"): 'tags' input should be a valid list",
        "export.jsonl line 5: 'record' is not a JSON object",
    ]


def test_a_plain_list_and_a_single_object(tmp_path: Path) -> None:
    listed, single = tmp_path / "list.json", tmp_path / "one.json"
    listed.write_text(json.dumps([{"name": "A", "start": "2026-02-01"}]))
    single.write_text(json.dumps({"name": "B", "start": "2026-02-02"}))

    assert [e.name for e in parse_file(listed).events] == ["A"]
    assert [e.name for e in parse_file(single).events] == ["B"]


def test_two_records_with_one_id_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "dupes.json"
    rows = [{"id": "x1", "name": "A", "start": "2026-02-01"}] * 2
    path.write_text(json.dumps(rows))

    batch = parse_file(path)

    assert len(batch.events) == 1
    assert [str(e) for e in batch.errors] == [
        'dupes.json record 2 ("A"): same id as dupes.json record 1 ("A")'
    ]


def test_country_without_code_is_resolved(tmp_path: Path) -> None:
    path = tmp_path / "places.json"
    rows = [
        {"name": "A", "start": "2026-02-01", "country": "Deutschland"},
        {"name": "B", "start": "2026-02-02", "country": "Atlantis"},
    ]
    path.write_text(json.dumps(rows))

    known, unknown = parse_file(path).events

    assert (known.country, known.country_code) == ("Germany", "DE")
    assert (unknown.country, unknown.country_code) == ("Atlantis", None)


def test_json_lines_may_be_schema_org_nodes_or_confs_tech_rows(tmp_path: Path) -> None:
    path = tmp_path / "crawl.jsonl"
    rows = [
        {"@type": "Event", "name": "Node", "startDate": "2026-03-01", "url": "https://n.example"},
        {"name": "Row", "startDate": "2026-03-02", "city": "Lyon", "country": "France"},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows))

    node, row = parse_file(path).events

    assert (node.name, node.source, node.start) == ("Node", "import:schema.org", "2026-03-01")
    assert (row.name, row.source, row.locality, row.country_code) == (
        "Row",
        "confs.tech",
        "Lyon",
        "FR",
    )
