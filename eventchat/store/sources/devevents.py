"""Normalise the developers.events feed (scraly/developers-conferences-agenda) into EventDetail.

Where: https://developers.events/all-events.json and https://developers.events/all-cfps.json,
generated from the repository's README and archives by ``tools/mdParser.js``. The data is
CC BY-NC 4.0: no copy of it belongs in this repository, the tests use fixtures of its shape.

all-events.json is a JSON list of ``{name, date, hyperlink, location, city, country, cfp, tags,
misc, status}``. ``date`` is ``[startMs]`` or ``[startMs, endMs]``, epoch milliseconds of UTC
midnights: they are read as UTC dates, never in the local zone, and a lone start is a one-day
event (its end is its start). ``location`` is "City (Country)"; ``city`` and ``country`` are its
two halves, read with :func:`.places.split_place` (the country as a display name and an ISO
code, "City, ST" as locality and region). ``country`` "Online" means an online event; "& Online"
in ``location`` (or a "Virtualized" status) means it is also online, and the place is kept.
``cfp`` is ``{link, until, untilDate}`` (``{}`` without a CfP): ``untilDate``, the UTC midnight
of the CfP's last day, becomes a "cfp" deadline on that date (its zone unknown, as confs.tech's
``cfpEndDate``), ``link`` the ``cfp_url``; ``until`` is the same day as text and is not read.
``tags`` are ``{key, value}`` pairs; the values of "tech" and "topic" become tags (lower case,
hyphenated), "language" and other keys are not carried. ``misc`` (HTML badges) and the
sponsoring, captions and scholarship flags are not carried; the data has no description or venue.

all-cfps.json lists ``{link, until, untilDate, conf: {name, date, hyperlink, location, …}}``. A
CfP fills the deadline and CfP link an event lacks; it is matched to its event by start date and
web site, or else by start date and name (and location when that is still ambiguous).

Traps: the generator's regular expressions leave text where they do not match, so a hyperlink
can be a whole README line (only http(s) links and bare host names are kept as URLs); a day it
cannot read becomes ``null`` (JSON for NaN); names carry HTML entities ("&amp;") and stray
spaces; ``status`` is "open" or the bracketed word before a line ("Canceled", "Cancelled",
"Virtualized", "Postponed"); the oldest archives write "Country (City)". EventDetail has no
cancelled field, so cancelled events are left out and counted. Any field may be missing, null or
of another type: such a record is left out and counted by reason, never raised on; a postponed
event keeps the date it was listed under.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from eventchat.models import Deadline, EventDetail
from eventchat.store.sources.places import resolve_country, split_place
from eventchat.store.sources.reading import SourceRead, build_event, tag, with_unique_ids

SOURCE = "developers.events"

# The tag keys whose values are topics people search for; "language" is the talks' language.
TAG_KEYS = frozenset({"tech", "topic"})
_ONLINE_WORDS = frozenset({"online", "remote", "virtual", "hybrid"})
_ONLINE = re.compile(r"\b(online|virtual|virtualized|hybrid|remote)\b", re.IGNORECASE)
_AND_ONLINE = re.compile(r"\s*(?:&|\band\b|/)\s*online\b", re.IGNORECASE)
_CANCELLED = re.compile(r"\bcancel", re.IGNORECASE)
_PARENS = re.compile(r"^(?P<city>[^()]*?)\s*\((?P<country>[^()]*)\)\s*$")
_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_BARE_HOST = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/?#]\S*)?$", re.I)
# The feed starts in 2017; an instant outside these years is a broken number, not an event.
_FIRST_YEAR, _LAST_YEAR = 2000, 2100
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MIN_MS = int((dt.datetime(_FIRST_YEAR, 1, 1, tzinfo=dt.UTC) - _EPOCH).total_seconds() * 1000)
_MAX_MS = int((dt.datetime(_LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC) - _EPOCH).total_seconds() * 1000)


class _BadRecord(Exception):
    """A record that cannot be an event; ``reason`` is how it is counted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Draft:
    """One event before its id is made: what the CfP file may still fill in."""

    name: str
    start: str
    end: str
    url: str | None
    location: str | None
    place: dict[str, Any]
    tags: list[str]
    cfp_url: str | None = None
    deadlines: list[Deadline] = field(default_factory=list)


def _clean(value: object) -> str | None:
    """Text with HTML entities decoded and spaces collapsed; ``None`` when empty or not text."""
    if not isinstance(value, str):
        return None
    return " ".join(html.unescape(value).split()) or None


def _field(record: dict[str, Any], key: str) -> str | None:
    return _clean(record.get(key))


