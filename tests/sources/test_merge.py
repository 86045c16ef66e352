"""merge_sources: one event per real event across sources, and no false merges."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from eventchat.models import Deadline, EventDetail, EventLinks, stable_id
from eventchat.store.sources.merge import merge_sources, name_keys
from eventchat.store.sources.reading import SourceRead
from tests.sources.conftest import (
    named,
    needs_ai_deadlines,
    needs_ccf,
    needs_confs_tech,
    needs_python_deadlines,
    upcoming,
)


def make(name: str, start: str, source: str, **fields: Any) -> EventDetail:
    """A small event; ``url`` and ``deadlines`` go to its links."""
    url = fields.pop("url", None)
    deadlines = fields.pop("deadlines", [])
    event_id = stable_id(name, start, f"{source}:{url}")
    links = EventLinks(id=event_id, url=url, deadlines=deadlines)
    return EventDetail(id=event_id, name=name, start=start, source=source, links=links, **fields)


def paper(at: str, zone: str = "AoE") -> Deadline:
    return Deadline(kind="paper", at=at, timezone=zone)


# --- small fixtures ---------------------------------------------------------------------------


def test_same_edition_from_two_sources_is_one_event() -> None:
    ccf = make(
        "FOO 2026",
        "2026-06-01",
        "ccf-deadlines",
        end="2026-06-05",
        locality="Lyon",
        country="France",
        country_code="FR",
        tags=["ai"],
        description="International Conference on Foo",
        deadlines=[paper("2026-01-10T23:59:59-12:00")],
    )
    ai = make(
        "The 41st International Conference FOO",
        "2026-06-02",
        "ai-deadlines",
        end="2026-06-05",
        venue="Centre de Congrès",
        locality="Lyon",
        country="France",
        country_code="FR",
        tags=["ai", "machine-learning"],
        deadlines=[
            paper("2026-01-10T23:59:59-12:00"),  # the same deadline, said again
            Deadline(kind="notification", at="2026-03-01T23:59:59-12:00", timezone="AoE"),
        ],
    )
    # The ai-deadlines group first: precedence, not argument order, picks the id.
    merged, pairs = merge_sources([[ai], [ccf]])
    assert pairs == [(ccf.id, ai.id)]
    [event] = merged
    assert (event.id, event.name, event.start) == (ccf.id, "FOO 2026", "2026-06-01")
    assert event.source == "ccf-deadlines, ai-deadlines"
    assert event.venue == "Centre de Congrès"  # filled from the other source
    assert event.description == "International Conference on Foo"
    assert event.tags == ["ai", "machine-learning"]
    assert event.links is not None
    assert event.links.id == ccf.id
    assert [d.kind for d in event.links.deadlines] == ["paper", "notification"]


def test_two_editions_of_one_series_stay_two() -> None:
    ccf = [
        make("FOO 2026", "2026-06-01", "ccf-deadlines", locality="Lyon", url="https://foo.org"),
        make("FOO 2027", "2027-06-01", "ccf-deadlines", locality="Lyon", url="https://foo.org"),
    ]
    ai = [make("FOO 2027", "2027-06-02", "ai-deadlines", locality="Lyon", url="https://foo.org")]
    merged, pairs = merge_sources([ccf, ai])
    assert pairs == [(ccf[1].id, ai[0].id)]
    assert sorted(event.name for event in merged) == ["FOO 2026", "FOO 2027"]


def test_same_name_and_dates_in_two_cities_stay_apart() -> None:
    confs = [make("DevFest", "2026-11-07", "confs.tech", locality="Lima", country_code="PE")]
    other = [
        make("DevFest 2026", "2026-11-07", "python-deadlines", locality="Novosibirsk"),
        make("DevFest 2026", "2026-11-07", "ai-deadlines", locality="Lima", country_code="CL"),
    ]
    merged, pairs = merge_sources([confs, other])
    assert pairs == []
    assert len(merged) == 3


def test_dates_must_overlap_or_start_within_two_days() -> None:
    a = make("Bar Summit", "2026-05-01", "confs.tech", end="2026-05-01", locality="Oslo")
    near = make("Bar Summit 2026", "2026-05-03", "python-deadlines", locality="Oslo")
    far = make("Bar Summit 2026", "2026-05-04", "ccf-deadlines", locality="Oslo")
    assert merge_sources([[a], [near]])[1] == [(a.id, near.id)]
    assert merge_sources([[a], [far]])[1] == []


def test_the_same_host_stands_in_for_the_city() -> None:
    a = make(
        "Baz 2027", "2027-01-05", "ccf-deadlines", locality="Big Island", url="https://baz.org/"
    )
    b = make(
        "Baz 2027", "2027-01-05", "ai-deadlines", locality="Waikoloa", url="http://baz.org/cfp"
    )
    assert merge_sources([[a], [b]])[1] == [(a.id, b.id)]


def test_archived_pages_do_not_share_a_host() -> None:
    archived = "https://web.archive.org/web/2019/https://{}.org/"
    a = make("Qux", "2019-04-01", "confs.tech", url=archived.format("qux"), online=True)
    b = make("Qux 2019", "2019-04-01", "python-deadlines", url=archived.format("other"))
    b = b.model_copy(update={"locality": "Rome"})
    assert merge_sources([[a], [b]])[1] == []


def test_events_of_one_source_are_never_merged() -> None:
    one = [
        make("PyCon Foo 2026", "2026-09-01", "python-deadlines", locality="Oslo", url="https://a"),
        make("PyCon Foo 2026", "2026-09-01", "python-deadlines", locality="Oslo", url="https://b"),
    ]
    merged, pairs = merge_sources([one])
    assert (len(merged), pairs) == (2, [])


def test_an_event_joins_at_most_one_event_per_source() -> None:
    confs = [make("Spam", "2026-03-01", "confs.tech", locality="Riga")]
    python = [
        make("Spam 2026", "2026-03-01", "python-deadlines", locality="Riga", url="https://x"),
        make("Spam 2026", "2026-03-02", "python-deadlines", locality="Riga", url="https://y"),
    ]
    merged, pairs = merge_sources([confs, python])
    assert pairs == [(confs[0].id, python[0].id)]
    assert len(merged) == 2


def test_a_third_source_may_match_the_second_spelling() -> None:
    confs = [make("Berlin Python Pizza", "2026-02-21", "confs.tech", locality="Berlin")]
    python = [make("Python Pizza Berlin 2026", "2026-02-21", "python-deadlines", locality="Berlin")]
    other = [make("PythonPizza Berlin", "2026-02-21", "ai-deadlines", locality="Berlin")]
    merged, pairs = merge_sources([other, python, confs])
    assert pairs == [(confs[0].id, python[0].id), (confs[0].id, other[0].id)]
    [event] = merged
    assert event.source == "confs.tech, python-deadlines, ai-deadlines"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ECML-PKDD 2026", "ECML PKDD 2026"),
        ("SIGKDD 2026", "KDD 2026"),
        ("ACM SIGGRAPH 2026", "SIGGRAPH 2026"),
        ("InterSpeech 2026", "Interspeech 2026"),
        ("PyCon Italia", "PyCon Italy 2025"),
        ("PyCon SK", "PyCon Slovakia 2019"),
        ("PyConZA", "PyCon South Africa 2019"),
        ("PyCon DE & PyData Berlin", "PyCon Germany & PyData Berlin 2024"),
        ("Berlin Python Pizza", "Python Pizza Berlin 2019"),
        ("International Conference on Machine Learning (ICML)", "ICML 2024"),
        ("PyCon (US)", "PyCon US 2023"),
        ("12th Annual Foo Conference", "Foo '26"),
    ],
)
def test_names_that_agree(one: str, other: str) -> None:
    assert name_keys(one) & name_keys(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("EMNLP 2026", "EMNLP (System Demonstrations Track) 2026"),
        ("IJCNN 2026", "CEC 2026"),
        ("PyCon", "PyCon US 2019"),
        ("Ruby devroom at FOSDEM", "FOSDEM 2017"),
        ("Data and AI Summit", "AI Data Summit Europe"),
    ],
)
def test_names_that_differ(one: str, other: str) -> None:
    assert not name_keys(one) & name_keys(other)


# --- the real snapshots -----------------------------------------------------------------------

UPCOMING_CCF_AI = [
    "NeurIPS 2026",
    "WACV 2027",
    "HICSS 2027",
    "AAAI 2027",
    "ECIR 2027",
    "3DV 2027",
    "CHI 2027",
    "ICRA 2027",
    "NAACL 2027",
]


def _source_pairs(merged: list[EventDetail]) -> Counter[tuple[str, str]]:
    pairs: Counter[tuple[str, str]] = Counter()
    for event in merged:
        first, *others = (part.strip() for part in (event.source or "").split(","))
        pairs.update((first, other) for other in others)
    return pairs


@needs_ccf
@needs_ai_deadlines
def test_ccf_and_ai_deadlines_overlap(ccf_read: SourceRead, ai_read: SourceRead) -> None:
    merged, pairs = merge_sources([ccf_read.events, ai_read.events])
    assert len(pairs) == 94
    assert len(merged) == len(ccf_read.events) + len(ai_read.events) - 94
    both = [e.name for e in upcoming(merged) if e.source == "ccf-deadlines, ai-deadlines"]
    assert sorted(both) == sorted(UPCOMING_CCF_AI)
    names = {e.name for e in merged if "," in (e.source or "")}
    assert {"SIGKDD 2026", "ACM SIGGRAPH 2026", "ECML-PKDD 2026", "IEEE CEC 2026"} <= names
    # Co-located but different: the EMNLP demo track; CEC and IJCNN (one shared WCCI link).
    assert named(merged, "EMNLP (System Demonstrations Track) 2026").source == "ai-deadlines"
    assert named(merged, "IJCNN 2026").source == "ccf-deadlines, ai-deadlines"
    assert named(merged, "IEEE CEC 2026").source == "ccf-deadlines, ai-deadlines"


@needs_ccf
@needs_ai_deadlines
def test_merged_edition_keeps_both_sources_deadlines(
    ccf_read: SourceRead, ai_read: SourceRead
) -> None:
    merged, _ = merge_sources([ai_read.events, ccf_read.events])
    event = named(merged, "NeurIPS 2026")
    assert event.id == named(ccf_read.events, "NeurIPS 2026").id
    assert event.source == "ccf-deadlines, ai-deadlines"
    assert event.tags == ["ai", "machine-learning"]
    assert event.links is not None
    assert event.links.url == "https://neurips.cc/Conferences/2026"
    zones = Counter(d.timezone for d in event.links.deadlines)
    assert zones == {"AoE": 7, "UTC+0": 2}  # ccf's in UTC, ai-deadlines' in AoE
    hicss = named(merged, "HICSS 2027")  # ccf's "paper" is ai-deadlines' "submission"
    assert hicss.links is not None
    assert [(d.kind, d.timezone) for d in hicss.links.deadlines] == [("paper", "UTC-10")]


@needs_confs_tech
@needs_python_deadlines
def test_python_deadlines_and_confs_tech_overlap(
    confs_tech_events: list[EventDetail], python_read: SourceRead
) -> None:
    merged, pairs = merge_sources([python_read.events, confs_tech_events])
    assert len(pairs) == 102
    assert _source_pairs(merged) == {("confs.tech", "python-deadlines"): 102}
    by_key = {(e.name, e.start): e for e in merged}
    italia = by_key["PyCon Italia", "2025-05-28"]
    assert italia.source == "confs.tech, python-deadlines"
    assert "python" in italia.tags
    assert italia.links is not None
    assert italia.links.cfp_end_date == "2025-01-11"  # confs.tech's own, kept
    assert [(d.kind, d.at, d.label) for d in italia.links.deadlines] == [
        ("cfp", "2025-01-06T23:59:00-12:00", None),  # python-deadlines' CfP and extension
        ("cfp", "2025-01-11T23:59:00-12:00", "Extended CfP deadline"),
    ]
    assert italia.links.social == ["@pyconit", "https://social.python.it/@pycon"]
    assert by_key["DjangoCon US", "2026-08-24"].source == "confs.tech, python-deadlines"


@needs_confs_tech
@needs_python_deadlines
@needs_ccf
@needs_ai_deadlines
def test_all_four_sources(
    confs_tech_events: list[EventDetail],
    python_read: SourceRead,
    ccf_read: SourceRead,
    ai_read: SourceRead,
) -> None:
    groups = [confs_tech_events, python_read.events, ccf_read.events, ai_read.events]
    merged, pairs = merge_sources(groups)
    assert _source_pairs(merged) == {
        ("confs.tech", "python-deadlines"): 102,
        ("confs.tech", "ccf-deadlines"): 4,
        ("ccf-deadlines", "ai-deadlines"): 94,
    }
    assert len(pairs) == 200
    assert len(merged) == sum(len(group) for group in groups) - 200
    ids = [event.id for event in merged]
    assert len(set(ids)) == len(ids)
    assert len(upcoming(merged)) == 135
