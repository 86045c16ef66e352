"""An app factory for multi-process ASGI servers, which import the app by name in each worker.

``uvicorn --factory eventchat.service.asgi:app_from_environment --workers 4`` (or gunicorn with
uvicorn workers) calls :func:`app_from_environment` once in every worker process. Each builds
Settings from the environment and config file exactly as the CLI does (``EVENTCHAT_DATABASE``
names the store; a ``postgresql://`` URL lets the workers share one database), opens its own store
(its own connection pool), and closes it when the server shuts the worker down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from eventchat.service import create_app


def app_from_environment() -> FastAPI:
    """The events API over the store the settings name, closed at lifespan shutdown."""
    from eventchat.settings import load_settings
    from eventchat.store import open_store

    settings, _ = load_settings()
    store = open_store(settings.database)
    app = create_app(store, today=settings.today)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app.router.lifespan_context = lifespan
    return app
