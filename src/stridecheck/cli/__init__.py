"""The ``stridecheck`` command line: a thin shell over the library.

Each command group lives in its own module with a ``register(app)`` function;
:mod:`stridecheck.cli._app` lists them in ``COMMAND_MODULES`` and imports a
module only when its command is used, so ``--version`` and ``--help`` start
fast and a plain install never imports an optional dependency. Every command
wraps its body in :func:`stridecheck.cli._common.guarded`, which gives the exit
codes: 0 ok, 1 internal error, 2 bad input (one line on standard error).

``stridecheck.cli.app`` (the Typer application) is built on first use; the
console script's ``stridecheck --version`` answers before Typer is imported.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    from stridecheck.cli._app import COMMAND_MODULES, build_app, full_app

    app: typer.Typer

__all__ = ["COMMAND_MODULES", "app", "build_app", "full_app", "main"]


def __getattr__(name: str) -> Any:
    """``app`` (built once) and the names of :mod:`stridecheck.cli._app`, on first use."""
    if name not in __all__ or name == "main":
        raise AttributeError(f"module 'stridecheck.cli' has no attribute {name!r}")
    from stridecheck.cli import _app

    value = _app.build_app() if name == "app" else getattr(_app, name)
    globals()[name] = value
    return value


def main() -> None:
    """Run the command line (the ``stridecheck`` console script)."""
    if sys.argv[1:] == ["--version"]:  # the one answer that needs neither Typer nor Rich
        from stridecheck import __version__

        sys.stdout.write(f"stridecheck {__version__}\n")
        return
    import typer

    from stridecheck.errors import StrideCheckError

    try:
        application = globals().get("app") or __getattr__("app")
        application(prog_name="stridecheck")
    except StrideCheckError as exc:  # a command that forgot guarded()
        from stridecheck.cli._common import report_error

        report_error(exc)
        sys.exit(2)
    except Exception as exc:  # last-resort net: never a bare traceback for users
        typer.echo(f"stridecheck: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
