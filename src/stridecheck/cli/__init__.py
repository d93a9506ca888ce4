"""The ``stridecheck`` command line: a thin shell over the library.

Each command group lives in its own module with a ``register(app)`` function;
:mod:`stridecheck.cli._app` lists them in ``COMMAND_MODULES`` and imports a
module only when its command is used, so ``--version`` and ``--help`` start
fast and a plain install never imports an optional dependency. Every command
wraps its body in :func:`stridecheck.cli._common.guarded`, which gives the exit
codes: 0 ok, 1 internal error, 2 bad input (one line on standard error).
"""

from __future__ import annotations

import sys

import typer

from stridecheck.cli._app import COMMAND_MODULES, build_app, full_app

__all__ = ["COMMAND_MODULES", "app", "build_app", "full_app", "main"]

#: The application (Typer); commands are imported when first used.
app = build_app()


def main() -> None:
    """Run the command line (the ``stridecheck`` console script)."""
    from stridecheck.errors import StrideCheckError

    try:
        app(prog_name="stridecheck")
    except StrideCheckError as exc:  # a command that forgot guarded()
        from stridecheck.cli._common import report_error

        report_error(exc)
        sys.exit(2)
    except Exception as exc:  # last-resort net: never a bare traceback for users
        typer.echo(f"stridecheck: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
