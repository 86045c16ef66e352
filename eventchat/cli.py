"""The command line: parse, build Settings, wire the objects, run one core function, exit.

Errors from anywhere below arrive as EventchatError and leave as one line on stderr with the
exit status the exception tree names; ``--traceback`` shows the raw exception instead. Imports of
heavy modules (openai, fastapi, prompt_toolkit, rich.markdown) happen inside commands so that
``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from eventchat import __version__
from eventchat.errors import EventchatError, ExitStatus

app = typer.Typer(
    name="eventchat",
    help="Ask about tech events in your terminal. Without -q and with a terminal, opens a chat.",
    add_completion=False,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # Plain click help: rich help would import rich.markdown on every --help (slow start).
    rich_markup_mode=None,
)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Config file (default: XDG config dir).")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eventchat {__version__}")
        raise typer.Exit()


def fail(error: EventchatError, *, traceback: bool = False) -> NoReturn:
    """Print one line for ``error`` on stderr and exit with its status."""
    if traceback:
        raise error
    from eventchat.render.sanitize import sanitize_line

    # Messages can carry a server's words (an error detail): never let them drive the terminal.
    sys.stderr.write(f"eventchat: error: {sanitize_line(error.message)}\n")
    raise typer.Exit(int(error.exit_status))


@app.callback()
def main_command(
    ctx: typer.Context,
    question: Annotated[
        str | None, typer.Option("-q", "--question", help="Ask one question and exit.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Chat model name.")] = None,
    api_url: Annotated[
        str | None, typer.Option("--api-url", help="Events API URL (default: embedded).")
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="Today's date for the model, YYYY-MM-DD.")
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option("--format", "-f", help="rich, markdown, json or jsonl (default: auto)."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Short for --format json.")] = False,
    no_stdin: Annotated[
        bool, typer.Option("--no-stdin", help="Do not read standard input with -q.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours (also NO_COLOR, TERM=dumb).")
    ] = False,
    no_hyperlinks: Annotated[
        bool, typer.Option("--no-hyperlinks", help="Show link URLs instead of clickable links.")
    ] = False,
    ics: Annotated[
        Path | None,
        typer.Option("--ics", help="Also write the answer's events to this iCalendar file."),
    ] = None,
    log_file: Annotated[
        Path | None, typer.Option("--log-file", help="Append a JSON-lines log of requests here.")
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Trace tool calls, REST requests and timings on stderr."
        ),
    ] = False,
    config: ConfigOpt = None,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Show the full traceback on errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Ask about tech events: `eventchat -q "..."`, `echo "..." | eventchat`, or a chat."""
    ctx.obj = {"config": config, "traceback": traceback, "today": today}
    if ctx.invoked_subcommand is not None:
        return
    flags: dict[str, Any] = {
        "model": model,
        "api_url": api_url,
        "today": today,
        "format": "json" if json_output else output_format,
        "no_color": True if no_color else None,
        "log_file": log_file,
    }
    from eventchat import session

    try:
        settings = session.settings_from(flags, config)
        options = session.Options(
            no_stdin=no_stdin, verbose=verbose, hyperlinks=not no_hyperlinks, ics=ics
        )
        status = session.main(settings, question, options)
    except EventchatError as exc:
        fail(exc, traceback=traceback)
    except Exception as exc:
        if traceback:
            raise
        # A bug, not a user error: still one line, and the way to see more.
        from eventchat.render.sanitize import sanitize_line

        sys.stderr.write(
            f"eventchat: internal error: {type(exc).__name__}: {sanitize_line(str(exc))} — "
            "rerun with --traceback and report it\n"
        )
        raise typer.Exit(int(ExitStatus.ERROR)) from None
    raise typer.Exit(int(status))


@app.command("config")
def config_command(ctx: typer.Context) -> None:
    """Show the effective settings and where each came from (the API key masked)."""
    from eventchat.settings import describe, load_settings

    try:
        settings, origin = load_settings({}, ctx.obj["config"])
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])
    rows = describe(settings, origin)
    width = max(len(row.name) for row in rows)
    for row in rows:
        typer.echo(f"{row.name:<{width}}  {row.value or '-'}  ({row.source})")


DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database", help="SQLite path or postgresql:// URL (default: the embedded one)."
    ),
]


def _settings(ctx: typer.Context, flags: dict[str, Any]) -> Any:
    from eventchat.settings import load_settings

    # --today before the subcommand pins today for it too (search, serve, data stats)
    settings, _origin = load_settings({"today": ctx.obj.get("today"), **flags}, ctx.obj["config"])
    return settings


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless told.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 8765,
    workers: Annotated[
        int, typer.Option(help="Worker processes (to share one database, use PostgreSQL).", min=1)
    ] = 1,
    database: DatabaseOpt = None,
) -> None:
    """Serve the events REST API over HTTP (OpenAPI docs at /docs)."""
    from eventchat.service.serve import serve

    try:
        settings = _settings(ctx, {"database": database})
        serve(settings.database, host, port, workers=workers, today=settings.today)
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])


