"""What every command shares: consoles, exit codes, error handling, safe output.

The command line promises three exit codes:

- :data:`EXIT_OK` (0): everything worked;
- :data:`EXIT_INTERNAL` (1): a bug in stridecheck (anything unexpected);
- :data:`EXIT_INPUT` (2): bad input, a bad path or a bad option: any
  :class:`~stridecheck.errors.StrideCheckError`. One line goes to standard
  error, ``stridecheck: error: <file>: <reason>``, and no traceback.

Commands wrap their body in :func:`guarded` so the promise holds however they
are invoked (console script, ``python -m stridecheck`` or a test runner).
"""

from __future__ import annotations

import functools
import importlib
import io
import math
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar, cast

import typer

from stridecheck.errors import InputError, StrideCheckError
from stridecheck.outputs import atomic_output

__all__ = [
    "DEBUG_ENV",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "atomic_output",
    "err_console",
    "fail",
    "format_distance",
    "format_duration",
    "format_number",
    "format_text",
    "guarded",
    "out_console",
    "report_error",
    "report_warning",
    "require_extra",
]

#: Exit status: success.
EXIT_OK = 0
#: Exit status: an unexpected internal error (a bug).
EXIT_INTERNAL = 1
#: Exit status: bad input (a file, a path or an option).
EXIT_INPUT = 2
#: Set this environment variable to any non-empty value to see tracebacks of internal errors.
DEBUG_ENV = "STRIDECHECK_DEBUG"

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A rich ``Console`` made on first use, so a command that prints no table never imports rich.

    Every attribute is the console's own (``print``, ``is_terminal``, ...), and
    ``with`` works as on the console (rich's live displays use it).
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def _get(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    # special methods are looked up on the type, not through __getattr__
    def __enter__(self) -> Console:
        return self._get().__enter__()

    def __exit__(self, *exc: object) -> None:
        self._get().__exit__(*exc)


#: Rich console for results (standard output).
out_console = cast("Console", _LazyConsole(highlight=False))
#: Rich console for errors, warnings and progress (standard error).
err_console = cast("Console", _LazyConsole(stderr=True, highlight=False))

P = ParamSpec("P")
R = TypeVar("R")


def _line(text: str) -> None:
    """Write one plain line to standard error (no markup, no wrapping)."""
    typer.echo(text, err=True)


def _silence_stdout() -> None:
    """Point standard output at the null device so the exit flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def report_error(error: StrideCheckError) -> None:
    """Print ``stridecheck: error: <file>: <reason>`` as one line on standard error."""
    message = " ".join(str(error).split())
    _line(f"stridecheck: error: {message}")


def report_warning(source: str | os.PathLike[str], message: str) -> None:
    """Print ``stridecheck: warning: <file>: <message>`` as one line on standard error.

    Readers' messages already start with the file (``"<file>: ..."``, as
    :class:`~stridecheck.errors.InputError` words them); the line names it once.
    """
    text = " ".join(message.split())
    for prefix in (f"{source}: ", f"{Path(source)}: ", f"{Path(source).name}: "):
        if text.startswith(prefix):
            text = text.removeprefix(prefix)
            break
    _line(f"stridecheck: warning: {source}: {text}")


def fail(path: str | os.PathLike[str] | None, reason: str) -> NoReturn:
    """Stop a command for bad input: raise :class:`~stridecheck.errors.InputError`.

    :func:`guarded` turns it into the one-line message and exit status 2.
    """
    raise InputError(path, reason)


#: The optional extras and the modules each one provides.
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "web": ("fastapi", "uvicorn", "python_multipart"),
    "live": ("bleak", "bumble", "looptime"),
    "pdf": ("weasyprint",),
    "dask": ("dask", "distributed"),
}


def require_extra(what: str, extra: str) -> None:
    """Stop with one line and exit status 2 when the ``extra`` is not installed.

    Parameters
    ----------
    what
        What needs it, for the message (``"serve"``, ``"live recording"``).
    extra
        The extra's name in :data:`EXTRA_MODULES` (``"web"``, ``"live"``,
        ``"pdf"``, ``"dask"``).
    """
    for module in EXTRA_MODULES[extra]:
        try:
            importlib.import_module(module)
        except ImportError:
            _line(
                f"stridecheck: error: {what} needs the {extra} extra ({module} is not installed): "
                f"pip install 'stridecheck[{extra}]'"
            )
            raise typer.Exit(EXIT_INPUT) from None


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Give a command the command line's error contract (see module docs).

    ``typer.Exit`` and Typer's own usage errors pass through untouched.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except StrideCheckError as exc:
            report_error(exc)
            raise typer.Exit(EXIT_INPUT) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
            _silence_stdout()
            raise typer.Exit(EXIT_OK) from None
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                _line(traceback.format_exc().rstrip())
            message = " ".join(str(exc).split())
            _line(
                f"stridecheck: internal error: {type(exc).__name__}: {message} "
                f"(a bug in stridecheck; set {DEBUG_ENV}=1 to see the traceback)"
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


#: What a table shows for a missing value.
MISSING = "-"


def _is_missing(value: object) -> bool:
    """None, NaN, an infinity, ``pd.NA`` or ``NaT`` (anything that is not a shown value)."""
    if value is None:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    # pd.NA and NaT are unequal to themselves (like NaN), without importing pandas here
    try:
        return bool(value != value)  # noqa: PLR0124
    except TypeError:  # pd.NA: its truth value is ambiguous
        return True


def format_number(value: object, spec: str = ".0f", *, suffix: str = "") -> str:
    """A number for a table: ``format(value, spec) + suffix``, ``-`` when missing.

    Parameters
    ----------
    value
        A number, or a missing value (None, NaN, infinity, ``pd.NA``, ``NaT``).
    spec
        Format specification, e.g. ``".1f"``, ``"+.0f"``.
    suffix
        Appended to a shown number (``" %"``, ``" km"``), not to ``-``.
    """
    if _is_missing(value):
        return MISSING
    return f"{float(value):{spec}}{suffix}"  # type: ignore[arg-type]


def format_text(value: object) -> str:
    """Text for a table: ``str(value)``, ``-`` for a missing or empty value (never ``nan``)."""
    if _is_missing(value):
        return MISSING
    text = str(value)
    return text if text.strip() else MISSING


def format_duration(seconds: float | None) -> str:
    """Format a duration as ``H:MM:SS`` (``-`` when unknown). [s]"""
    if seconds is None or _is_missing(seconds):
        return MISSING
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def format_distance(metres: float | None) -> str:
    """Format a distance in kilometres with two decimals (``-`` when unknown). [m]"""
    if metres is None or _is_missing(metres):
        return MISSING
    return f"{metres / 1000.0:.2f} km"
