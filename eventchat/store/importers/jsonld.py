"""schema.org ``Event`` JSON-LD: a list, a single object or an ``@graph``, also inside HTML.

Every ``Event`` subtype counts (``MusicEvent``, ``BusinessEvent``, ``Hackathon``, …); other
nodes (``WebPage``, ``Organization``) are skipped and counted. A ``location`` is a ``Place``
(``name`` → venue; ``address`` a ``PostalAddress`` or a string), a ``VirtualLocation`` (online)
or a plain string (the address). ``organizer``, ``performer`` and ``contactPoint`` are never read.
The id derives from the node's ``@id`` or ``identifier`` when it has one, else from
(name, start, url); the source is ``"import:schema.org"``.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from eventchat.models import EventDetail, EventLinks, stable_id
from eventchat.store.importers.batch import NotAnEvent, RecordProblem, RecordRef
from eventchat.store.importers.fields import (
    check_order,
    country_fields,
    derived_id,
    finish,
    http_url,
    iso_date,
    tags,
    text,
)

SOURCE = "import:schema.org"
FORMAT = "schema.org"
_EVENT_TYPES = frozenset({"Festival", "Hackathon", "CourseInstance", "EventSeries"})
_ONLINE_MODES = ("OnlineEventAttendanceMode", "MixedEventAttendanceMode")


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


def records(file: str, found: list[Any]) -> Iterator[tuple[RecordRef, Any]]:
    """Numbered records, ``location`` references (``{"@id": …}``) resolved within the file."""
    by_id = {node["@id"]: node for node in found if isinstance(node, dict) and _str_id(node)}
    for index, node in enumerate(found, start=1):
        resolved = _resolve_location(node, by_id)
        name = resolved.get("name") if isinstance(resolved, dict) else None
        yield RecordRef(file, index, text(name) if isinstance(name, str) else None), resolved


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


def _type_names(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    names = value if isinstance(value, list) else [value]
    return [name.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for name in names if isinstance(name, str)]


def is_event(node: Any) -> bool:
    """Whether a node's ``@type`` is schema.org ``Event`` or one of its subtypes."""
    if not isinstance(node, dict):
        return False
    return any(name.endswith("Event") or name in _EVENT_TYPES for name in _type_names(node))


def _value(value: Any) -> Any:
    """The first of a list, and the ``@value`` of a language-tagged literal."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    return value


def _url_of(value: Any) -> str | None:
    """A URL given as a string, or as an object with ``url``/``contentUrl``/``@id``."""
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return http_url(_value(value))


def _images(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [url for url in map(_url_of, items) if url]


def _offer_url(value: Any) -> str | None:
    for offer in value if isinstance(value, list) else [value]:
        if isinstance(offer, dict) and (url := _url_of(offer.get("url"))):
            return url
    return None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return tags(value.split(","))
    items = value if isinstance(value, list) else [value]
    return tags(item.get("name") if isinstance(item, dict) else item for item in items)


def _postal(address: Any) -> dict[str, Any]:
    if isinstance(address, str):
        return {"address": text(address)}
    if not isinstance(address, dict):
        return {}
    country = address.get("addressCountry")
    if isinstance(country, dict):
        country = country.get("name") or country.get("identifier")
    street = [text(address.get("streetAddress")), text(address.get("postalCode"))]
    return {
        "address": ", ".join(part for part in street if part) or None,
        "locality": text(address.get("addressLocality")),
        "region": text(address.get("addressRegion")),
        **country_fields(_value(country)),
    }


def _place(location: Any) -> dict[str, Any]:
    """venue, address, locality, region, country and online from ``location``."""
    place: dict[str, Any] = {}
    for item in location if isinstance(location, list) else [location]:
        if isinstance(item, str):
            place.setdefault("address", text(item))
        elif isinstance(item, dict) and "VirtualLocation" in _type_names(item):
            place["online"] = True
        elif isinstance(item, dict) and "PostalAddress" in _type_names(item):
            place.update({k: v for k, v in _postal(item).items() if v is not None})
        elif isinstance(item, dict) and not place.get("venue"):
            place.update({k: v for k, v in _postal(item.get("address")).items() if v is not None})
            place["venue"] = text(_value(item.get("name")))
    return place


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


def parse_node(node: Any) -> Iterator[EventDetail]:
    """One schema.org Event node as an event; any other node is skipped."""
    if not is_event(node):
        raise NotAnEvent
    name = _unescaped(node.get("name"))
    if name is None:
        raise RecordProblem("name", "is missing")
    start = iso_date(_value(node.get("startDate")), "startDate", required=True)
    assert start is not None  # required=True raised otherwise
    end = iso_date(_value(node.get("endDate")), "endDate")
    check_order(start, end, "endDate")
    url = _url_of(node.get("url")) or _offer_url(node.get("offers"))
    own = _own_id(node)
    event_id = derived_id(FORMAT, own) if own else stable_id(name, start, url)
    place = _place(node.get("location"))
    place["online"] = place.get("online", False) or _online(node)
    description = _unescaped(node.get("description"))
    yield finish(
        EventDetail(
            id=event_id,
            name=name,
            start=start,
            end=end,
            description=description,
            tags=_keywords(node.get("keywords")),
            source=SOURCE,
            links=EventLinks(id=event_id, url=url, images=_images(node.get("image"))),
            **place,
        )
    )