def _url(value: object) -> str | None:
    """An http(s) URL, or a bare host name as https (as confs.tech does); else ``None``."""
    found = _clean(value)
    if found is None:
        return None
    if _HTTP_URL.match(found):
        return found
    return f"https://{found}" if _BARE_HOST.match(found) else None


def _day(value: object) -> str | None:
    """The UTC date ("YYYY-MM-DD") of epoch milliseconds; ``None`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not _MIN_MS <= value < _MAX_MS:
        return None
    return (_EPOCH + dt.timedelta(milliseconds=value)).date().isoformat()


def _dates(value: object) -> tuple[str, str]:
    """The first and last day of ``date``: ``[startMs]`` is one day, ``[startMs, endMs]``."""
    if not isinstance(value, list) or not 1 <= len(value) <= 2:
        raise _BadRecord("no date list")
    start = _day(value[0])
    if start is None:
        raise _BadRecord("unreadable start date")
    end = _day(value[-1])
    if end is None:
        raise _BadRecord("unreadable end date")
    if end < start:
        raise _BadRecord("end before start")
    return start, end


def _halves(record: dict[str, Any], location: str | None) -> tuple[str | None, str | None]:
    """``city`` and ``country`` without "& Online"; from "City (Country)" when both are missing."""
    city, country = _field(record, "city"), _field(record, "country")
    if city is None and country is None and location:
        plain = _AND_ONLINE.sub("", location).strip()
        match = _PARENS.match(plain)
        # Without parentheses the generator copies the whole text into both halves.
        city, country = (match["city"], match["country"]) if match else (plain, plain)
    return _without_online(city), _without_online(country)


def _without_online(text: str | None) -> str | None:
    return (_AND_ONLINE.sub("", text).strip() or None) if text else None


def _place(record: dict[str, Any], location: str | None, status: str | None) -> dict[str, Any]:
    """locality, region, country, country_code and online from city, country and location."""
    city, country = _halves(record, location)
    online = any(text and _ONLINE.search(text) for text in (location, status))
    if city and city.casefold() in _ONLINE_WORDS:
        city, online = None, True
    if country and country.casefold() in _ONLINE_WORDS:
        country, online = None, True
    if city and country:
        single = location is not None and "(" not in location
        if single and city.casefold() == country.casefold():
            city = None  # "USA" alone was copied into both halves: it is no city
        elif resolve_country(country) is None and resolve_country(city) is not None:
            city, country = country, city  # the oldest archives: "France (Paris)"
    parts = [part.strip() for part in (city or "").split(",") if part.strip()]
    known = resolve_country(country) if country else None
    place = split_place([*parts, country] if known and country else parts)
    if country and known is None and not place.get("country"):
        place["country"], place["country_code"] = country, None  # kept as written
    if parts and not place.get("region") and len(parts) > 1:
        place["locality"] = ", ".join(parts)  # "Lille, Lyon, Nantes": several cities
    elif parts and not place.get("locality"):
        # A lone city read as a region ("NY") is the city, as the field says.
        place["locality"] = parts[0]
        place["region"] = None if place.get("region") == parts[0] else place.get("region")
    place.pop("venue", None)
    place["online"] = bool(online)
    return place


def _tags(value: object) -> list[str]:
    """The values of the "tech" and "topic" tags, as tags; other keys are left out."""
    found: list[str] = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict):
            continue
        key, text = _clean(entry.get("key")), _clean(entry.get("value"))
        if key and text and key.casefold() in TAG_KEYS:
            found.append(tag(text))
    return list(dict.fromkeys(found))


def _cfp(value: object, skipped: Counter[str]) -> tuple[str | None, list[Deadline]]:
    """The CfP link and its last day as a "cfp" deadline; ``{}`` (no CfP) gives neither."""
    if not isinstance(value, dict):
        if value is not None:
            skipped["cfp not an object"] += 1
        return None, []
    link = _url(value.get("link"))
    day = _day(value.get("untilDate"))
    if day is None:
        if value.get("untilDate") is not None or _clean(value.get("until")):
            skipped["unreadable cfp.untilDate"] += 1
        return link, []
    return link, [Deadline(kind="cfp", at=day)]


def _draft(record: object, read: SourceRead) -> _Draft:
    """One all-events record as a draft; raises :class:`_BadRecord` when it is no event."""
    if not isinstance(record, dict):
        raise _BadRecord("not an object")
    status = _field(record, "status")
    if status and _CANCELLED.search(status):
        raise _BadRecord("cancelled")
    name = _field(record, "name")
    if name is None:
        raise _BadRecord("no name")
    start, end = _dates(record.get("date"))
    location = _field(record, "location")
    cfp_url, deadlines = _cfp(record.get("cfp"), read.deadlines_skipped)
    return _Draft(
        name=name,
        start=start,
        end=end,
        url=_url(record.get("hyperlink")),
        location=location,
        place=_place(record, location, status),
        tags=_tags(record.get("tags")),
        cfp_url=cfp_url,
        deadlines=deadlines,
    )


def _url_key(url: str | None) -> str | None:
    if url is None:
        return None
    return re.sub(r"^https?://(www\.)?", "", url.casefold()).rstrip("/") or None


class _Index:
    """Drafts by (web site, start) and by (name, start), to find a CfP's event."""

    def __init__(self, drafts: Iterable[_Draft]) -> None:
        self.by_url: dict[tuple[str, str], list[_Draft]] = {}
        self.by_name: dict[tuple[str, str], list[_Draft]] = {}
        for draft in drafts:
            if (key := _url_key(draft.url)) is not None:
                self.by_url.setdefault((key, draft.start), []).append(draft)
            self.by_name.setdefault((draft.name.casefold(), draft.start), []).append(draft)

    def find(
        self, name: str | None, url: str | None, start: str, location: str | None
    ) -> list[_Draft]:
        """The one event a CfP is for, or several (all the same) it cannot tell apart."""
        found: list[_Draft] = []
        if (key := _url_key(url)) is not None:
            found = self.by_url.get((key, start), [])
        if not found and name is not None:
            found = self.by_name.get((name.casefold(), start), [])
        if len(found) > 1 and location is not None:
            found = [draft for draft in found if draft.location == location] or found
        return found


