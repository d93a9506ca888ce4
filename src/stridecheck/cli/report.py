"""``stridecheck report``: the coach report of stored athletes as HTML (and PDF)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from stridecheck.cli._common import fail, guarded, require_extra
from stridecheck.cli.store import DbOption
from stridecheck.report import (
    LANGUAGES,
    athlete_data_from_store,
    get_lang,
    render_report,
    store_athletes,
)
from stridecheck.store import Store

__all__ = ["parse_weeks", "register", "report_command"]


def parse_weeks(text: str) -> tuple[int, int]:
    """Parse ``--weeks``: ``"3"`` or ``"1-12"`` into ``(first, last)``, weeks from 1."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if match is None:
        fail("--weeks", f"give a week or a range of weeks such as 1-12, not {text!r}")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first < 1 or last < first:
        fail("--weeks", f"not a range of weeks from 1: {text!r}")
    return first, last


def report_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="HTML file to write.", show_default=False)
    ],
    *,
    athlete: Annotated[
        list[str] | None,
        typer.Option(
            "--athlete", "-a", help="Athlete name (repeat for several).", show_default=False
        ),
    ] = None,
    all_athletes: Annotated[
        bool, typer.Option("--all", help="Every enrolled athlete (adds the group table).")
    ] = False,
    weeks: Annotated[
        str | None,
        typer.Option(
            "--weeks",
            help="Only these program weeks, e.g. 1-12 (later sessions are not counted).",
            show_default=False,
        ),
    ] = None,
    pdf: Annotated[
        Path | None,
        typer.Option("--pdf", help="Also write the report as a PDF.", show_default=False),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help=f"Language: {', '.join(LANGUAGES)}.")] = "en",
    db: DbOption = None,
) -> None:
    """Write the coach report: adherence, session grid, timelines, findings, methods.

    One self-contained HTML file (works offline; charts and scripts inlined).
    """
    get_lang(lang)  # a bad --lang fails before any work
    if pdf is not None:
        require_extra("report --pdf", "pdf")
    if bool(athlete) == all_athletes:
        fail("--athlete", "give --athlete NAME (one or more) or --all")
    week_range = parse_weeks(weeks) if weeks is not None else None
    for path in (out, pdf):
        if path is not None and not path.resolve().parent.is_dir():
            fail(path, f"folder {path.resolve().parent} does not exist")
    with Store.open(db, create=False) as store:
        names = store_athletes(store) if all_athletes else list(athlete or [])
        if not names:
            fail(str(store.path), "no athlete is enrolled in a program")
        data = [athlete_data_from_store(store, name, weeks=week_range) for name in names]
    written = render_report(data, out, pdf=pdf, lang=lang)
    if pdf is not None:
        typer.echo(f"PDF written to {pdf}")
    typer.echo(f"Report written to {written}")


def register(app: typer.Typer) -> None:
    """Add ``report`` to the application."""
    app.command("report")(guarded(report_command))
