"""Store commands: ``import``, ``athletes``, ``enroll`` and ``note``.

Each takes ``--db PATH``; without it the database is ``$STRIDECHECK_DB`` or
``stridecheck.db`` in the user data folder (see :mod:`stridecheck.store.db`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from stridecheck.cli._common import (
    EXIT_INPUT,
    err_console,
    fail,
    guarded,
    out_console,
    report_error,
    report_warning,
)
from stridecheck.compliance import AdherenceReport
from stridecheck.errors import InputError
from stridecheck.importer import (
    AUTO_POOL_MIN_FILES,
    ImportSummary,
    count_candidates,
    import_paths,
)
from stridecheck.pipeline import athlete_adherence, refresh_results
from stridecheck.programs import load_program
from stridecheck.store import Store, resolve_db_path

__all__ = ["DbOption", "parse_date", "register", "stored_adherence"]

#: The ``--db`` option shared by the store commands.
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Database file (default: $STRIDECHECK_DB, else stridecheck.db in the user data "
        "folder).",
        show_default=False,
    ),
]


def parse_date(text: str, option: str) -> dt.date:
    """A ``YYYY-MM-DD`` date from an option; bad input is an :class:`InputError`."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(option, f"{text!r} is not a date like 2026-03-02")


class _FilesPerSecond(ProgressColumn):
    """Throughput of the import. [files/s]"""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- files/s" if speed is None else f"{speed:.1f} files/s", style="cyan")


def print_import_summary(summary: ImportSummary, athlete: str | None = None) -> None:
    """The import's one-line summary, then a line per rejected file and per foreign duplicate.

    Rejected files are errors (``stridecheck: error: <file>: rejected: <reason>``);
    a duplicate already stored for another athlete than ``athlete`` is a warning
    naming that athlete.
    """
    typer.echo(
        f"imported {len(summary.imported)}, duplicates {len(summary.duplicates)}, "
        f"rejected {len(summary.rejected)}, skipped (not activity files) {len(summary.skipped)} "
        f"in {summary.elapsed_s:.1f} s ({summary.files_per_s:.1f} files/s)"
    )
    for label, owner in summary.duplicate_owners.items():
        if athlete is not None and owner != athlete:
            report_warning(label, f"duplicate: already stored for athlete {owner!r}; not added")
    for rejection in summary.rejected:
        report_error(InputError(rejection.source, f"rejected: {rejection.reason}"))


