"""The ``stridecheck`` command line: a thin shell over the library.

Each command group lives in its own module with a ``register(app)`` function.
To add one: write ``cli/<name>.py`` with ``register``, import it below and add
it to :data:`COMMAND_GROUPS`. Every command wraps its body in
:func:`stridecheck.cli._common.guarded`, which gives the exit codes: 0 ok,
1 internal error, 2 bad input (one line on standard error).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from stridecheck import __version__
from stridecheck.cli import (
    adherence,
    analyze,
    cohort,
    convert,
    demo,
    devices,
    info,
    programs,
    record,
    report,
    serve,
    store,
)
from stridecheck.cli._common import EXIT_INTERNAL, report_error
from stridecheck.errors import StrideCheckError

__all__ = ["COMMAND_GROUPS", "app", "main"]

app = typer.Typer(
    name="stridecheck",
    help="Did this person do the run-walk session they were prescribed? "
    "Wearable data in (FIT, GPX, TCX), honest answers out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: Command modules, in the order ``--help`` lists them.
COMMAND_GROUPS = (
    info,
    analyze,
    adherence,
    convert,
    demo,
    programs,
    record,
    devices,
    store,
    cohort,
    report,
    serve,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"stridecheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Did this person do the run-walk session they were prescribed?

    Reads FIT, GPX and TCX files (bare or in .gz / .zip) into one canonical
    form. Exit status: 0 ok, 1 internal error, 2 bad input.
    """


for _group in COMMAND_GROUPS:
    _group.register(app)


def main() -> None:
    """Run the command line (the ``stridecheck`` console script)."""
    try:
        app(prog_name="stridecheck")
    except StrideCheckError as exc:  # a command that forgot guarded()
        report_error(exc)
        sys.exit(2)
    except Exception as exc:  # last-resort net: never a bare traceback for users
        typer.echo(f"stridecheck: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_INTERNAL)
