"""A local server in the original Event Chat REST shape ("eventchat-v0"), for the v0 client.

It answers from the example responses in ``data/`` (copied from shared/data/event-chat-v0) and
filters them the way the original did: every word of ``search`` (split on `` AND ``) must occur in
the row, ``filterByCountry`` is compared case-insensitively with ``countryName``. It records each
request's query string so tests can check what the client sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DATA = Path(__file__).parent / "data"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _matches(row: dict[str, Any], search: str) -> bool:
    haystack = json.dumps(row).lower()
    terms = [t.strip().lower() for t in search.split(" AND ") if t.strip()]
    return all(any(word in haystack for word in term.split()) for term in terms)


def create_v0_app(requests: list[dict[str, str]]) -> FastAPI:
    """The v0 app; ``requests`` collects (path, query) of every request."""
    app = FastAPI()
    rows: list[dict[str, Any]] = load("search.json")["events"]
    links: list[dict[str, Any]] = load("urls.json")

    @app.get("/events-rest/event-search-v2")
    async def search(request: Request) -> JSONResponse:
        q = request.query_params
        requests.append({"path": request.url.path, **q})
        hits = [r for r in rows if _matches(r, q.get("search", ""))]
        country = q.get("filterByCountry")
        if country:
            hits = [r for r in hits if r["countryName"].lower() == country.lower()]
        if q.get("includeDescription") != "true":
            hits = [{k: v for k, v in r.items() if k != "description"} for r in hits]
        offset, limit = int(q.get("offset", 0)), int(q.get("limit", 10))
        page = hits[offset : offset + limit]
        return JSONResponse({"count": len(page), "total": len(hits), "events": page})

    @app.get("/bkregistration/events/urls")
    async def urls(request: Request) -> JSONResponse:
        requests.append({"path": request.url.path, **request.query_params})
        wanted = set(request.query_params.get("eventIds", "").split(","))
        return JSONResponse([row for row in links if str(row["id"]) in wanted])

    return app
