"""``stridecheck cohort``: adherence tables for a folder of participants."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from stridecheck.cli._common import err_console, fail, guarded, report_warning, require_extra
from stridecheck.cli.store import parse_date
from stridecheck.cohort import run_cohort, write_tables
from stridecheck.programs import Program, load_program

__all__ = ["register"]


class TableFormat(StrEnum):
    """Output format of the cohort tables."""

    CSV = "csv"
    PARQUET = "parquet"


def cohort_command(
    cohort_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder with one folder per participant (activity files + enrollment.toml).",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for the tables.", show_default=False),
    ],
    *,
    program: Annotated[
        str | None,
        typer.Option(
            "--program",
            "-p",
            help="Program (built-in name or TOML file) for participants whose "
            "enrollment.toml names none.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        TableFormat, typer.Option("--format", help="Table format.", case_sensitive=False)
    ] = TableFormat.CSV,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-j",
            min=1,
            help="Local worker processes (default: one per CPU).",
            show_default=False,
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Run on a Dask cluster: scheduler address, e.g. tcp://host:8786.",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Evaluation date YYYY-MM-DD: later sessions are upcoming (default: all due).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Replace existing tables in --out.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print what was done as JSON: participants, files, speed, tables written "
            "and the errors table's rows.",
        ),
    ] = False,
) -> None:
    """Adherence of a cohort: tidy tables sessions, weekly, participants and errors.

    A file that cannot be read is listed in the errors table; the run goes on.
    """
    if workers is not None and dask is not None:
        fail("--dask", "use either --workers or --dask, not both")
    if dask is not None:
        require_extra("cohort --dask", "dask")
    prog: Program | None = load_program(program) if program is not None else None
    evaluation = parse_date(as_of, "--as-of") if as_of is not None else None
    progress = Progress(
        TextColumn("participants"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[files]} files"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    with progress:
        task = progress.add_task("cohort", total=None, files=0)

        def advance(done: int, total: int, files: int) -> None:
            progress.update(task, completed=done, total=total, files=files)

        result = run_cohort(
            cohort_dir,
            prog,
            workers=workers,
            dask_address=dask,
            as_of=evaluation,
            progress=advance,
        )
    paths = write_tables(result.tables, out, fmt.value, force=force)
    errors = result.tables["errors"]
    for row in errors.itertuples(index=False):
        report_warning(f"{row.participant}/{row.file}", f"{row.error}: {row.reason}")
    if as_json:
        document = {
            "participants": result.participants,
            "files": result.files,
            "elapsed_s": round(result.elapsed_s, 3),
            "files_per_s": round(result.files_per_s, 2),
            "out": str(out),
            "tables": [str(p) for p in paths],
            "errors": [
                {str(k): str(v) for k, v in row.items()}
                for row in errors.to_dict(orient="records")
            ],
        }
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(
        f"{result.participants} participants, {result.files} files in {result.elapsed_s:.1f} s "
        f"({result.files_per_s:.1f} files/s), {len(errors)} errors; wrote "
        + ", ".join(p.name for p in paths)
        + f" to {out}"
    )


def register(app: typer.Typer) -> None:
    """Add the ``cohort`` command to the application."""
    app.command("cohort")(guarded(cohort_command))
