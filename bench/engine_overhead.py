"""What the chat engine adds around the model: one-tool-round turns against a local scripted server.

The model is the test suite's scripted OpenAI-compatible server (``tests.support.openai_server``,
loopback, no scripted delays, so nothing is subtracted); the events API is the embedded one over
the bundled dataset (in-process ASGI). Interleaved per run, so machine noise falls on all alike:

- baseline: a bare streamed completion through the openai SDK (one request, no tools);
- ``engine.run_turn`` with a text answer (one request, the tools offered);
- ``engine.run_turn`` with one tool round (``event_search`` for 10 events, then the answer).

Each turn starts from an empty history (``engine.reset()``), so every run does the same work.
Also: the token estimate (chars/3, as the engine's budget uses) of the event_search result for 10
events against the same events and links as the raw API JSON dumped with ``indent=2``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.report import Row
from bench.store_search import ms, percentile
from eventchat.chat import build_engine, make_openai_client
from eventchat.chat.engine import ChatEngine
from eventchat.chat.stream import ToolResult, TurnError
from eventchat.runtime import open_events_client
from eventchat.settings import Settings
from eventchat.store import build_database
from tests.support.openai_script import Reply, text, tool_call
from tests.support.openai_server import OpenAIServer

RUNS = 50
WARMUP = 5
TODAY = dt.date(2026, 1, 15)
SEARCH = {"search": "javascript", "limit": 10}
ANSWER = "Here are ten JavaScript events, each with its link and dates, as the tool returned them."
GROUP = "engine"


def _tokens(text: str) -> int:
    return len(text) // 3


async def _drain(engine: ChatEngine, question: str, results: list[ToolResult]) -> None:
    engine.reset()
    async for event in engine.run_turn(question):
        if isinstance(event, ToolResult):
            results.append(event)
        elif isinstance(event, TurnError):
            raise RuntimeError(f"turn failed: {event.error}")


async def _timed(
    server: OpenAIServer, replies: list[Reply], call: Callable[[], Awaitable[Any]]
) -> float:
    server.script(*replies)
    began = time.perf_counter()
    await call()
    return time.perf_counter() - began


async def _measure(
    server: OpenAIServer, database: Path
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    settings = Settings(
        model="gpt-bench",
        openai_base_url=server.base_url,
        openai_api_key="sk-bench",
        max_retries=0,
        today=TODAY,
        database=str(database),
    )
    client = make_openai_client(settings)
    times: dict[str, list[float]] = {"bare": [], "text": [], "tool": []}
    results: list[ToolResult] = []
    async with open_events_client(settings) as events:
        engine = build_engine(settings, events, client)

        async def bare() -> None:
            stream = await client.chat.completions.create(
                model="gpt-bench",
                messages=[{"role": "user", "content": "hi"}],
                stream=True,
                temperature=0,
            )
            async with stream:
                async for _ in stream:
                    pass

        for n in range(WARMUP + RUNS):
            bare_s = await _timed(server, [text(ANSWER)], bare)
            text_s = await _timed(server, [text(ANSWER)], lambda: _drain(engine, "hi", []))
            tool_s = await _timed(
                server,
                [tool_call("event_search", SEARCH), text(ANSWER)],
                lambda: _drain(engine, "javascript events?", results),
            )
            if n >= WARMUP:
                times["bare"].append(bare_s)
                times["text"].append(text_s)
                times["tool"].append(tool_s)
        times["tool call"] = [r.duration for r in results[WARMUP:]]
        extra = {"result": results[-1].content, "raw": await _raw_json(events)}
    await client.close()
    return times, extra


async def _raw_json(events: Any) -> str:
    """The same search and links as the REST API returns them, dumped with indent=2."""
    from eventchat.models import SearchQuery

    page = await events.search(SearchQuery(q="javascript", start_after=TODAY, limit=10))
    links = await events.links([e.id for e in page.events])
    body = {
        "search": page.model_dump(mode="json"),
        "links": {"links": [link.model_dump(mode="json") for link in links]},
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def _row(name: str, runs: list[float], base: float, target: str = "") -> Row:
    p50, p99 = statistics.median(runs), percentile(runs, 99)
    return Row(GROUP, name, f"p50 {ms(p50)} · p99 {ms(p99)}", f"{p50 / base:.2f}× p50", target)


def run() -> list[Row]:
    """Time RUNS turns of each kind after WARMUP; one table row per kind, plus token sizes."""
    server = OpenAIServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            database = Path(tmp) / "events.sqlite3"
            build_database(database)
            times, extra = asyncio.run(_measure(server, database))
    finally:
        server.stop()
    base = statistics.median(times["bare"])
    result_tokens, raw_tokens = _tokens(extra["result"]), _tokens(extra["raw"])
    # What is left of a tool turn once its two model requests (at the bare SDK's cost) and the
    # tool call itself are taken away: the engine's own share (history, accumulation, dispatch).
    own = statistics.median(times["tool"]) - 2 * base - statistics.median(times["tool call"])
    return [
        _row("bare streamed completion (SDK, baseline)", times["bare"], base),
        _row("engine turn, text answer", times["text"], base),
        _row("engine turn, one tool round (2 requests)", times["tool"], base),
        _row("  of which event_search (embedded API)", times["tool call"], base),
        Row(
            GROUP,
            "  the rest: tool turn - 2 bare - search (p50)",
            ms(own) if own > 0 else "≈ 0 (within noise)",
            f"{max(own, 0) / base:.2f}× p50",
        ),
        Row(
            GROUP,
            "tool result, 10 events (chars/3 tokens)",
            f"{result_tokens} vs {raw_tokens} raw API JSON (indent=2)",
            f"{result_tokens / raw_tokens:.2f}× raw",
        ),
    ]
