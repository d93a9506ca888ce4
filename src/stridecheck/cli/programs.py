"""``stridecheck programs``: prescribed programs and FIT workouts.

Sub-commands:

- ``programs list``: the built-in programs (name, weeks, sessions, description);
- ``programs show NAME [--session ID]``: a program's sessions, or one session's bouts;
- ``programs export NAME [--out F.toml] [--session ID] [--fit OUT.fit]``: a program
  (or one session) as TOML, or one session as a FIT workout a watch can cue;
- ``programs import-fit FILE.fit``: a FIT workout's steps as a program file;
- ``programs validate FILE.toml...``: check program files (file, line, problem);
- ``programs schema``: the JSON Schema of program files, for editors.

``NAME`` is a built-in program name or a TOML file path.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from stridecheck.cli._common import (
    EXIT_INPUT,
    atomic_output,
    fail,
    format_duration,
    guarded,
    out_console,
    report_error,
    report_warning,
)
from stridecheck.errors import ErrorPolicy, StrideCheckError
from stridecheck.programs.catalog import builtin_text, list_builtin, load_program
from stridecheck.programs.fit_workout import fit_workout_to_session, session_to_fit_workout
from stridecheck.programs.model import Program, Session
from stridecheck.programs.schema import schema_text
from stridecheck.programs.toml import dumps_program, load_program_file

__all__ = ["programs_app", "register"]

programs_app = typer.Typer(
    name="programs",
    help="Prescribed run-walk programs: list, show, export (TOML or FIT workout), import.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="A built-in program name or a TOML file path.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")]


def register(app: typer.Typer) -> None:
    """Add the ``programs`` command group to the main ``stridecheck`` app."""
    app.add_typer(programs_app, name="programs")


def _session(program: Program, session_id: str) -> Session:
    try:
        return program.session(session_id)
    except KeyError:
        fail(
            session_id,
            f"no such session in {program.name!r}; sessions: " + ", ".join(program.session_ids),
        )


def _write_text(path: Path, text: str, *, force: bool) -> None:
    with atomic_output(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _write_bytes(path: Path, data: bytes, *, force: bool) -> None:
    with atomic_output(path, force=force) as tmp:
        tmp.write_bytes(data)


def _weeks(program: Program) -> str:
    weeks = program.n_weeks
    return "-" if weeks is None else str(weeks)


@programs_app.command("list")
@guarded
def list_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    """List the built-in programs."""
    rows: list[dict[str, Any]] = []
    for name in list_builtin():
        program = load_program(name)
        rows.append(
            {
                "name": name,
                "title": program.name,
                "weeks": program.n_weeks,
                "sessions": len(program.sessions),
                "description": program.description,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="Built-in programs")
    for column in ("name", "weeks", "sessions", "description"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            Text(row["name"]),
            Text("-" if row["weeks"] is None else str(row["weeks"])),
            Text(str(row["sessions"])),
            Text(row["description"] or row["title"]),
        )
    out_console.print(table)


@programs_app.command("show")
@guarded
def show_command(
    name: NameArg,
    session_id: Annotated[
        str | None, typer.Option("--session", help="Show this session's bouts.")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print JSON (durations in seconds) instead of tables."),
    ] = False,
) -> None:
    """Show a program's sessions, or one session bout by bout."""
    program = load_program(name)
    if session_id is not None:
        session = _session(program, session_id)
        if as_json:
            typer.echo(json.dumps(session_document(program, session), indent=2))
        else:
            _show_session(program, session)
        return
    if as_json:
        typer.echo(json.dumps(program_document(program), indent=2))
        return
    out_console.print(Text(program.name, style="bold"))
    facts = [
        f"sport: {program.sport}",
        f"weeks: {_weeks(program)}",
        f"sessions: {len(program.sessions)}",
    ]
    out_console.print(Text("; ".join(facts)))
    for label, value in (("description", program.description), ("source", program.source)):
        if value:
            out_console.print(Text(f"{label}: {value}"))
    table = Table()
    for column in ("id", "week", "duration", "run", "walk", "steps"):
        table.add_column(column, overflow="fold")
    for session in program.sessions:
        table.add_row(
            Text(session.id),
            Text("-" if session.week is None else str(session.week)),
            Text(format_duration(session.duration_s)),
            Text(format_duration(session.run_s)),
            Text(format_duration(session.walk_s)),
            Text(session.describe()),
        )
    out_console.print(table)


def program_document(program: Program) -> dict[str, Any]:
    """What ``programs show NAME --json`` prints: the program and a row per session.

    Keys: ``name``, ``sport``, ``weeks``, ``sessions_per_week``, ``description``,
    ``source`` and ``sessions`` (``id``, ``week``, ``duration_s``, ``run_s``,
    ``walk_s`` [s], ``steps`` in words), the columns of the table.
    """
    return {
        "name": program.name,
        "sport": program.sport,
        "weeks": program.n_weeks,
        "sessions_per_week": program.sessions_per_week,
        "description": program.description,
        "source": program.source,
        "sessions": [
            {
                "id": session.id,
                "week": session.week,
                "duration_s": session.duration_s,
                "run_s": session.run_s,
                "walk_s": session.walk_s,
                "steps": session.describe(),
            }
            for session in program.sessions
        ],
    }


