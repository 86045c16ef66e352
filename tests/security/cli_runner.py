"""Run the eventchat CLI in-process (click's CliRunner): stdout, stderr and the exit code."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from eventchat.cli import app


@dataclass(frozen=True)
class Outcome:
    """What one CLI run left behind."""

    code: int
    stdout: str
    stderr: str
    exception: BaseException | None


def invoke(*args: str) -> Outcome:
    """``eventchat ARGS`` in this process, with the test's (isolated) environment."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=True)
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Outcome(result.exit_code, result.stdout, result.stderr, exception)
