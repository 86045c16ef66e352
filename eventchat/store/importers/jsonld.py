"""schema.org ``Event`` JSON-LD: a list, a single object or an ``@graph``, also inside HTML.

Every ``Event`` subtype counts (``MusicEvent``, ``BusinessEvent``, ``Hackathon``, …); other
nodes (``WebPage``, ``Organization``) are skipped and counted. Events nested in other nodes are
read too, in document order after the node that holds them: ``event``/``events``,
``subEvent``/``subEvents``, ``superEvent``, ``reservationFor``, ``mainEntity``, and an
``ItemList``'s ``itemListElement`` (a ``ListItem``'s ``item``). An event that only holds others
(an ``EventSeries`` without a ``startDate``) is skipped, not a bad record.

A ``location`` is a ``Place`` (``name`` → venue; ``address`` a ``PostalAddress`` or a string;
``geo``), a ``VirtualLocation`` (online) or a plain string; "Online" or "Virtual" there is
online, not a place. Text is read with :func:`~.places.resolve_place` into address, locality,
region, country and the IANA zone; a ``PostalAddress`` keeps the fields it states and gains the
zone (and a country it leaves out); ``geo`` names the town when the text does not. Text that
names no town or country is kept as written (a string location as the address) and noted in
``batch.notes``. ``organizer``, ``performer`` and ``contactPoint`` are never read.

Times: a ``startDate``/``endDate`` with an offset ("…Z") is written in the place's zone
(:func:`~.places.local_time`; for an online event or an unknown place, the import zone when
``data import`` names one), and ``timezone`` says which, so the date is the local day. A date
stays a date.

Links: a relative ``url`` or ``image`` (``game3.html``) is resolved against the page's URL when
it is known: the HTML page's ``<base>``/canonical/``og:url``, else the ``url`` or ``@id`` of the
document's ``WebPage`` node. Without one it is dropped; a host is never made up from a file
name. Spaces inside a URL are percent-encoded.

Free: ``isAccessibleForFree: true``, or an offer priced 0, tags the event ``free`` (and an
explicit ``isAccessibleForFree: false`` never does). The tag is the free flag: tags are what
search filters on and finds in text, so ``--tag free`` and "free events" both reach it.

``eventStatus``: ``EventCancelled`` events are left out and counted (``batch.cancelled``);
``EventPostponed`` ones are kept with a ``postponed`` tag (the date is the old one until the
page names a new one); ``EventRescheduled`` ones are kept at their ``startDate``, the new date,
and ``previousStartDate`` is ignored; ``EventMovedOnline`` marks the event online.

Ids: from the node's ``@id`` or ``identifier`` when it has one, else from (name, full start,
url) with :func:`~.fields.occurrence_id`, so a walking tour at 11:00 and one at 20:00 on the same
day are two events. Two nodes sharing one ``@id`` at different starts are two occurrences: the
later ones get the start into their id. A node repeating an event already read (the page lists
it twice) is counted in ``batch.duplicates``, not reported. The source is
``"import:schema.org"``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from eventchat.models import EventDetail, EventLinks
from eventchat.store.importers import places
from eventchat.store.importers.batch import (
    ImportBatch,
    NotAnEvent,
    RecordProblem,
    RecordRef,
    collect,
)
from eventchat.store.importers.fields import (
    check_order,
    country_fields,
    derived_id,
    finish,
    http_url,
    iso_date,
    occurrence_id,
    online_word,
    tags,
    text,
)
from eventchat.store.importers.privacy import scrub

SOURCE = "import:schema.org"
FORMAT = "schema.org"
_EVENT_TYPES = frozenset({"Festival", "Hackathon", "CourseInstance", "EventSeries"})
_ONLINE_MODES = ("OnlineEventAttendanceMode", "MixedEventAttendanceMode")
# Properties through which a node holds events, in the order they are read.
_NESTED = (
    "@graph",
    "mainEntity",
    "itemListElement",
    "item",
    "event",
    "events",
    "subEvent",
    "subEvents",
    "reservationFor",
    "superEvent",
)
_MAX_DEPTH = 12  # how deep events nest before the rest is ignored (JSON can nest far deeper)
_FREE_WORDS = frozenset({"free", "gratis", "kostenlos"})
_PRICE = re.compile(r"[^\d.,]*(?P<number>\d+(?:[.,]\d+)?)[^\d]*")


def looks_like_jsonld(payload: Any) -> bool:
    """Whether a parsed JSON document is JSON-LD rather than a plain list of records."""
    items = payload if isinstance(payload, list) else [payload]
    return any(
        isinstance(item, dict) and ("@type" in item or "@graph" in item or "@context" in item)
        for item in items
    )


def nodes(payload: Any) -> list[Any]:
    """The top-level nodes of a document: a list, an ``@graph``, or one object."""
    found: list[Any] = []
    for item in payload if isinstance(payload, list) else [payload]:
        if isinstance(item, dict) and isinstance(item.get("@graph"), list):
            found.extend(item["@graph"])
        elif isinstance(item, list):
            found.extend(item)
        else:
            found.append(item)
    return found


def collect_nodes(
    batch: ImportBatch, file: str, found: list[Any], *, base: str | None = None
) -> ImportBatch:
    """Parse a document's nodes into ``batch``: events, errors, and what was skipped and why.

    ``base`` is the URL of the page the nodes came from, when the page says it; else the
    document's own ``WebPage`` node gives it. Cancelled events and repeats of an event already
    read are counted (``batch.cancelled``, ``batch.duplicates``) rather than imported, and a
    location no town or country could be read from is a note (``batch.notes``).
    """
    page = base or _page_url(found)
    seen: dict[str, EventDetail] = {}
    cancelled: set[str] = set()
    current: list[RecordRef] = []

    def numbered() -> Iterator[tuple[RecordRef, Any]]:
        for ref, node in records(file, found):
            current[:] = [ref]  # collect() parses each record as soon as it is yielded
            yield ref, node

    def parse(node: Any) -> Iterator[EventDetail]:
        if is_event(node) and _status(node) == "EventCancelled":
            key = _fingerprint(node)
            if key not in cancelled:  # listed twice, cancelled once
                batch.cancelled += 1
                cancelled.add(key)
            return iter(())
        parsed = _event(node, page)
        event, prior = parsed.event, seen.get(parsed.event.id)
        if prior is not None and parsed.own is not None and prior.start != event.start:
            event = _with_id(event, derived_id(FORMAT, parsed.own, parsed.source_start))
            prior = seen.get(event.id)
        if prior == event:
            batch.duplicates += 1
            return iter(())
        seen.setdefault(event.id, event)
        batch.notes.extend(
            f'{current[0].label()}: no town or country in location "{where}", kept as written'
            for where in (scrub(" ".join(raw.split()))[:80] for raw in parsed.unresolved)
        )
        return iter((event,))

    return collect(batch, numbered(), parse)


def records(file: str, found: list[Any]) -> Iterator[tuple[RecordRef, Any]]:
    """Numbered records, nested events after their holder, ``location`` references resolved.

    A ``location`` that is only a reference (``{"@id": …}``) gets the node it names in the file.
    """
    flat = list(_flatten(found))
    by_id: dict[str, Any] = {}
    for node in flat:
        if isinstance(node, dict) and _str_id(node) and not _is_reference(node):
            by_id.setdefault(node["@id"], node)
    for index, node in enumerate(flat, start=1):
        resolved = _resolve_location(node, by_id)
        name = resolved.get("name") if isinstance(resolved, dict) else None
        yield RecordRef(file, index, text(name) if isinstance(name, str) else None), resolved


def _flatten(found: list[Any]) -> Iterator[Any]:
    """Each top-level node, then the events it holds (depth first, in document order)."""
    emitted: set[str] = set()
    for node in found:
        yield node
        if is_event(node):
            emitted.add(_fingerprint(node))
        stack: list[tuple[Any, int, bool]] = [(node, 0, False)]
        while stack:
            item, depth, context = stack.pop()
            if depth > 0 and is_event(item):
                key = _fingerprint(item)
                if context and key in emitted:
                    continue  # a superEvent repeated as the context of each of its sub-events
                yield item
                emitted.add(key)
            if depth < _MAX_DEPTH:
                stack.extend(reversed(list(_children(item, depth + 1, context))))


def _fingerprint(node: Any) -> str:
    """The same text for equal nodes, whatever the order of their keys."""
    try:
        return json.dumps(node, sort_keys=True, default=str)
    except (RecursionError, ValueError):  # nested past what the encoder takes: itself only
        return f"node {id(node)}"


def _children(item: Any, depth: int, context: bool) -> Iterator[tuple[Any, int, bool]]:
    """The nodes an item holds events in: nested properties, and the members of a list.

    ``context`` marks what was reached through a ``superEvent``: the event an event belongs to,
    which the page may repeat inside each of its sub-events.
    """
    if isinstance(item, list):
        yield from ((member, depth, context) for member in item)
        return
    if not isinstance(item, dict):
        return
    for key in _NESTED:
        value = item.get(key)
        if isinstance(value, (dict, list)) and not _is_reference(value):
            yield value, depth, context or key == "superEvent"


def _is_reference(value: Any) -> bool:
    """A node that only names another (``{"@id": …}``): the named node is read where it is."""
    return isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value


def _holds_events(node: Any, depth: int = 0) -> bool:
    """Whether a node holds events (its sub-events, its list's items, or references to them),
    not counting the event it belongs to."""
    if depth >= _MAX_DEPTH or not isinstance(node, dict):
        return False
    return any(
        is_event(member) or _is_reference(member) or _holds_events(member, depth + 1)
        for key in _NESTED
        if key != "superEvent"
        for member in _as_list(node.get(key))
    )


def _resolve_location(node: Any, by_id: dict[str, Any]) -> Any:
    """A node whose ``location`` is only a reference gets the referenced node in its place."""
    if not isinstance(node, dict) or not isinstance(node.get("location"), dict):
        return node
    location = node["location"]
    ref = location.get("@id")
    if isinstance(ref, str) and len(location) == 1 and ref in by_id:
        return {**node, "location": by_id[ref]}
    return node


def _str_id(node: dict[str, Any]) -> bool:
    return isinstance(node.get("@id"), str)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _type_names(node: dict[str, Any]) -> list[str]:
    return [_term(name) for name in _as_list(node.get("@type")) if isinstance(name, str)]


def _term(name: str) -> str:
    """``https://schema.org/EventCancelled`` and ``schema:EventCancelled`` → ``EventCancelled``."""
    return name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def is_event(node: Any) -> bool:
    """Whether a node's ``@type`` is schema.org ``Event`` or one of its subtypes."""
    if not isinstance(node, dict):
        return False
    return any(name.endswith("Event") or name in _EVENT_TYPES for name in _type_names(node))


def _page_url(found: list[Any]) -> str | None:
    """The ``url`` (else ``@id``) of the document's ``WebPage`` node, when it is absolute."""
    for node in found:
        if isinstance(node, dict) and any(name.endswith("Page") for name in _type_names(node)):
            for key in ("url", "@id"):
                url = _value(node.get(key))
                if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
                    return url.strip()
    return None


def _value(value: Any) -> Any:
    """The first of a list, and the ``@value`` of a language-tagged literal."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    return value


def _url_of(value: Any, base: str | None) -> str | None:
    """A URL given as a string, or as an object with ``url``/``contentUrl``/``@id``."""
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return http_url(_value(value), base=base)


def _images(value: Any, base: str | None) -> list[str]:
    return [url for url in (_url_of(item, base) for item in _as_list(value)) if url]


def _offers(value: Any) -> list[dict[str, Any]]:
    return [offer for offer in _as_list(value) if isinstance(offer, dict)]


def _offer_url(value: Any, base: str | None) -> str | None:
    for offer in _offers(value):
        if url := _url_of(offer.get("url"), base):
            return url
    return None


def _price_is_zero(value: Any) -> bool:
    value = _value(value)
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    if not isinstance(value, str) or not value.strip():
        return False
    if value.strip().casefold() in _FREE_WORDS:
        return True
    found = _PRICE.fullmatch(value.strip())
    return found is not None and float(found.group("number").replace(",", ".")) == 0


def _free(node: dict[str, Any]) -> bool:
    """``isAccessibleForFree`` when the node says it, else whether an offer costs nothing."""
    flag = _value(node.get("isAccessibleForFree"))
    if isinstance(flag, str):
        flag = {"true": True, "false": False}.get(_term(flag.strip()).casefold())
    if isinstance(flag, bool):
        return flag
    for offer in _offers(node.get("offers")):
        specs = [
            spec for spec in _as_list(offer.get("priceSpecification")) if isinstance(spec, dict)
        ]
        if any(_price_is_zero(item.get("price")) for item in (offer, *specs)):
            return True
    return False


def _status(node: dict[str, Any]) -> str | None:
    """The ``eventStatus`` term: ``EventCancelled``, ``EventPostponed``, … or None."""
    value = _value(node.get("eventStatus"))
    if isinstance(value, dict):
        value = value.get("@id") or value.get("name")
    return _term(value.strip()) if isinstance(value, str) and value.strip() else None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return tags(value.split(","))
    return tags(item.get("name") if isinstance(item, dict) else item for item in _as_list(value))


class _Where(NamedTuple):
    """The place fields (``timezone`` among them) and the location texts no place was read from."""

    fields: dict[str, Any]
    unresolved: list[str]


def _geo(value: Any) -> tuple[float, float] | None:
    """(latitude, longitude) of a ``GeoCoordinates`` node, when both are finite numbers."""
    value = _value(value)
    if not isinstance(value, dict):
        return None
    try:
        lat, lon = (float(_value(value.get(key))) for key in ("latitude", "longitude"))
    except (TypeError, ValueError):
        return None
    return (lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None


def _resolved(place: places.Place) -> dict[str, Any]:
    found = {k: v for k, v in places.fields(place).items() if v is not None}
    return {**found, "timezone": place.timezone} if place.timezone else found


def _postal(address: dict[str, Any], geo: tuple[float, float] | None) -> dict[str, Any]:
    """A ``PostalAddress``: its own fields, and the gaps (country, zone) filled by resolving them.

    What the address states wins; resolving the same parts as text adds its zone, and a country
    or region it does not state, when it names the same country (or none).
    """
    country = address.get("addressCountry")
    if isinstance(country, dict):
        country = country.get("name") or country.get("identifier")
    country = _value(country)
    street = [text(address.get("streetAddress")), text(address.get("postalCode"))]
    own: dict[str, Any] = {
        "address": ", ".join(part for part in street if part) or None,
        "locality": text(address.get("addressLocality")),
        "region": text(address.get("addressRegion")),
        **({"online": True} if online_word(country) else country_fields(country)),
    }
    own = {k: v for k, v in own.items() if v is not None}
    town = " ".join(part for part in (street[1], own.get("locality")) if part)
    parts = [street[0], town, own.get("region"), own.get("country")]
    described = ", ".join(part for part in parts if part)
    if not described and geo is None:
        return own
    place = places.resolve_place(described, geo=geo)
    if not place.resolved or own.get("country_code", place.country_code) != place.country_code:
        return own
    gaps = {k: v for k, v in _resolved(place).items() if k not in ("venue", "address")}
    return {**gaps, **own}


def _place_node(item: dict[str, Any], where: _Where) -> None:
    """A ``Place``: ``name`` is the venue; its ``address`` (text or PostalAddress) and ``geo``
    give the rest."""
    found = where.fields
    name = text(_value(item.get("name")))
    geo = _geo(item.get("geo"))
    address = _value(item.get("address"))
    if online_word(name):
        found["online"], name = True, None
    if isinstance(address, dict):
        found.update(_postal(address, geo))
        found.setdefault("venue", name)
        return
    address = text(address)
    described = address or name
    if described is None and geo is None:
        return
    place = places.resolve_place(described, geo=geo)
    if place.online:
        found["online"] = True
        found.setdefault("venue", name)
    elif not place.resolved:
        found.update({"venue": name, "address": address})
        where.unresolved.append(described or "")
    elif address is None:  # the name alone, as "Massey Hall, Toronto": read it all
        found.update(_resolved(place))
    else:
        parts = [place.venue if name else None, place.address]
        found.update({**_resolved(place), "venue": name or place.venue, "address": _join(parts)})


def _join(parts: list[str | None]) -> str | None:
    return ", ".join(part for part in parts if part) or None


def _place(location: Any) -> _Where:
    """venue, address, locality, region, country, timezone and online from ``location``."""
    where = _Where({}, [])
    for item in _as_list(location):
        if isinstance(item, str) and text(item) and "address" not in where.fields:
            place = places.resolve_place(item)
            if place.online:
                where.fields["online"] = True
            elif place.resolved:
                where.fields.update(_resolved(place))
            else:  # a place no town or country was read from: the text, as the address
                where.fields["address"] = text(item)
                where.unresolved.append(item.strip())
        elif isinstance(item, dict) and "VirtualLocation" in _type_names(item):
            where.fields["online"] = True
        elif isinstance(item, dict) and "PostalAddress" in _type_names(item):
            where.fields.update(_postal(item, None))
        elif isinstance(item, dict) and not where.fields.get("venue"):
            _place_node(item, where)
    return where


def _online(node: dict[str, Any]) -> bool:
    mode = _value(node.get("eventAttendanceMode"))
    return isinstance(mode, str) and mode.endswith(_ONLINE_MODES)


def _own_id(node: dict[str, Any]) -> str | None:
    """The node's own identifier, if stable: a blank node (``_:b0``) is not."""
    node_id = node.get("@id")
    if isinstance(node_id, str) and node_id.strip() and not node_id.startswith("_:"):
        return node_id.strip()
    identifier = _value(node.get("identifier"))
    if isinstance(identifier, dict):
        identifier = identifier.get("value")
    if isinstance(identifier, (str, int)) and not isinstance(identifier, bool):
        return text(str(identifier))
    return None


def _unescaped(value: Any) -> str | None:
    """Text with HTML entities decoded: pages often entity-escape their JSON-LD ("&amp;")."""
    found = text(_value(value))
    return html.unescape(found) if found else None


def _with_id(event: EventDetail, event_id: str) -> EventDetail:
    links = (event.links or EventLinks(id=event_id)).model_copy(update={"id": event_id})
    return event.model_copy(update={"id": event_id, "links": links})


def parse_node(node: Any) -> Iterator[EventDetail]:
    """One schema.org Event node as an event; any other node is skipped.

    For a node read on its own (a JSON line): no page URL to resolve links against, and a
    cancelled event is skipped like a node that is no event.
    """
    if is_event(node) and _status(node) == "EventCancelled":
        raise NotAnEvent
    yield _event(node, None).event


class _Parsed(NamedTuple):
    event: EventDetail
    own: str | None  # the node's own @id or identifier
    source_start: str  # the start as the node gives it, before it is put in the local zone
    unresolved: list[str]  # location texts no place was read from


def _local(value: str, zone: str | None) -> tuple[str, str | None]:
    """A start or end in the zone where the event happens, and that zone (None when unknown).

    A UTC instant ("…Z") is written in the place's zone, else in the import zone
    (:data:`~.places.IMPORT_ZONE`); a date stays a date, in the place's zone or the import one.
    """
    if len(value) <= 10:
        return value, places.valid_zone(zone) or places.valid_zone(places.IMPORT_ZONE.get())
    return places.local_time(dt.datetime.fromisoformat(value), zone)


def _event(node: Any, base: str | None) -> _Parsed:
    """The event a node describes, with what the caller counts or notes about it."""
    if not is_event(node):
        raise NotAnEvent
    if _value(node.get("startDate")) in (None, "") and _holds_events(node):
        raise NotAnEvent  # a series or festival that only holds its events
    name = _unescaped(node.get("name"))
    if name is None:
        raise RecordProblem("name", "is missing")
    start = iso_date(_value(node.get("startDate")), "startDate", required=True)
    assert start is not None  # required=True raised otherwise
    end = iso_date(_value(node.get("endDate")), "endDate")
    check_order(start, end, "endDate")
    url = _url_of(node.get("url"), base) or _offer_url(node.get("offers"), base)
    own = _own_id(node)
    event_id = derived_id(FORMAT, own) if own else occurrence_id(name, start, url)
    where = _place(node.get("location"))
    place = dict(where.fields)
    status = _status(node)
    place["online"] = place.get("online", False) or _online(node) or status == "EventMovedOnline"
    local_start, zone = _local(start, place.pop("timezone", None))
    local_end = _local(end, zone)[0] if end else None
    found_tags = _keywords(node.get("keywords"))
    if _free(node):
        found_tags.append("free")
    if status == "EventPostponed":
        found_tags.append("postponed")
    event = EventDetail(
        id=event_id,
        name=name,
        start=local_start,
        end=local_end,
        timezone=zone,
        description=_unescaped(node.get("description")),
        tags=found_tags,
        source=SOURCE,
        links=EventLinks(id=event_id, url=url, images=_images(node.get("image"), base)),
        **place,
    )
    return _Parsed(finish(event), own, start, where.unresolved)