def session_document(program: Program, session: Session) -> dict[str, Any]:
    """What ``programs show NAME --session ID --json`` prints: the session bout by bout.

    Keys: ``program``, ``id``, ``week``, ``duration_s``, ``run_s``, ``walk_s``
    [s], ``notes`` and ``bouts`` (``index`` from 1, ``kind``, ``start_s``,
    ``duration_s`` [s], ``step`` label, ``targets`` in words).
    """
    return {
        "program": program.name,
        "id": session.id,
        "week": session.week,
        "duration_s": session.duration_s,
        "run_s": session.run_s,
        "walk_s": session.walk_s,
        "notes": session.notes,
        "bouts": [
            {
                "index": step.index + 1,
                "kind": step.kind,
                "start_s": step.start_s,
                "duration_s": step.duration_s,
                "step": step.label,
                "targets": step.targets.describe() or None,
            }
            for step in session.flatten()
        ],
    }


def _show_session(program: Program, session: Session) -> None:
    title = f"{program.name}: session {session.id}"
    if session.week is not None:
        title += f" (week {session.week})"
    out_console.print(Text(title, style="bold"))
    out_console.print(
        Text(
            f"duration {format_duration(session.duration_s)}, "
            f"run {format_duration(session.run_s)}, walk {format_duration(session.walk_s)}"
        )
    )
    if session.notes:
        out_console.print(Text(session.notes))
    table = Table()
    for column in ("#", "kind", "start", "duration", "step", "targets"):
        table.add_column(column, overflow="fold")
    for step in session.flatten():
        table.add_row(
            Text(str(step.index + 1)),
            Text(step.kind),
            Text(format_duration(step.start_s)),
            Text(format_duration(step.duration_s)),
            Text(step.label),
            Text(step.targets.describe()),
        )
    out_console.print(table)


@programs_app.command("export")
@guarded
def export_command(
    name: NameArg,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the program (or session) as TOML here.")
    ] = None,
    session_id: Annotated[
        str | None, typer.Option("--session", help="Export only this session.")
    ] = None,
    fit: Annotated[
        Path | None,
        typer.Option("--fit", help="Write the session (needs --session) as a FIT workout here."),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Export a program as TOML, or one session as TOML or a FIT workout.

    Without --out or --fit the TOML goes to standard output. A built-in program
    exported whole keeps its comments (its provenance).
    """
    program = load_program(name)
    if fit is not None and session_id is None:
        fail(fit, "--fit needs --session ID (a FIT workout holds one session)")
    if session_id is not None:
        session = _session(program, session_id)
        text = dumps_program(replace(program, sessions=(session,)))
        if fit is not None:
            _write_bytes(
                fit, session_to_fit_workout(session, program_name=program.name), force=force
            )
    elif name in list_builtin():
        text = builtin_text(name)
    else:
        text = dumps_program(program)
    if out is not None:
        _write_text(out, text, force=force)
    elif fit is None:
        typer.echo(text, nl=False)


@programs_app.command("import-fit")
@guarded
def import_fit_command(
    path: Annotated[Path, typer.Argument(help="A FIT workout file (or an activity with steps).")],
    session_id: Annotated[
        str | None,
        typer.Option("--session-id", help="Id of the session (default: the workout's name)."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the TOML here.")] = None,
    force: ForceOpt = False,
) -> None:
    """Print a FIT workout as a program file with one session (TOML)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(path, f"cannot be read ({exc.strerror or exc})")
    session = fit_workout_to_session(
        data, session_id=session_id, errors=ErrorPolicy.IGNORE, source_path=str(path)
    )
    for note in (session.notes or "").splitlines():
        report_warning(path, note)
    program = Program(name=session.name or path.stem, sessions=(session,))
    text = dumps_program(program, header=f"Imported from the FIT workout {path.name}")
    if out is not None:
        _write_text(out, text, force=force)
    else:
        typer.echo(text, nl=False)


@programs_app.command("validate")
@guarded
def validate_command(
    paths: Annotated[list[Path], typer.Argument(help="Program files (TOML).")],
) -> None:
    """Check program files; print each problem as file, line and problem."""
    failed = False
    for path in paths:
        try:
            program = load_program_file(path)
        except StrideCheckError as exc:
            report_error(exc)
            failed = True
            continue
        out_console.print(Text(f"{path}: ok ({program.name}; {len(program.sessions)} sessions)"))
    if failed:
        raise typer.Exit(EXIT_INPUT)


@programs_app.command("schema")
@guarded
def schema_command(
    out: Annotated[Path | None, typer.Option("--out", help="Write the schema here.")] = None,
    force: ForceOpt = False,
) -> None:
    """Print the JSON Schema of program files (for editors)."""
    text = schema_text()
    if out is not None:
        _write_text(out, text, force=force)
    else:
        typer.echo(text, nl=False)
