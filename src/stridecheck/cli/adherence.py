"""``stridecheck adherence``: how well a person kept to a program, from their activity files.

Tables for people; ``--json`` gives the document of
:meth:`stridecheck.compliance.AdherenceReport.to_dict` (``program``, ``start``,
``as_of``, ``summary``, ``weeks``, ``sessions``, ``unplanned``, ``interruptions``,
``methods_text``; attendance, dose, fidelity and the progression reasons are in
``summary``, ``weeks`` and ``sessions``); ``--csv`` one row per prescribed session, then one per
unplanned activity (``status`` ``unplanned``).

Also home of :func:`format_compliance_table`, the compliance table that
``analyze --program`` prints.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from stridecheck.cli._common import (
    fail,
    format_duration,
    format_number,
    format_text,
    guarded,
    out_console,
    report_warning,
)
from stridecheck.cli.info import read_quietly
from stridecheck.cli.store import DbOption, stored_adherence
from stridecheck.compliance import (
    AdherenceReport,
    ScoredActivity,
    SessionCompliance,
    adherence,
)
from stridecheck.pipeline import scored_activity
from stridecheck.programs import Program, Session, load_program

__all__ = [
    "adherence_csv",
    "format_adherence_tables",
    "format_compliance_table",
    "load_program_option",
    "prescribed_session",
    "register",
]

_VERDICT_STYLE = {
    "done": "green",
    "short": "yellow",
    "wrong_kind": "red",
    "missed": "red",
    "not_reached": "dim",
    "uncertain": "magenta",
}
_CATEGORY_STYLE = {
    "completed": "bold green",
    "partial": "bold yellow",
    "not_completed": "bold red",
    "missed": "red",
    "upcoming": "dim",
}


def _pct(value: float | None) -> str:
    return format_number(value, ".0f", suffix="%")


def load_program_option(value: str) -> Program:
    """Load ``--program`` (a built-in name or a TOML path); bad input exits with status 2."""
    return load_program(value)


def prescribed_session(program: str, session: str | None = None) -> tuple[Program, Session | None]:
    """The program and session of ``analyze --program P [--session ID|auto]``.

    Parameters
    ----------
    program
        A built-in program name or a TOML path.
    session
        A session id, or ``"auto"`` / ``None`` for the session that fits best
        (then the session returned is ``None``).

    Raises
    ------
    stridecheck.errors.StrideCheckError
        For an unknown program or session (the command line exits with status 2).
    """
    plan = load_program_option(program)
    if session is None or session.strip().lower() == "auto":
        return plan, None
    try:
        return plan, plan.session(session.strip())
    except KeyError:
        fail(
            session, f"no such session in {plan.name!r}; sessions: " + ", ".join(plan.session_ids)
        )


def format_compliance_table(result: SessionCompliance, *, title: str | None = None) -> Table:
    """Render one session's compliance as a rich table (one row per step).

    Columns: #, step (label), kind, prescribed, matched (time in the prescribed
    kind), offset (aligned start less prescribed start), verdict. The caption
    gives the score, category, run / walk compliance and the reasons.
    """
    heading = (
        f"Compliance with {result.session_id}: {format_number(result.score)}/100 "
        f"[{_CATEGORY_STYLE[result.category]}]{result.category}[/]"
    )
    table = Table(title=title or heading, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("step")
    table.add_column("kind")
    table.add_column("prescribed", justify="right", no_wrap=True)
    table.add_column("matched", justify="right", no_wrap=True)
    table.add_column("offset", justify="right", no_wrap=True)
    table.add_column("verdict")
    for step in result.steps:
        offset = (
            "-" if step.window_s <= 0 else format_number(step.start_offset_s, "+.0f", suffix=" s")
        )
        style = _VERDICT_STYLE[step.verdict]
        table.add_row(
            str(step.index + 1),
            step.label,
            step.kind,
            format_duration(step.prescribed_s),
            format_duration(step.matched_s),
            offset,
            f"[{style}]{step.verdict}[/]",
        )
    lines = [
        f"run {_pct(result.run_compliance_pct)}, walk {_pct(result.walk_compliance_pct)}, "
        f"walk breaks {_pct(result.walk_break_compliance_pct)}"
        + (
            f", intensity {_pct(result.intensity_compliance_pct)}"
            if result.intensity_compliance_pct is not None
            else ""
        ),
        *result.reasons,
    ]
    table.caption = "\n".join(lines)
    table.caption_justify = "left"
    return table


def _weeks_table(report: AdherenceReport) -> Table:
    table = Table(title=f"{report.program}: weeks", title_justify="left")
    for name, justify in (
        ("week", "right"),
        ("from", "left"),
        ("attended", "right"),
        ("done", "right"),
        ("completed", "right"),
        ("mean score", "right"),
        ("run min", "right"),
        ("run km", "right"),
        ("RDI", "right"),
        ("AE", "right"),
        ("ready", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    records: list[dict[str, Any]] = report.weeks.to_dict(orient="records")  # type: ignore[assignment]
    for row in records:
        ready = row["progression_ready"]
        score = float(row["mean_score"])
        answer = "-" if ready is None else ("[green]yes[/]" if ready else "[bold red]no[/]")
        rdi = row.get("rdi_pct")
        adverse = int(row.get("adverse_events") or 0)
        table.add_row(
            format_text(row["week"]),
            format_text(row["start_date"]),
            f"{row.get('attended', 0)}/{row['due']}",
            f"{row['done']}/{row['due']}",
            f"{row['completed']}/{row['due']}",
            format_number(score),
            format_number(row["run_min"], ".1f"),
            format_number(row["run_km"], ".2f"),
            _pct(None if rdi is None else float(rdi)),
            f"[bold red]{adverse}[/]" if adverse else "0",
            answer,
        )
    return table


def _sessions_table(report: AdherenceReport) -> Table:
    table = Table(title="Sessions", title_justify="left")
    for name in ("date", "session", "status", "score", "run", "walk", "activity"):
        table.add_column(name, justify="right" if name in ("score", "run", "walk") else "left")
    records: list[dict[str, Any]] = report.sessions.to_dict(orient="records")  # type: ignore[assignment]
    for row in records:
        status = str(row["status"])
        score = float(row["score"])
        table.add_row(
            format_text(row["date"]),
            format_text(row["session_id"]),
            f"[{_CATEGORY_STYLE.get(status, '')}]{status}[/]",
            format_number(score),
            _pct(row["run_compliance_pct"]),
            _pct(row["walk_compliance_pct"]),
            format_text(row["activity"]),
        )
    return table


def _summary_lines(report: AdherenceReport) -> list[str]:
    s = report.summary

    def num(key: str, fmt: str) -> str:
        value = s.get(key)
        return "-" if value is None else format(value, fmt)

    lines = [
        f"attendance {num('attendance_pct', '.0f')}% ({s.get('sessions_attended', 0)} of "
        f"{s['sessions_prescribed']} sessions attended)",
        f"adherence {num('adherence_pct', '.0f')}% ({s['sessions_done']} of "
        f"{s['sessions_prescribed']} sessions done, {s['sessions_completed']} completed)",
        f"dose: running {num('performed_run_min', '.0f')} of {num('prescribed_run_min', '.0f')} "
        f"min prescribed, relative dose intensity {num('rdi_pct', '.0f')}%; run steps at the "
        f"prescribed duration {num('run_steps_done_pct', '.0f')}%, walk breaks kept "
        f"{num('walk_breaks_kept_pct', '.0f')}%",
        f"sessions per week {num('sessions_per_week', '.1f')}; weekly running "
        f"{num('weekly_run_km', '.2f')} km, {num('weekly_run_min', '.1f')} min",
        f"interruptions (3+ sessions missed in a row): {s['interruptions']}; "
        f"weeks ready to progress: {s['weeks_progression_ready']} of {s['weeks_assessed']}",
    ]
    if s.get("discontinued"):
        kind = "early termination" if s.get("early_termination") else "discontinued"
        lines.append(
            f"{kind}: nothing attended after {s.get('discontinuation_date') or 'the start'}"
        )
    if s.get("adverse_events"):
        lines.append(
            f"[bold red]adverse events: {s['adverse_events']} "
            f"({s.get('adverse_events_uncleared', 0)} not yet cleared by a coach)[/]"
        )
    if s["unplanned_activities"]:
        lines.append(f"unplanned activities: {s['unplanned_activities']}")
    return lines


def _reason_lines(report: AdherenceReport) -> list[str]:
    """Why each week is or is not ready to progress (adverse events in red)."""
    lines: list[str] = []
    for row in report.weeks.to_dict(orient="records"):
        reason = row.get("progression_reason")
        if not reason:
            continue
        style = "red" if row.get("progression_ready") is False else "default"
        if int(row.get("adverse_events") or 0):
            style = "bold red"
        lines.append(f"week {row['week']}: [{style}]{escape(str(reason))}[/]")
    return lines


def format_adherence_tables(report: AdherenceReport) -> list[Table | str]:
    """What ``adherence`` prints: the weeks with why each is (not) ready to progress, the
    sessions, then summary lines."""
    out: list[Table | str] = [_weeks_table(report), *_reason_lines(report)]
    out.append(_sessions_table(report))
    for row in report.unplanned.to_dict(orient="records"):
        out.append(f"unplanned: {row['activity']} ({row['reason']})")
    out.extend(_summary_lines(report))
    return out


def adherence_csv(report: AdherenceReport) -> str:
    """One row per prescribed session, then one per unplanned activity (CSV text)."""
    sessions = report.sessions.copy()
    unplanned = pd.DataFrame(
        {
            "week": report.unplanned["week"],
            "status": "unplanned",
            "activity": report.unplanned["activity"],
            "activity_start": report.unplanned["start"],
        }
    )
    frame = pd.concat([sessions, unplanned], ignore_index=True) if len(unplanned) else sessions
    for col in ("score", "run_compliance_pct", "walk_compliance_pct"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").round(1)
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text


def _parse_date(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        fail(option, f"not a date (YYYY-MM-DD): {value!r}")


def register(app: typer.Typer) -> None:
    """Add the ``adherence`` command to the command line."""

    @app.command("adherence")
    @guarded
    def adherence_command(
        files: Annotated[
            list[Path] | None,
            typer.Argument(help="Activity files (FIT, GPX, TCX; .gz/.zip)."),
        ] = None,
        *,
        program: Annotated[
            str | None,
            typer.Option("--program", help="Program: a built-in name or a TOML file."),
        ] = None,
        start: Annotated[
            str | None, typer.Option("--start", help="First day of week 1 (YYYY-MM-DD).")
        ] = None,
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of",
                help="Evaluation date (YYYY-MM-DD): later sessions are upcoming. Default: today.",
            ),
        ] = None,
        done_score: Annotated[
            float, typer.Option("--done-score", help="Lowest score of a session counted as done.")
        ] = 50.0,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="Print the sessions as CSV.")] = False,
        strict: Annotated[
            bool, typer.Option("--strict", help="Treat any problem in a file as an error.")
        ] = False,
        athlete: Annotated[
            str | None,
            typer.Option(
                "--athlete",
                help="Instead of FILES: a stored athlete's activities and enrolment (see "
                "'stridecheck import' and 'stridecheck enroll').",
            ),
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Adherence to a program: sessions done, scores, weekly running, interruptions."""
        if as_json and as_csv:
            fail("--csv", "choose one of --json and --csv")
        until = _parse_date("--as-of", as_of) if as_of else dt.datetime.now(dt.UTC).date()
        if athlete is not None:
            if files or program is not None or start is not None:
                fail("--athlete", "give either --athlete or FILES with --program and --start")
            report = stored_adherence(athlete, db, as_of=until, done_score=done_score)
        elif not files or program is None or start is None:
            fail("--program", "give FILES with --program and --start, or --athlete NAME")
        else:
            first = _parse_date("--start", start)
            plan = load_program_option(program)
            scored: list[ScoredActivity] = []
            for path in files:
                activity = read_quietly(path, strict=strict)
                item = scored_activity(activity, path.name)
                if not (as_json or as_csv):
                    for message in activity.meta.warnings:
                        report_warning(path, message)
                scored.append(item)
            report = adherence(plan, first, scored, as_of=until, done_score=done_score)
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2, allow_nan=False))
            return
        if as_csv:
            typer.echo(adherence_csv(report), nl=False)
            return
        for block in format_adherence_tables(report):
            out_console.print(block)
