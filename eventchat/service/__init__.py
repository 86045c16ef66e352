"""The events REST API v1 (DESIGN.md "REST API v1"), as an app factory over a Store.

The store is opened by the caller and handed in: httpx2's ASGITransport does not run lifespan
events, so nothing here depends on startup hooks. The caller also closes the store.
"""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from eventchat import __version__
from eventchat.service import errors
from eventchat.service.routes import router
from eventchat.store.base import Store

__all__ = ["create_app"]

DESCRIPTION = (
    "Search tech events (the bundled confs.tech data and anything imported). Every error is JSON "
    "with a one-line `detail`; bad parameters get 422 naming the parameter."
)


def create_app(store: Store, *, today: dt.date | None = None) -> FastAPI:
    """The FastAPI app serving ``store``; routes reach it through a typed dependency.

    ``today`` pins what "today" means for ``cfp_open`` (the ``today`` setting); None: the
    server's date at each request.
    """
    app = FastAPI(title="eventchat events API", version=__version__, description=DESCRIPTION)
    app.state.store = store
    app.state.today = today
    errors.install(app)
    app.include_router(router)
    return app
