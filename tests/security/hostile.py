"""Events whose fields carry a payload, and the answer a model would write to echo them."""

from __future__ import annotations

from eventchat.models import EventDetail, EventLinks

MARKER = "zyzzyva"
"""A word every hostile event's name holds, so one search finds them all."""
FIELDS = ("name", "description", "venue", "locality", "tags", "url", "image_url")
START = "2026-06-01"


def hostile_event(field: str, payload: str) -> EventDetail:
    """An event with ``payload`` in ``field`` and harmless values elsewhere."""
    ident = f"hostile-{field}"
    values: dict[str, str] = {
        "name": f"Zyzzyva {field} conf",
        "description": "A conference.",
        "venue": "Hall 1",
        "locality": "Berlin",
        "tags": "python",
        "url": f"https://{field}.zyzzyva.example/",
        "image_url": f"https://{field}.zyzzyva.example/banner.png",
    }
    if field == "name":
        values["name"] = f"Zyzzyva {payload} conf"
    elif field in {"url", "image_url"}:
        values[field] += payload
    else:
        values[field] = payload
    return EventDetail(
        id=ident,
        name=values["name"],
        start=START,
        venue=values["venue"],
        locality=values["locality"],
        country="Germany",
        country_code="DE",
        tags=[values["tags"]],
        description=values["description"],
        links=EventLinks(id=ident, url=values["url"], images=[values["image_url"]]),
    )


def hostile_events(payload: str) -> list[EventDetail]:
    """One event per field of :data:`FIELDS`, each with ``payload`` in that field."""
    return [hostile_event(field, payload) for field in FIELDS]


def echo_answer(events: list[EventDetail]) -> str:
    """A markdown answer repeating every field, as a model that trusts its data would."""
    lines = ["Here is what I found:", ""]
    for event in events:
        links = event.links or EventLinks(id=event.id)
        lines.append(
            f"- [{event.name}]({links.url}) at {event.venue}, {event.locality} "
            f"({', '.join(event.tags)}): {event.description} ![{event.name}]({links.images[0]})"
        )
    lines += ["", "| name | where |", "|---|---|"]
    lines += [f"| {e.name} | {e.venue}, {e.locality} |" for e in events]
    return "\n".join(lines)