def _add_cfp(record: object, index: _Index, read: SourceRead) -> None:
    """Fill the CfP link and deadline of the event one all-cfps record is for."""
    if not isinstance(record, dict) or not isinstance(record.get("conf"), dict):
        read.skipped["cfp record without conf"] += 1
        return
    conf: dict[str, Any] = record["conf"]
    day = _day(record.get("untilDate"))
    dates = conf.get("date")
    start = _day(dates[0]) if isinstance(dates, list) and dates else None
    if day is None or start is None:
        read.skipped["cfp record without dates"] += 1
        return
    found = index.find(
        _field(conf, "name"), _url(conf.get("hyperlink")), start, _field(conf, "location")
    )
    if len(found) != 1:
        read.skipped["cfp record without one event" if found else "cfp record for no event"] += 1
        return
    draft = found[0]
    if not draft.deadlines:
        draft.deadlines = [Deadline(kind="cfp", at=day)]
    draft.cfp_url = draft.cfp_url or _url(record.get("link"))


def _load(document: bytes, what: str) -> list[Any]:
    """The top-level list of a feed file; ``ValueError`` when it is not a JSON list."""
    try:
        data = json.loads(document)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError both are
        raise ValueError(f"{what}: not JSON ({error})") from None
    if not isinstance(data, list):
        raise ValueError(f"{what}: expected a JSON list, found {type(data).__name__}")
    return data


def read_feeds(events_json: bytes, cfps_json: bytes | None = None) -> SourceRead:
    """Every event of all-events.json, with the deadlines all-cfps.json adds, and what was left
    out: ``skipped`` counts records of either file by reason, ``deadlines_skipped`` the CfPs of
    kept events that could not be read. Events are ordered by start date, ids unique.

    Raises ``ValueError`` only when a document is not a JSON list.
    """
    records = _load(events_json, "all-events.json")
    cfps = _load(cfps_json, "all-cfps.json") if cfps_json is not None else []
    read = SourceRead()
    drafts: list[_Draft] = []
    for record in records:
        try:
            drafts.append(_draft(record, read))
        except _BadRecord as bad:
            read.skipped[bad.reason] += 1
    index = _Index(drafts)
    for record in cfps:
        _add_cfp(record, index, read)
    events = with_unique_ids([_event(draft) for draft in drafts])
    seen: set[str] = set()
    for event in events:
        if event.id in seen:
            read.skipped["duplicate"] += 1
            continue
        seen.add(event.id)
        read.events.append(event)
    read.events.sort(key=lambda e: (e.start, e.id))
    return read


def _event(draft: _Draft) -> EventDetail:
    return build_event(
        draft.name,
        draft.start,
        draft.end,
        draft.url,
        SOURCE,
        deadlines=draft.deadlines,
        cfp_url=draft.cfp_url,
        tags=draft.tags,
        **draft.place,
    )


def parse(events_json: bytes, cfps_json: bytes | None = None) -> tuple[list[EventDetail], int]:
    """The events of all-events.json (deadlines added from all-cfps.json when given) and the
    number of records of either file left out: broken, cancelled, duplicate, or CfPs for no
    event. :func:`read_feeds` gives the same with the reasons.

    Raises ``ValueError`` only when a document is not a JSON list (not this feed's layout).
    """
    read = read_feeds(events_json, cfps_json)
    return read.events, sum(read.skipped.values())
