"""The ``stridecheck`` application, with command modules imported on first use.

``stridecheck --version`` and ``stridecheck --help`` import no command module:
the top-level help lists the commands from :data:`COMMAND_MODULES` (name,
module, one-line help) and a command's module is imported only when that
command runs or shows its own help. So a plain ``pip install stridecheck``
starts fast and never touches an optional dependency (FastAPI, bleak,
WeasyPrint, Dask) until a command needs it.

To add a command: write ``cli/<module>.py`` with ``register(app)`` and add a
row to :data:`COMMAND_MODULES` (``tests/test_cli_start.py`` checks that the
one-line help here is the command's own).
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any, NamedTuple

import typer
import typer.main
from typer.core import TyperGroup

from stridecheck import __version__

__all__ = ["COMMAND_MODULES", "CommandEntry", "LazyGroup", "build_app", "full_app"]


class CommandEntry(NamedTuple):
    """Where a command lives and its one-line help for ``stridecheck --help``."""

    module: str
    help: str


#: Command name -> module under ``stridecheck.cli`` and one-line help, in ``--help`` order.
COMMAND_MODULES: dict[str, CommandEntry] = {
    "info": CommandEntry(
        "info", "Show what an activity file holds: device, sport, times, distance, fields, laps."
    ),
    "analyze": CommandEntry("analyze", "Split an activity into walk, run and stop intervals."),
    "adherence": CommandEntry(
        "adherence",
        "Adherence to a program: sessions done, scores, weekly running, interruptions.",
    ),
    "convert": CommandEntry("convert", "Convert an activity's samples to CSV, Parquet or GPX."),
    "demo": CommandEntry("demo", "Run stridecheck end to end on the built-in sample data."),
    "programs": CommandEntry(
        "programs",
        "Prescribed run-walk programs: list, show, export (TOML or FIT workout), import.",
    ),
    "record": CommandEntry(
        "record",
        "Record BLE sensors into a FIT activity file (or replay a file, or recover a journal).",
    ),
    "devices": CommandEntry("devices", "Find BLE sensors and list the device profiles."),
    "import": CommandEntry(
        "store",
        "Import activities into the store, once each, scoring them against the enrolled program.",
    ),
    "athletes": CommandEntry(
        "store",
        "List the athletes in the store with their activities, enrolment and notes.",
    ),
    "enroll": CommandEntry(
        "store",
        "Enrol an athlete in a program from a start date and rescore their stored activities.",
    ),
    "note": CommandEntry(
        "store",
        "Record how a prescribed session went: pain, exertion, an adverse event, free text.",
    ),
    "cohort": CommandEntry(
        "cohort",
        "Adherence of a cohort: tidy tables sessions, weekly, participants and errors.",
    ),
    "report": CommandEntry(
        "report",
        "Write the coach report: adherence, session grid, timelines, findings, methods.",
    ),
    "serve": CommandEntry(
        "serve", "Serve the dashboard: athletes with traffic lights, sessions, uploads, notes."
    ),
}

_APP_HELP = (
    "Did this person do the run-walk session they were prescribed? "
    "Wearable data in (FIT, GPX, TCX), honest answers out."
)
_CONTEXT = {"help_option_names": ["-h", "--help"]}


def load_commands(module: str) -> dict[str, Any]:
    """Import ``stridecheck.cli.<module>`` and return the Click commands it registers."""
    mod = importlib.import_module(f"stridecheck.cli.{module}")
    holder = typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings=_CONTEXT,
    )
    mod.register(holder)
    return dict(typer.main.get_group(holder).commands)


class _LazyCommands(MutableMapping[str, Any]):
    """The group's commands: every name is known, a module is imported on first lookup."""

    def __init__(self, loaded: MutableMapping[str, Any], table: dict[str, CommandEntry]) -> None:
        self._loaded = dict(loaded)
        self._table = table

    def _names(self) -> list[str]:
        return [*self._table, *(n for n in self._loaded if n not in self._table)]

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            entry = self._table.get(name)
            if entry is None:
                raise KeyError(name)
            self._loaded.update(load_commands(entry.module))
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._table


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from :data:`COMMAND_MODULES`, imported on use.

    Its own help is plain Click help built from the table, so ``--help`` imports
    neither the command modules nor Typer's rich help renderer.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands(self.commands, COMMAND_MODULES)

    def list_commands(self, ctx: Any) -> list[str]:
        """Command names in ``--help`` order, without importing any command module."""
        return list(self.commands)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Write the ``Commands`` section from :data:`COMMAND_MODULES`."""
        rows = [(name, entry.help) for name, entry in COMMAND_MODULES.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"stridecheck {__version__}")
        raise typer.Exit()


_LOG_FORMAT = "stridecheck: %(levelname)s: %(name)s: %(message)s"


class _DiagnosticsHandler(logging.StreamHandler):
    """Standard error, one line a record (the command line's ``-v``/``-q`` handler).

    The stream is looked up at each record, so a replaced ``sys.stderr`` (a
    test runner, a second run in one process) gets the lines.
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        """Ignored: the handler always writes to the current ``sys.stderr``."""


def _configure_logging(verbose: int, quiet: bool) -> None:
    """Send the ``stridecheck`` loggers to standard error.

    Warnings by default, what is done with ``-v``, debugging detail with
    ``-vv``, only errors with ``-q``.
    """
    if quiet:
        level = logging.ERROR
    elif verbose >= 2:
        level = logging.DEBUG
    elif verbose == 1:
        level = logging.INFO
    else:
        level = logging.WARNING
    logger = logging.getLogger("stridecheck")
    logger.setLevel(level)
    if not any(isinstance(h, _DiagnosticsHandler) for h in logger.handlers):
        handler = _DiagnosticsHandler()
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        logger.addHandler(handler)


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
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            show_default=False,
            help="Diagnostics on standard error: -v what is done, -vv debugging detail.",
        ),
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only errors on standard error.")
    ] = False,
) -> None:
    """Did this person do the run-walk session they were prescribed?

    Reads FIT, GPX and TCX files (bare or in .gz / .zip) into one canonical
    form. Exit status: 0 ok, 1 internal error, 2 bad input.
    """
    _configure_logging(verbose, quiet)


def _root_app(**options: Any) -> typer.Typer:
    """The Typer application with the root options; ``options`` set the group class and markup."""
    app = typer.Typer(
        name="stridecheck",
        help=_APP_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings=_CONTEXT,
        **options,
    )
    app.callback()(_root)
    return app


def build_app() -> typer.Typer:
    """The application: the root options, every command imported on first use."""
    return _root_app(cls=LazyGroup, rich_markup_mode=None)


def full_app() -> typer.Typer:
    """The application with every command module imported (docs, tests, completion)."""
    app = _root_app(rich_markup_mode="rich")
    for module in dict.fromkeys(entry.module for entry in COMMAND_MODULES.values()):
        importlib.import_module(f"stridecheck.cli.{module}").register(app)
    return app
