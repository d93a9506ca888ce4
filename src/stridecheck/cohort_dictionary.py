"""The data dictionary and CONSORT-style summary of the cohort tables.

:func:`datapackage` describes the tables :func:`stridecheck.cohort.write_tables`
writes as a Frictionless Data Package (https://specs.frictionlessdata.io):
one resource per table, each with a Table Schema giving every column's name,
type, unit, definition and the missing-value code (an empty cell). Statistical
packages read the CSV files directly (pandas ``read_csv``, R ``read.csv`` /
``frictionless::read_package``, Stata ``import delimited``); booleans are
written ``True`` / ``False``, dates ``YYYY-MM-DD`` and times ISO 8601 in UTC.

:func:`consort_table` counts participants through the programme, CONSORT
style: enrolled, analysed, attended at least once, completed the programme,
discontinued, early termination, and per week the participants attending and
still in the programme.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

__all__ = ["COLUMN_DEFINITIONS", "CONSORT_COLUMNS", "consort_table", "datapackage", "field_type"]

#: Columns of the ``consort`` table.
CONSORT_COLUMNS: tuple[str, ...] = (
    "stage",
    "week",
    "participants",
    "pct_of_enrolled",
    "definition",
)

#: ``column: (unit or "", definition)`` for every column the cohort tables may hold.
COLUMN_DEFINITIONS: dict[str, tuple[str, str]] = {
    "participant": ("", "Participant identifier (the name of their folder)."),
    "program": ("", "Name of the prescribed program."),
    "start": ("", "First day of program week 1."),
    "order": ("", "Position of the session in the program, from 0."),
    "week": ("", "Program week, from 1."),
    "slot": ("", "Position of the session within its week, from 1."),
    "session_id": ("", "Identifier of the prescribed session in the program."),
    "date": ("", "Calendar day the session was planned for."),
    "due": ("", "The session was due by the evaluation date (later sessions are upcoming)."),
    "status": (
        "",
        "completed (score >= 80), partial (50-79.9), not_completed (< 50), missed (no "
        "activity) or upcoming.",
    ),
    "done": ("", "Session done: its activity scored at least the done score (default 50)."),
    "score": (
        "0-100",
        "Compliance score of the matched activity (harmonic mean of run and walk compliance).",
    ),
    "category": ("", "Category of the matched activity's score (empty without an activity)."),
    "run_compliance_pct": ("%", "Share of the prescribed running time that was run."),
    "walk_compliance_pct": ("%", "Share of the prescribed walking time that was walked."),
    "activity": ("", "File of the activity matched to the session (empty: none)."),
    "activity_start": ("UTC", "Start time of the matched activity, ISO 8601 in UTC."),
    "attended": (
        "",
        "Session attended: an activity with at least the minimum moving time (default 5 min, "
        "or half the session's length if shorter) was matched to it, whatever was done.",
    ),
    "moving_min": ("min", "Walking and running time of the matched activity."),
    "prescribed_run_min": ("min", "Prescribed running time (of the sessions due)."),
    "performed_run_min": ("min", "Running time of the activities matched to the sessions."),
    "prescribed_run_km": (
        "km",
        "Prescribed running distance from the pace targets (empty when a run step has no pace "
        "target).",
    ),
    "performed_run_km": ("km", "Running distance of the activities matched to the sessions."),
    "run_steps": ("", "Run steps prescribed in the session."),
    "run_steps_done": ("", "Run steps done at the prescribed duration (step verdict 'done')."),
    "walk_breaks": ("", "Walk breaks (walks between two runs) prescribed in the session."),
    "walk_breaks_kept": ("", "Walk breaks kept (step verdict 'done')."),
    "pain_after": ("0-100", "Highest pain after the session reported in a note (VAS)."),
    "adverse_event": ("", "An adverse event was reported for the session."),
    "compliance_uncertain": (
        "",
        "The data cannot confirm every step of the session (GPS only, close gaits, gaps): "
        "its score range spans more than one category. The session counts as attended.",
    ),
    "uncertain_steps": ("", "Prescribed steps the data can neither confirm nor refute."),
    "score_low": ("", "Score with every uncertain step taken as not done (0-100)."),
    "score_high": ("", "Score with every uncertain step taken as done (0-100)."),
    "start_date": ("", "First day of the program week."),
    "prescribed": ("", "Sessions prescribed in the week."),
    "completed": ("", "Sessions completed (score >= 80) among those due."),
    "mean_score": ("0-100", "Mean compliance score of the sessions with an activity."),
    "run_min": ("min", "Running time of every activity in the week (unplanned ones included)."),
    "run_km": ("km", "Running distance of every activity in the week (unplanned included)."),
    "progression_ready": (
        "",
        "Ready to progress by the program's progression rules (empty while the week is not "
        "over and nothing unsafe was reported).",
    ),
    "attendance_pct": ("%", "Sessions attended / sessions due."),
    "rdi_pct": (
        "%",
        "Relative dose intensity: running time of the matched activities / prescribed running "
        "time of the sessions due.",
    ),
    "run_steps_done_pct": (
        "%",
        "Run steps done at the prescribed duration / run steps, over attended sessions.",
    ),
    "walk_breaks_kept_pct": ("%", "Walk breaks kept / walk breaks, over attended sessions."),
    "progression_reason": ("", "Why the week is or is not ready to progress, in words."),
    "max_pain_after": ("0-100", "Highest pain after a session of the week (VAS)."),
    "adverse_events": ("", "Adverse events reported."),
    "activities": ("", "Activities read for the participant."),
    "unplanned_activities": ("", "Activities not matched to a prescribed session."),
    "sessions_prescribed": ("", "Sessions due by the evaluation date."),
    "sessions_done": ("", "Sessions done (score >= 50)."),
    "sessions_completed": ("", "Sessions completed (score >= 80)."),
    "sessions_attended": ("", "Sessions attended (see 'attended')."),
    "adherence_pct": ("%", "Sessions done / sessions prescribed."),
    "completion_pct": ("%", "Sessions completed / sessions prescribed."),
    "sessions_per_week": ("1/week", "Sessions done per elapsed week."),
    "interruptions": ("", "Runs of 3 or more consecutive sessions due and not attended."),
    "longest_missed_run": ("", "Longest run of consecutive sessions due and not attended."),
    "weekly_run_km": ("km", "Mean weekly running distance over the elapsed weeks."),
    "weekly_run_km_first": ("km", "Running distance in the first elapsed week."),
    "weekly_run_km_last": ("km", "Running distance in the last elapsed week."),
    "weeks_progression_ready": ("", "Weeks ready to progress."),
    "weeks_assessed": ("", "Weeks assessed for progression."),
    "first_attended_date": ("", "Date of the first attended session."),
    "last_attended_date": ("", "Date of the last attended session."),
    "discontinued": (
        "",
        "Permanent discontinuation: the sessions due end with 3 or more not attended.",
    ),
    "discontinuation_date": (
        "",
        "Date of the last attended session of a discontinued "
        "participant (empty: not discontinued or never attended).",
    ),
    "discontinuation_week": ("", "Program week of the discontinuation date."),
    "early_termination": ("", "Discontinued with the whole program due."),
    "completed_program": (
        "",
        "Completed the program: every session due, not discontinued, a session attended in "
        "the last week.",
    ),
    "adverse_events_uncleared": ("", "Adverse events without a later clearance by a coach."),
    "files_rejected": ("", "Files that could not be read or analysed (see the errors table)."),
    "first_session": ("", "First session of the interruption."),
    "last_session": ("", "Last session of the interruption."),
    "first_date": ("", "Planned date of the interruption's first session."),
    "last_date": ("", "Planned date of the interruption's last session."),
    "sessions": ("", "Sessions in the interruption."),
    "file": ("", "The file, relative to the participant's folder."),
    "error": ("", "Kind of problem (error class)."),
    "reason": ("", "What is wrong, in words."),
    "stage": ("", "CONSORT stage (see 'definition')."),
    "participants": ("", "Participants at this stage."),
    "pct_of_enrolled": ("%", "Participants at this stage / participants enrolled."),
    "definition": ("", "What the stage counts."),
}

_TABLE_TITLES = {
    "sessions": "One row per participant and prescribed session.",
    "weekly": "One row per participant and program week.",
    "participants": "One row per participant: the trial's adherence measures.",
    "errors": "Files and enrolments that could not be used.",
    "interruptions": "One row per interruption (3 or more sessions in a row not attended).",
    "consort": "Participants through the program, CONSORT style.",
}


def _values(series: pd.Series) -> list[Any]:
    return [v for v in series.tolist() if v is not None and not _is_nan(v)]


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


#: Types of columns whose values do not show it (text dates, all-empty columns).
_TYPE_HINTS: dict[str, str] = {
    "start": "date",
    "progression_ready": "boolean",
    "first_attended_date": "date",
    "last_attended_date": "date",
    "discontinuation_date": "date",
    "discontinuation_week": "integer",
    "activity_start": "datetime",
    "start_date": "date",
    "first_date": "date",
    "last_date": "date",
    "date": "date",
}


def field_type(series: pd.Series) -> str:
    """Table Schema type of a column: integer, number, boolean, date, datetime, string."""
    hint = _TYPE_HINTS.get(str(series.name))
    if hint is not None:
        return hint
    if pd.api.types.is_bool_dtype(series.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(series.dtype):
        return "number"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "datetime"
    values = _values(series)
    if not values:
        return "string"
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "number"
    if all(isinstance(v, pd.Timestamp | dt.datetime) for v in values):
        return "datetime"
    if all(isinstance(v, dt.date) for v in values):
        return "date"
    return "string"


def _field(name: str, series: pd.Series) -> dict[str, Any]:
    unit, definition = COLUMN_DEFINITIONS.get(name, ("", ""))
    out: dict[str, Any] = {"name": name, "type": field_type(series)}
    if definition:
        out["description"] = definition
    if unit:
        out["unit"] = unit
    if out["type"] == "boolean":
        out["trueValues"] = ["True", "true"]
        out["falseValues"] = ["False", "false"]
    return out


def datapackage(
    tables: dict[str, pd.DataFrame], fmt: str, *, name: str = "stridecheck-cohort"
) -> dict[str, Any]:
    """The Data Package descriptor of the written tables (``datapackage.json``).

    Parameters
    ----------
    tables
        The tables as :func:`stridecheck.cohort.run_cohort` returns them (before
        dates are written as text), in the order they are written.
    fmt
        ``"csv"`` or ``"parquet"``.
    name
        Package name (lower case, ``-``, ``_`` and ``.`` only).
    """
    from stridecheck import __version__

    resources = []
    for table_name, table in tables.items():
        resource: dict[str, Any] = {
            "name": table_name,
            "path": f"{table_name}.{fmt}",
            "profile": "tabular-data-resource",
            "format": fmt,
            "description": _TABLE_TITLES.get(table_name, ""),
            "schema": {
                "fields": [_field(str(col), table[col]) for col in table.columns],
                "missingValues": [""],
            },
        }
        if fmt == "csv":
            resource |= {"mediatype": "text/csv", "encoding": "utf-8"}
            resource["dialect"] = {"delimiter": ",", "header": True}
        else:
            resource["mediatype"] = "application/vnd.apache.parquet"
        resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": "stridecheck cohort adherence tables",
        "description": (
            "Adherence of a cohort to prescribed run-walk programs: sessions, weeks, "
            "participants, interruptions, a CONSORT-style summary and the files that could "
            "not be used. Missing values are empty cells; times are UTC."
        ),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sources": [{"title": f"stridecheck {__version__}"}],
        "resources": resources,
    }


def _row(stage: str, week: int | None, n: int, enrolled: int, definition: str) -> dict[str, Any]:
    return {
        "stage": stage,
        "week": week,
        "participants": n,
        "pct_of_enrolled": 100.0 * n / enrolled if enrolled else math.nan,
        "definition": definition,
    }


def consort_table(enrolled: int, participants: pd.DataFrame, weekly: pd.DataFrame) -> pd.DataFrame:
    """Participants through the programme (CONSORT-style flow, with counts per week).

    Parameters
    ----------
    enrolled
        Participant folders in the cohort.
    participants
        The ``participants`` table (one row per analysed participant).
    weekly
        The ``weekly`` table.
    """
    p = participants

    def count(column: str) -> int:
        if column not in p.columns or len(p) == 0:
            return 0
        return int(p[column].fillna(False).astype(bool).sum())

    attended_once = (
        int((pd.to_numeric(p["sessions_attended"], errors="coerce") > 0).sum())
        if len(p) and "sessions_attended" in p.columns
        else 0
    )
    rows = [
        _row("enrolled", None, enrolled, enrolled, "Participant folders in the cohort."),
        _row(
            "analysed",
            None,
            len(p),
            enrolled,
            "Participants with a usable enrolment (the others are in the errors table).",
        ),
        _row(
            "attended_at_least_once",
            None,
            attended_once,
            enrolled,
            "Attended at least one prescribed session.",
        ),
        _row(
            "completed_program",
            None,
            count("completed_program"),
            enrolled,
            COLUMN_DEFINITIONS["completed_program"][1],
        ),
        _row(
            "discontinued",
            None,
            count("discontinued"),
            enrolled,
            COLUMN_DEFINITIONS["discontinued"][1],
        ),
        _row(
            "early_termination",
            None,
            count("early_termination"),
            enrolled,
            COLUMN_DEFINITIONS["early_termination"][1],
        ),
    ]
    if len(weekly) and "attended" in weekly.columns:
        stop_week: dict[str, int] = {
            str(r["participant"]): int(r["discontinuation_week"])
            for r in p.to_dict(orient="records")
            if not pd.isna(r.get("discontinuation_week"))
        }
        for week in sorted(int(w) for w in weekly["week"].dropna().unique()):
            this = weekly[weekly["week"] == week]
            due = this[this["due"] > 0]
            if len(due) == 0:
                continue
            attending = int((due["attended"] > 0).sum())
            retained = sum(
                1 for who in due["participant"].astype(str) if week <= stop_week.get(who, week)
            )
            ready = int(due["progression_ready"].map(lambda v: v is True).sum())
            rows.append(
                _row(
                    "attending",
                    week,
                    attending,
                    enrolled,
                    "Attended at least one session this week (of participants with sessions due).",
                )
            )
            rows.append(
                _row("retained", week, retained, enrolled, "Not yet discontinued by this week.")
            )
            rows.append(
                _row(
                    "ready_to_progress",
                    week,
                    ready,
                    enrolled,
                    "Week ready to progress by the program's rules.",
                )
            )
    table = pd.DataFrame(rows, columns=list(CONSORT_COLUMNS))
    table["week"] = table["week"].astype("Int64")
    return table