@app.command("search")
def search_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Free text; may be empty.")] = "",
    country: Annotated[str | None, typer.Option(help="Country name, alias or ISO code.")] = None,
    locality: Annotated[str | None, typer.Option(help="City.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag; repeatable.")] = None,
    start_after: Annotated[
        str | None, typer.Option("--from", help="Events on or after this date (default: today).")
    ] = None,
    start_before: Annotated[
        str | None, typer.Option("--to", help="Events starting on or before this date.")
    ] = None,
    online: Annotated[
        bool | None, typer.Option("--online/--in-person", help="Only online / in-person events.")
    ] = None,
    cfp_open: Annotated[
        bool | None,
        typer.Option("--cfp-open/--cfp-closed", help="A deadline still ahead / none ahead."),
    ] = None,
    deadline_after: Annotated[
        str | None, typer.Option("--deadline-after", help="A deadline on or after this date.")
    ] = None,
    deadline_before: Annotated[
        str | None, typer.Option("--deadline-before", help="A deadline on or before this date.")
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option(help="relevance (default with TEXT), date (without) or deadline."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Events per page (1-50).")] = 10,
    offset: Annotated[int, typer.Option(help="Skip this many events.")] = 0,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="table, json, jsonl or markdown (default: table on a terminal, json when piped).",
        ),
    ] = None,
    api_url: Annotated[str | None, typer.Option("--api-url", help="Events API URL.")] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="Today's date, YYYY-MM-DD (default: the date).")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Search events directly, without a model (no API key needed). Upcoming (the default)
    means not yet ended: an event under way counts."""
    from eventchat import lookup

    try:
        flags = {"api_url": api_url, "database": database}
        settings = _settings(ctx, flags | ({"today": today} if today else {}))
        query = lookup.build_query(
            text,
            country,
            locality,
            tag or [],
            start_after,
            start_before,
            online,
            limit,
            offset,
            today=settings.effective_today(),
            deadlines=lookup.Deadlines(cfp_open, deadline_after, deadline_before, sort),
        )
        lookup.run(settings, query, output_format)
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])


data_app = typer.Typer(help="Manage the events database: import, stats, update.")
app.add_typer(data_app, name="data")


@data_app.command("update")
def data_update_command(
    ctx: typer.Context,
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="Sources to update (default: every enabled one).", show_default=False),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Download every enabled source's current data and merge it in; unchanged sources cost
    one small request each, and a source that fails keeps its last good data."""
    from eventchat.datacmd import run_update

    try:
        result = run_update(_settings(ctx, {"database": database}), sources or ())
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])
    except KeyboardInterrupt:  # while writing: one transaction, so all or nothing was
        sys.stderr.write("\neventchat: interrupted\n")
        raise typer.Exit(int(ExitStatus.INTERRUPTED)) from None
    if result.failed:
        raise typer.Exit(int(ExitStatus.ERROR))


@data_app.command("import")
def data_import_command(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="eventchat JSON/JSONL, confs.tech JSON, JSON-LD or .ics.")
    ],
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            metavar="ZONE",
            help="IANA zone (Europe/Berlin) for times that name none (UTC or floating).",
        ),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Import events from files (format detected from content); re-importing never duplicates.

    Files stream (JSON Lines line by line, written 5,000 events at a time), with a progress
    bar on a terminal; a stopped import keeps what it wrote, and importing the same files
    again finishes it.
    """
    from eventchat.datacmd import run_import
    from eventchat.errors import UsageError

    try:
        zone = None
        if tz is not None:
            from eventchat.store.importers.places import valid_zone

            zone = valid_zone(tz)
            if zone is None:
                raise UsageError(
                    f"--tz {tz!r} is not a time zone: give an IANA name such as Europe/Berlin"
                )
        failed = run_import(_settings(ctx, {"database": database}), files, zone=zone)
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])
    except KeyboardInterrupt:  # what was written stays: run_import said how much
        sys.stderr.write("eventchat: interrupted\n")
        raise typer.Exit(int(ExitStatus.INTERRUPTED)) from None
    if failed:
        raise typer.Exit(int(ExitStatus.ERROR))


@data_app.command("stats")
def data_stats_command(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Counts by source, country, tag and year; the date range; upcoming events."""
    from eventchat.datacmd import run_stats

    try:
        run_stats(_settings(ctx, {"database": database}), as_json=json_output)
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])


sources_app = typer.Typer(
    help="The event sources: list them, enable developers.events, add or remove your own feeds.",
    invoke_without_command=True,
)
data_app.add_typer(sources_app, name="sources")


@sources_app.callback()
def data_sources_command(ctx: typer.Context, database: DatabaseOpt = None) -> None:
    """The event sources: licence, home, how old their data is, events and upcoming."""
    if ctx.invoked_subcommand is not None:
        return
    from eventchat.datacmd import run_sources

    try:
        run_sources(_settings(ctx, {"database": database}))
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])


@sources_app.command("enable")
def sources_enable_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="developers.events", show_default=False)],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accept its licence.")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Enable a source eventchat may not bundle (developers.events: CC BY-NC 4.0)."""
    from eventchat.datacmd import run_enable

    try:
        run_enable(_settings(ctx, {"database": database}), name, accept=yes)
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])


@sources_app.command("add")
def sources_add_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A short name: my-meetup.", show_default=False)],
    url: Annotated[
        str, typer.Argument(help="An iCalendar, JSON-LD or eventchat JSON URL.", show_default=False)
    ],
    database: DatabaseOpt = None,
) -> None:
    """Add your own feed (a meetup group's calendar); `data update` refreshes it."""
    from eventchat.datacmd import run_add

    try:
        run_add(_settings(ctx, {"database": database}), name, url)
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])


@sources_app.command("remove")
def sources_remove_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A feed you added.", show_default=False)],
    database: DatabaseOpt = None,
) -> None:
    """Remove a feed you added (or developers.events) and delete its events."""
    from eventchat.datacmd import run_remove

    try:
        run_remove(_settings(ctx, {"database": database}), name)
    except EventchatError as exc:
        fail(exc, traceback=ctx.obj["traceback"])


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("\neventchat: interrupted\n")
        raise SystemExit(int(ExitStatus.INTERRUPTED)) from None