def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Activity files (FIT, GPX, TCX, also .gz), folders (walked recursively) and "
            "Garmin / Strava bulk-export zips.",
            show_default=False,
        ),
    ],
    athlete: Annotated[
        str,
        typer.Option(
            "--athlete",
            "-a",
            help="Whose activities these are (added when new).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-j",
            min=1,
            help="Processes reading and analysing files (default: one per CPU for more than "
            f"{AUTO_POOL_MIN_FILES} new files).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import activities into the store, once each, scoring them against the enrolled program.

    The same content is stored once however often it is imported; each activity
    is stored with its intervals and compliance in one transaction. Exit status 2
    when any file was rejected (the others are stored; each rejected file gets
    an error line with the reason).
    """
    total = count_candidates(paths)
    with Store.open(db) as store:
        progress = Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            _FilesPerSecond(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=as_json or not err_console.is_terminal,
        )
        with progress:
            task = progress.add_task("import", total=total)

            def advance(summary: ImportSummary) -> None:
                done = summary.processed
                progress.update(task, completed=done, total=max(total, done))

            summary = import_paths(store, paths, athlete, workers=workers, progress=advance)
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
        for rejection in summary.rejected:
            report_error(InputError(rejection.source, f"rejected: {rejection.reason}"))
    else:
        print_import_summary(summary, athlete)
    if summary.rejected:
        raise typer.Exit(EXIT_INPUT)


def athletes_command(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the athletes in the store with their activities, enrolment and notes."""
    if not resolve_db_path(db).exists():  # nothing stored yet: say so, create nothing
        rows = []
    else:
        with Store.open(db, create=False) as store:
            rows = store.athletes_summary()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"Athletes ({len(rows)})", title_justify="left")
    for column in ("athlete", "activities", "last activity", "program", "start", "notes", "AE"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["athlete"],
            str(row["activities"]),
            (row["last_activity"] or "-")[:16],
            row["program"] or "-",
            row["start_date"] or "-",
            str(row["notes"]),
            str(row["adverse_events"]),
        )
    out_console.print(table)


def enroll_command(
    athlete: Annotated[
        str, typer.Argument(help="Athlete name (added when new).", show_default=False)
    ],
    program: Annotated[
        str,
        typer.Option(
            "--program",
            "-p",
            help="Built-in program name or program TOML file.",
            show_default=False,
        ),
    ],
    start: Annotated[
        str,
        typer.Option("--start", help="First day of the program, YYYY-MM-DD.", show_default=False),
    ],
    db: DbOption = None,
) -> None:
    """Enrol an athlete in a program from a start date and rescore their stored activities."""
    start_date = parse_date(start, "--start")
    prog = load_program(program)
    with Store.open(db) as store:
        enrolment = store.enroll(athlete, prog, start_date)
        redone = refresh_results(store, enrolment.athlete)
    typer.echo(
        f"Enrolled {enrolment.athlete} in {enrolment.program_name!r} from "
        f"{enrolment.start_date.isoformat()} (program {enrolment.program_sha256[:12]}); "
        f"{redone} stored activities scored."
    )


def note_command(
    athlete: Annotated[str, typer.Argument(help="Athlete name.", show_default=False)],
    text: Annotated[str, typer.Argument(help="Free text.")] = "",
    *,
    session: Annotated[
        str,
        typer.Option(
            "--session", "-s", help="Prescribed session id, e.g. W3S2.", show_default=False
        ),
    ] = "",
    pain_before: Annotated[
        float | None,
        typer.Option(
            "--pain-before",
            help="Pain before the session, 0-100 (visual analogue scale).",
            show_default=False,
        ),
    ] = None,
    pain_after: Annotated[
        float | None,
        typer.Option(
            "--pain-after",
            help="Pain after the session, 0-100 (visual analogue scale).",
            show_default=False,
        ),
    ] = None,
    rpe: Annotated[
        int | None,
        typer.Option(
            "--rpe", help="Rating of perceived exertion, 6-20 (Borg).", show_default=False
        ),
    ] = None,
    adverse: Annotated[
        bool, typer.Option("--adverse", help="Flag an adverse event (e.g. injury, a fall).")
    ] = False,
    clear: Annotated[
        bool,
        typer.Option(
            "--clear",
            help="A coach's clearance after an adverse event (TEXT says who cleared it and "
            "why): progression is blocked until one is recorded.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Record how a prescribed session went: pain, exertion, an adverse event, free text.

    With --clear the note is a coach's clearance: adverse events noted before it
    no longer block later weeks from progressing (their own week stays "not ready").
    """
    if clear and adverse:
        fail("--clear", "a note is either an adverse event or a clearance, not both")
    if not session.strip():
        fail("--session", "give the prescribed session id, e.g. --session W3S2")
    with Store.open(db, create=False) as store:
        note_id = store.add_note(
            athlete,
            session.strip(),
            pain_before=pain_before,
            pain_after=pain_after,
            rpe=rpe,
            adverse_event=adverse,
            text=text,
            clearance=clear,
        )
    flag = " (adverse event)" if adverse else " (clearance)" if clear else ""
    typer.echo(f"Note {note_id} saved for {athlete.strip()}, session {session.strip()}{flag}.")


def stored_adherence(
    athlete: str, db: Path | None, *, as_of: dt.date | None, done_score: float = 50.0
) -> AdherenceReport:
    """Adherence of a stored athlete (``adherence --athlete``), stale results recomputed."""
    with Store.open(db, create=False) as store:
        return athlete_adherence(store, athlete, as_of=as_of, done_score=done_score)


def register(app: typer.Typer) -> None:
    """Add ``import``, ``athletes``, ``enroll`` and ``note`` to the application."""
    app.command("import")(guarded(import_command))
    app.command("athletes")(guarded(athletes_command))
    app.command("enroll")(guarded(enroll_command))
    app.command("note")(guarded(note_command))
