"""One event per real event across sources: the same conference edition from several is merged.

Two events from different sources are one when their names agree once years, edition words
("International", "Conference", "41st") and punctuation are set aside ("ECML-PKDD 2026" and
"ECML PKDD" agree; so do "SIGKDD" and "KDD", "ACM SIGGRAPH" and "SIGGRAPH"), their dates overlap
or start at most two days apart, and they share the city or the web site's host; events both
online and placeless count as sharing the place. Countries that disagree keep them apart. Events
of one source are never merged with each other: each adapter has done that already.

The merged event keeps the id, name and fields of the first source by precedence (confs.tech,
python-deadlines, ccf-deadlines, ai-deadlines, then any other in the order given), fills what it
lacks from the others, and gathers every source's tags, social handles and deadlines; ``source``
names them all ("ccf-deadlines, ai-deadlines"). Events are bucketed by name key, so the work is
linear in the number of events.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from eventchat.models import EventDetail, EventLinks
from eventchat.store.sources.places import country_names
from eventchat.store.sources.reading import unique_deadlines

PRECEDENCE = ("confs.tech", "python-deadlines", "ccf-deadlines", "ai-deadlines")
MAX_START_GAP = dt.timedelta(days=2)

_WORD = re.compile(r"[a-z0-9]+")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b|'\d\d\b")
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b")
# Words that name the edition or the genre rather than the event.
_EDITION_WORDS = frozenset(
    {"international", "annual", "conference", "conf", "edition", "the", "on", "of", "and", "for"}
)
# Organisers some sources put before the short name and others leave out.
_ORGANISERS = frozenset({"acm", "ieee", "cvf", "usenix", "ifip"})
# "… (CVPR)": a one-word parenthesis closing the name is its acronym, "(Industry Track)" is not.
_ACRONYM = re.compile(r"\(([a-z][a-z0-9+&-]*)\)\s*$")
_PLACE_FIELDS = ("venue", "address", "locality", "region", "country", "country_code")


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()


def name_keys(name: str) -> frozenset[str]:
    """The keys a name is matched by: without years, ordinals, edition words and punctuation.

    Variants cover how sources differ: organisers left out ("ACM SIGGRAPH"), ACM's "SIG" prefix
    ("SIGKDD" is "KDD"), a country written out or as its code ("PyCon Italia", "PyCon IT"),
    words in another order ("Berlin Python Pizza"), and a trailing acronym ("Conference on
    Computer Vision and Pattern Recognition (CVPR)").
    """
    text = _ORDINAL.sub(" ", _YEAR.sub(" ", _fold(name)))
    keys = _word_keys(_WORD.findall(text))
    if (acronym := _ACRONYM.search(text)) is not None:
        keys |= _word_keys(_WORD.findall(acronym.group(1)))
        keys |= _word_keys(_WORD.findall(text[: acronym.start()]))
    return frozenset(key for key in keys if len(key) > 1)


def _word_keys(words: list[str]) -> set[str]:
    words = [word for word in words if word not in _EDITION_WORDS]
    short = "".join(word for word in words if word not in _ORGANISERS)
    keys = {"".join(words), short, "".join(_with_codes(words)), " ".join(sorted(words))}
    if short.startswith("sig") and len(short) > 5:
        keys.add(short[3:])
    return keys


def _with_codes(words: list[str]) -> list[str]:
    """``words`` with country names (up to three words) as their codes: "czech republic" → cz."""
    names, out, index = country_names(), [], 0
    while index < len(words):
        for size in (size for size in (3, 2, 1) if index + size <= len(words)):
            code = names.get(" ".join(words[index : index + size]))
            if code is not None:
                out.append(code.lower())
                index += size
                break
        else:
            out.append(words[index])
            index += 1
    return out


def _host(event: EventDetail) -> str | None:
    """The web site's host without "www."; for an archived page, the archived site's."""
    url = event.links.url if event.links else None
    if not url:
        return None
    # web.archive.org/web/<timestamp>/<url>: every archived page shares the archive's host.
    url = re.sub(r"^https?://web\.archive\.org/web/[^/]+/", "", url)
    host = urlsplit(url if "://" in url else f"https://{url}").hostname or ""
    return host.removeprefix("www.") or None


def _days(event: EventDetail) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(event.start[:10])
    end = dt.date.fromisoformat(event.end[:10]) if event.end else start
    return start, max(start, end)


def same_dates(a: EventDetail, b: EventDetail) -> bool:
    """Whether the events' days overlap or their first days are at most two days apart."""
    (a_start, a_end), (b_start, b_end) = _days(a), _days(b)
    return abs(a_start - b_start) <= MAX_START_GAP or (a_start <= b_end and b_start <= a_end)


def _where(event: EventDetail) -> str:
    return _fold(" ".join(filter(None, (event.locality, event.venue))))


def same_place(a: EventDetail, b: EventDetail) -> bool:
    """Whether the events share their city (one's locality in the other's place) or host."""
    if a.country_code and b.country_code and a.country_code != b.country_code:
        return False
    host = _host(a)
    if host is not None and host == _host(b):
        return True
    if not a.locality and not b.locality:
        return a.online and b.online
    for one, other in ((a, b), (b, a)):
        city = _fold(one.locality or "")
        # "Montreal" is in "Palais des Congrès Montreal"; "Bar" is not in "Barcelona".
        if len(city) >= 3 and re.search(rf"\b{re.escape(city)}\b", _where(other)):
            return True
    return False


def same_event(a: EventDetail, b: EventDetail) -> bool:
    """Whether two events from different sources are one (names are compared by the caller)."""
    return same_dates(a, b) and same_place(a, b)


@dataclass
class _Cluster:
    """The events found to be one: ``members[0]`` is the one whose fields win."""

    members: list[EventDetail]
    groups: set[int] = field(default_factory=set)

    def matches(self, event: EventDetail) -> bool:
        return any(same_event(member, event) for member in self.members)


def _precedence(source: str | None, index: int) -> tuple[int, int]:
    first = (source or "").split(",")[0].strip()
    rank = PRECEDENCE.index(first) if first in PRECEDENCE else len(PRECEDENCE)
    return rank, index


def _ordered(groups: Iterable[list[EventDetail]]) -> list[tuple[int, list[EventDetail]]]:
    """The groups in precedence order (by their first event's source), each with its index."""
    indexed = list(enumerate(groups))
    indexed.sort(key=lambda item: _precedence(item[1][0].source if item[1] else None, item[0]))
    return indexed


def merge_sources(
    groups: Iterable[list[EventDetail]],
) -> tuple[list[EventDetail], list[tuple[str, str]]]:
    """One event per real event across the groups (one group per source), and the merged pairs.

    Each pair is (the id kept, the id merged into it); the events come back by start then id.
    """
    clusters: list[_Cluster] = []
    by_key: dict[str, list[int]] = {}
    pairs: list[tuple[str, str]] = []
    for group_index, events in _ordered(groups):
        for event in events:
            keys = name_keys(event.name)
            index = _find(clusters, by_key, keys, event, group_index)
            if index is None:
                index = len(clusters)
                clusters.append(_Cluster(members=[event], groups={group_index}))
            else:
                clusters[index].members.append(event)
                clusters[index].groups.add(group_index)
                pairs.append((clusters[index].members[0].id, event.id))
            # Filed under every member's keys: a third source may spell it as the second did.
            _file_under(by_key, keys, index)
    merged = [combine(cluster.members) for cluster in clusters]
    return sorted(merged, key=lambda e: (e.start, e.id)), pairs


def _file_under(by_key: dict[str, list[int]], keys: Iterable[str], index: int) -> None:
    """File cluster ``index`` under each of ``keys``."""
    for key in keys:
        by_key.setdefault(key, []).append(index)


def _find(
    clusters: list[_Cluster],
    by_key: dict[str, list[int]],
    keys: frozenset[str],
    event: EventDetail,
    group_index: int,
) -> int | None:
    """The first cluster sharing a name key that has no event of this group and matches."""
    for index in sorted({index for key in keys for index in by_key.get(key, [])}):
        cluster = clusters[index]
        if group_index not in cluster.groups and cluster.matches(event):
            return index
    return None


def combine(members: list[EventDetail]) -> EventDetail:
    """``members[0]`` with the gaps filled from the rest and everyone's tags and deadlines."""
    first, others = members[0], members[1:]
    if not others:
        return first
    data = first.model_dump(exclude={"links"})
    for other in others:
        _fill(data, other)
    data["tags"] = sorted({tag for member in members for tag in member.tags})
    data["online"] = any(member.online for member in members)
    data["source"] = ", ".join(dict.fromkeys(m.source for m in members if m.source))
    return EventDetail.model_validate({**data, "links": _links(first.id, members)})


def _fill(data: dict[str, object], other: EventDetail) -> None:
    """Fill ``data``'s gaps from ``other``: the place as a whole, or its parts in one country."""
    if not data.get("locality") and not data.get("country_code"):
        for name in _PLACE_FIELDS:
            data[name] = data.get(name) or getattr(other, name)
    agree = data.get("country_code") in (None, other.country_code)
    for name, value in other.model_dump(exclude={"links", "tags", "online", "source"}).items():
        if data.get(name) is None and (agree or name not in _PLACE_FIELDS):
            data[name] = value


def _links(event_id: str, members: list[EventDetail]) -> EventLinks:
    """The first member's links, gaps filled, with every member's images, handles, deadlines."""
    all_links = [member.links for member in members if member.links is not None]
    data = all_links[0].model_dump() if all_links else {}
    for links in all_links[1:]:
        for name in ("url", "cfp_url", "cfp_end_date"):
            data[name] = data.get(name) or getattr(links, name)
    data["id"] = event_id
    data["images"] = list(dict.fromkeys(i for links in all_links for i in links.images))
    social: dict[str, str] = {}
    for handle in (s for links in all_links for s in links.social):
        social.setdefault(handle.casefold(), handle)  # "@pyconit" and "@PyConIT" are one
    data["social"] = list(social.values())
    data["deadlines"] = unique_deadlines(d for links in all_links for d in links.deadlines)
    return EventLinks.model_validate(data)
