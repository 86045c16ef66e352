"""Output of ``eventchat search``: a Rich table on a terminal, else json, jsonl or markdown.

An empty answer's hint (how many events match before ``--from``, how far the data reaches) is a
diagnostic: on stderr for the table, markdown and jsonl (whose lines are events only), and
fields of the document for json.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Literal, TextIO

from eventchat.lookup import Hit, SearchResult
from eventchat.render.links import is_safe_url
from eventchat.render.sanitize import sanitize

if TYPE_CHECKING:
    from rich.console import Console

ListFormat = Literal["table", "json", "jsonl", "markdown"]


def hit_record(hit: Hit) -> dict[str, Any]:
    """A hit as one JSON object: the event's fields plus its links, nulls dropped, sanitised."""
    record = hit.event.model_dump(exclude_none=True)
    if hit.links is not None:
        record["links"] = hit.links.model_dump(exclude_none=True, exclude={"id"})
    cleaned: dict[str, Any] = _clean(record)
    return cleaned


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def when(hit: Hit) -> str:
    """``2026-03-12`` or ``2026-03-12 – 2026-03-13``."""
    start, end = hit.event.start[:10], (hit.event.end or "")[:10]
    return f"{start} – {end}" if end and end != start else start


def where(hit: Hit) -> str:
    """Locality and country, or "online"."""
    event = hit.event
    parts = [p for p in (event.locality, event.region, event.country) if p]
    place = ", ".join(parts)
    if event.online:
        return f"{place} + online" if place else "online"
    return place


def url_of(hit: Hit) -> str | None:
    """The event's link if it is a safe http(s) URL."""
    url = hit.links.url if hit.links else None
    return url if url and is_safe_url(url) else None


def write_json(result: SearchResult, out: TextIO) -> None:
    """One JSON document: totals and the events with their links."""
    doc = {
        "total": result.total,
        "count": len(result.hits),
        "offset": result.offset,
        "events": [hit_record(h) for h in result.hits],
    }
    if result.look_back is not None:
        if result.look_back.span is not None:
            doc["data_until"] = result.look_back.span.last.isoformat()
        doc["past_matches"] = result.look_back.matches
        doc["hint"] = " ".join(result.look_back.hint())
    if result.stale:
        doc["stale"] = result.stale
    out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def write_jsonl(result: SearchResult, out: TextIO) -> None:
    """One JSON object per event."""
    for hit in result.hits:
        out.write(json.dumps(hit_record(hit), ensure_ascii=False) + "\n")


def _md_escape(text: str) -> str:
    return "".join("\\" + c if c in "[]()*_`<>#|\\" else c for c in text)


def write_markdown(result: SearchResult, out: TextIO) -> None:
    """A markdown list, one event per line, the name linked to its page."""
    for hit in result.hits:
        name = _md_escape(sanitize(hit.event.name))
        url = url_of(hit)
        title = f"[{name}](<{url}>)" if url else name
        details = " · ".join(p for p in (when(hit), _md_escape(sanitize(where(hit)))) if p)
        tags = ", ".join(sanitize(t) for t in hit.event.tags)
        out.write(f"- {title} — {details}" + (f" · {_md_escape(tags)}" if tags else "") + "\n")
    out.write(f"\n{_shown(result)}\n")


def _shown(result: SearchResult) -> str:
    if not result.hits:
        return "No events match."
    first = result.offset + 1
    return f"Events {first}–{result.offset + len(result.hits)} of {result.total}."


def write_table(result: SearchResult, console: Console) -> None:
    """A Rich table; event names are OSC 8 links where the terminal supports them."""
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False, header_style="bold", expand=False)
    for column in ("When", "Event", "Where", "Tags"):
        table.add_column(column, overflow="fold")
    for hit in result.hits:
        url = url_of(hit)
        name = Text(sanitize(hit.event.name), style=Style(link=url) if url else "")
        table.add_row(
            Text(when(hit)),
            name,
            Text(sanitize(where(hit))),
            Text(", ".join(sanitize(t) for t in hit.event.tags)),
        )
    if result.hits:
        console.print(table)
    console.print(Text(_shown(result), style="dim"))


def write_hint(result: SearchResult, err: TextIO) -> None:
    """The empty answer's hint, one or two lines, and the line saying the data is old."""
    if result.look_back is not None:
        err.write("".join(line + "\n" for line in result.look_back.hint()))
    if result.stale:
        err.write(result.stale + "\n")


def write_result(
    result: SearchResult,
    fmt: ListFormat,
    out: TextIO,
    console: Console | None = None,
    err: TextIO | None = None,
) -> None:
    """Write ``result`` in ``fmt``; the table goes to ``console`` (default: one over ``out``).

    Diagnostics (the hint of an empty answer) go to ``err``, by default stderr.
    """
    if fmt == "table":
        from rich.console import Console

        write_table(result, console or Console(file=out))
    elif fmt == "json":
        write_json(result, out)
        return
    elif fmt == "jsonl":
        write_jsonl(result, out)
    else:
        write_markdown(result, out)
    write_hint(result, err or sys.stderr)
