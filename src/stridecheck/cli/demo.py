"""``stridecheck demo``: the whole product, end to end, on the built-in sample data.

The demo is a plain sequence of steps, each a small function:

0. :func:`locate_sample_data` finds ``sample_data/`` (or ``--data DIR``; an
   installed stridecheck generates it once into the user's data folder);
   :func:`load_manifest` lists its activity files with athlete and session
   (prescribed sessions without a file count as missed),
   :func:`load_sample_program` reads ``program.toml`` and
   :func:`load_enrollment_start` each athlete's ``<athlete>/enrollment.toml``
   (the layout of ``stridecheck cohort``), all before any work is done;
1. import: :func:`read_sessions` reads every file into a summary row,
   :func:`show_sessions` prints them, :func:`write_summary` writes ``summary.csv``;
2. intervals: :func:`analyse_sessions` splits every activity into walk / run /
   stop intervals (:func:`stridecheck.pipeline.analyse_activity`),
   :func:`show_intervals` prints one session's table;
3. compliance and adherence: :func:`athlete_reports` scores every athlete's
   activities against the program calendar (the report data, so the tables and
   the report agree), :func:`show_compliance` and :func:`show_adherence` print
   them, :func:`write_compliance` writes ``compliance.csv``;
4. report: :func:`write_report` writes the coach report ``report.html``
   (:func:`stridecheck.report.render_report`).

The last line of output names the report.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from stridecheck.activity import Activity
from stridecheck.cli._common import (
    atomic_output,
    err_console,
    fail,
    format_distance,
    format_duration,
    format_number,
    format_text,
    guarded,
    out_console,
)
from stridecheck.cli.analyze import format_intervals_table
from stridecheck.cli.info import read_quietly
from stridecheck.enrollment import read_enrollment
from stridecheck.messages import render
from stridecheck.pipeline import Analysis, analyse_activity
from stridecheck.programs import Program, load_program_file
from stridecheck.report import AthleteReportData, athlete_data_from_activities, render_report
from stridecheck.segment import Segmentation

__all__ = [
    "COMPLIANCE_COLUMNS",
    "INTERVAL_SESSION",
    "MANIFEST_NAME",
    "PROGRAM_NAME",
    "REPORT_NAME",
    "SUMMARY_COLUMNS",
    "SessionEntry",
    "analyse_sessions",
    "athlete_reports",
    "compliance_rows",
    "load_enrollment_start",
    "load_manifest",
    "load_sample_program",
    "locate_sample_data",
    "read_sessions",
    "register",
    "sensors_of",
    "show_adherence",
    "show_compliance",
    "show_intervals",
    "show_sessions",
    "summary_row",
    "write_compliance",
    "write_report",
    "write_summary",
]

#: File listing the sample activities inside the sample-data folder.
MANIFEST_NAME = "manifest.csv"
#: The sample program inside the sample-data folder (TOML program file).
PROGRAM_NAME = "program.toml"
#: The coach report the demo writes to its output folder.
REPORT_NAME = "report.html"
#: The session whose interval table the demo prints: ``(athlete, session id)``
#: (traffic stops, so all three kinds show); the first listed file when absent.
INTERVAL_SESSION: tuple[str, str] = ("athlete_a", "W1S3")
#: Columns of ``summary.csv``, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "athlete",
    "session",
    "file",
    "format",
    "date",
    "start",
    "duration_s",
    "timer_s",
    "distance_m",
    "sensors",
    "fields",
    "warnings",
)

#: Columns of ``compliance.csv``, in order: one row per prescribed session per athlete.
COMPLIANCE_COLUMNS: tuple[str, ...] = (
    "athlete",
    "week",
    "session",
    "date",
    "status",
    "score",
    "run_compliance_pct",
    "walk_compliance_pct",
    "file",
    "reasons",
)

#: Sensor label -> sample columns whose presence shows that sensor.
_SENSORS: dict[str, tuple[str, ...]] = {
    "GPS": ("lat_deg", "lon_deg"),
    "HR": ("heart_rate_bpm",),
    "cadence": ("cadence_spm", "stride_length_m"),
    "power": ("power_w",),
}

#: Columns the sample-data manifest must have.
_MANIFEST_COLUMNS: tuple[str, ...] = ("file", "athlete", "session_id")


@dataclass(frozen=True)
class SessionEntry:
    """One activity listed in the sample-data manifest."""

    path: Path
    athlete: str
    session: str


def locate_sample_data(data: Path | None = None) -> Path:
    """Find the sample-data folder, generating it on first use.

    ``data`` wins when given; otherwise ``sample_data/`` of the source tree the
    package runs from, then ``sample_data/`` in the working folder, then the
    user's data folder (:func:`~stridecheck.simulate.sample_data.user_sample_data_dir`),
    where an installed stridecheck generates it the first time (with a
    progress bar on standard error).

    Raises
    ------
    InputError
        When ``data`` has no ``manifest.csv``, or the sample data cannot be written.
    """
    if data is not None:
        if not (data / MANIFEST_NAME).is_file():
            fail(data, f"no {MANIFEST_NAME} here: not a sample-data folder")
        return data
    package_root = Path(__file__).resolve().parents[3]
    for candidate in (package_root / "sample_data", Path.cwd() / "sample_data"):
        if (candidate / MANIFEST_NAME).is_file():
            return candidate
    from stridecheck.simulate.sample_data import ensure_sample_data, user_sample_data_dir

    target = user_sample_data_dir()
    if (target / MANIFEST_NAME).is_file():
        return target
    err_console.print(f"Generating the sample data into {target} (first run only)")
    with _progress() as progress:
        task = progress.add_task("Simulating", total=None)
        folder, _ = ensure_sample_data(
            target, lambda done, total: progress.update(task, completed=done, total=total)
        )
    return folder


def load_manifest(data_dir: Path) -> tuple[list[SessionEntry], int]:
    """List the activity files of a sample-data folder from its ``manifest.csv``.

    The manifest has one row per prescribed session with at least the columns
    ``file`` (relative to ``data_dir``; empty for a missed session),
    ``athlete`` and ``session_id``.

    Returns
    -------
    tuple
        The sessions with a file, and the number of sessions without one (missed).

    Raises
    ------
    InputError
        When the manifest is unreadable, lacks a required column or lists no file.
    """
    manifest = data_dir / MANIFEST_NAME
    try:
        with manifest.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeError, csv.Error) as exc:
        fail(manifest, f"cannot be read ({exc})")
    missing = [c for c in _MANIFEST_COLUMNS if not rows or c not in rows[0]]
    if missing:
        fail(manifest, f"needs the columns {', '.join(_MANIFEST_COLUMNS)} and at least one row")
    entries = [
        SessionEntry(
            path=data_dir / row["file"], athlete=row["athlete"], session=row["session_id"]
        )
        for row in rows
        if row["file"]
    ]
    if not entries:
        fail(manifest, "lists no activity file")
    return entries, len(rows) - len(entries)


def load_sample_program(data_dir: Path) -> Program:
    """The sample program: ``program.toml`` in the sample-data folder.

    Raises
    ------
    InputError
        When the folder has no program file.
    ProgramError
        When the program file is not valid.
    """
    path = data_dir / PROGRAM_NAME
    if not path.is_file():
        fail(path, "missing: the sample data needs its program; run 'make sample-data'")
    return load_program_file(path)


def load_enrollment_start(data_dir: Path, athlete: str) -> dt.date:
    """An athlete's first day of week 1, from ``<athlete>/enrollment.toml``.

    The file is the one ``stridecheck cohort`` reads
    (:func:`stridecheck.enrollment.read_enrollment`): ``start = 2026-01-05``
    (a TOML date or a ``"YYYY-MM-DD"`` string).

    Raises
    ------
    InputError
        When the file is missing, unreadable or has no usable ``start``.
    """
    return read_enrollment(data_dir / athlete).start


def sensors_of(activity: Activity) -> list[str]:
    """Name the sensors an activity's samples show (GPS, HR, cadence, power)."""
    present = set(activity.fields_present())
    return [label for label, cols in _SENSORS.items() if present.intersection(cols)]


def summary_row(entry: SessionEntry, activity: Activity, data_dir: Path) -> dict[str, Any]:
    """One row of ``summary.csv`` for an activity (times UTC, SI units)."""
    has_samples = len(activity.samples) > 0
    start = activity.start_time if has_samples else None
    return {
        "athlete": entry.athlete,
        "session": entry.session,
        "file": entry.path.relative_to(data_dir).as_posix(),
        "format": activity.meta.source_format,
        "date": start.date().isoformat() if start is not None else "",
        "start": start.isoformat() if start is not None else "",
        "duration_s": round(activity.duration_s, 3),
        "timer_s": round(activity.timer_s, 3),
        "distance_m": round(activity.distance_m, 1),
        "sensors": " ".join(sensors_of(activity)),
        "fields": " ".join(activity.fields_present()),
        "warnings": len(activity.meta.warnings),
    }


def _progress() -> Progress:
    """A transient progress bar on standard error (hidden when it is not a terminal)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def read_sessions(
    entries: list[SessionEntry], data_dir: Path
) -> tuple[list[dict[str, Any]], list[Activity]]:
    """Read every listed activity, showing progress.

    Returns
    -------
    tuple
        One summary row per entry (:func:`summary_row`) and the activities, in order.
    """
    rows: list[dict[str, Any]] = []
    activities: list[Activity] = []
    with _progress() as progress:
        task = progress.add_task("Reading sample sessions", total=len(entries))
        for entry in entries:
            activity = read_quietly(entry.path)
            rows.append(summary_row(entry, activity, data_dir))
            activities.append(activity)
            progress.advance(task)
    return rows, activities


def show_sessions(rows: list[dict[str, Any]], missed: int = 0) -> None:
    """Print the sessions as a table; ``missed`` prescribed sessions had no file."""
    caption = "date in UTC; sensors: GPS, HR (heart rate), cadence, power; fields in summary.csv"
    if missed:
        caption += f"; {missed} prescribed session(s) without a file (missed)"
    table = Table(
        title=f"Sample sessions ({len(rows)})",
        caption=caption,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for name in ("athlete", "session", "date", "format"):
        table.add_column(name, no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("distance", justify="right", no_wrap=True)
    table.add_column("sensors")
    for row in rows:
        table.add_row(
            row["athlete"],
            row["session"],
            row["date"],
            row["format"],
            format_duration(row["duration_s"]),
            format_distance(row["distance_m"]),
            format_text(row["sensors"]),
        )
    out_console.print(table)


def _write_csv(frame: pd.DataFrame, target: Path) -> Path:
    """Write a table as CSV atomically (replacing an earlier one); return its path."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(target.parent, f"cannot create the output folder ({exc.strerror or exc})")
    with atomic_output(target, force=True) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")
    return target


def write_summary(rows: list[dict[str, Any]], out_dir: Path) -> Path:
    """Write ``summary.csv`` (columns :data:`SUMMARY_COLUMNS`) to ``out_dir``; return its path."""
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return _write_csv(frame, out_dir / "summary.csv")


def analyse_sessions(activities: list[Activity]) -> list[Analysis]:
    """Analyse every activity as stored results are: its walk / run / stop intervals.

    Each is :func:`stridecheck.pipeline.analyse_activity` of the activity.
    """
    analyses: list[Analysis] = []
    with _progress() as progress:
        task = progress.add_task("Finding walk / run / stop intervals", total=len(activities))
        for activity in activities:
            analyses.append(analyse_activity(activity, errors="ignore"))
            progress.advance(task)
    return analyses


def show_intervals(
    entries: list[SessionEntry], segmentations: list[Segmentation], program: Program
) -> None:
    """Print the interval table of :data:`INTERVAL_SESSION` (else the first listed file)."""
    keys = [(e.athlete, e.session) for e in entries]
    index = keys.index(INTERVAL_SESSION) if INTERVAL_SESSION in keys else 0
    entry, seg = entries[index], segmentations[index]
    title = f"{entry.athlete} {entry.session} ({entry.path.name}): intervals ({seg.method})"
    out_console.print(format_intervals_table(seg, title=title))
    times = seg.summary["time_s"]
    found = ", ".join(
        f"{kind} {format_duration(times[kind])}"
        for kind in ("run", "walk", "stop", "paused", "unknown")
        if times.get(kind, 0) > 0
    )
    out_console.print(f"Found: {seg.summary['run_bouts']} run bouts; {found}")
    try:
        prescribed = program.session(entry.session).describe()
    except KeyError:
        prescribed = "not in the program"
    out_console.print(f"Prescribed {entry.session}: {prescribed}")


def athlete_reports(
    entries: list[SessionEntry],
    analyses: list[Analysis],
    program: Program,
    starts: dict[str, dt.date],
) -> list[AthleteReportData]:
    """Score each athlete's activities against the program calendar: the report data.

    This is :func:`stridecheck.report.athlete_data_from_activities` with the
    segmentations of :func:`analyse_sessions`: each activity is matched to a
    prescribed session of its program week and scored
    (:func:`stridecheck.compliance.adherence`), and the trial's measures are
    computed; activities are named by their file names.
    """
    athletes = list(dict.fromkeys(e.athlete for e in entries))
    reports: list[AthleteReportData] = []
    with _progress() as progress:
        task = progress.add_task("Scoring sessions against the program", total=len(athletes))
        for athlete in athletes:
            members = [i for i, e in enumerate(entries) if e.athlete == athlete]
            reports.append(
                athlete_data_from_activities(
                    athlete,
                    program,
                    starts[athlete],
                    [analyses[i].activity for i in members],
                    segmentations=[analyses[i].segmentation for i in members],
                    names=[entries[i].path.name for i in members],
                )
            )
            progress.advance(task)
    return reports


def _rounded(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 1)


def compliance_rows(
    reports: Iterable[AthleteReportData], files: dict[tuple[str, str], str]
) -> list[dict[str, Any]]:
    """One row per prescribed session per athlete (columns :data:`COMPLIANCE_COLUMNS`).

    ``files`` maps ``(athlete, activity name)`` to the file's path in the
    sample-data folder. Missed sessions have status ``missed`` and no score.
    """
    rows: list[dict[str, Any]] = []
    for data in reports:
        for session in data.sessions:
            name = session.activity_name
            rows.append(
                {
                    "athlete": data.athlete,
                    "week": session.week,
                    "session": session.session_id,
                    "date": session.date.isoformat(),
                    "status": session.status,
                    "score": _rounded(session.score),
                    "run_compliance_pct": _rounded(session.run_compliance_pct),
                    "walk_compliance_pct": _rounded(session.walk_compliance_pct),
                    "file": files.get((data.athlete, name), name) if name else "",
                    "reasons": "; ".join(render(r) for r in session.reasons),
                    "uncertain_steps": session.uncertain_steps,
                    "score_low": _rounded(session.score_low),
                    "score_high": _rounded(session.score_high),
                }
            )
    return rows


_STATUS_STYLE = {
    "completed": "green",
    "partial": "yellow",
    "not_completed": "red",
    "missed": "bold red",
    "upcoming": "dim",
}


def _pct(value: float | None, digits: int = 0) -> str:
    return format_number(value, f".{digits}f")


def show_compliance(rows: list[dict[str, Any]]) -> None:
    """Print the compliance of every prescribed session, one table per athlete."""
    athletes = list(dict.fromkeys(str(row["athlete"]) for row in rows))
    for number, athlete in enumerate(athletes, start=1):
        table = Table(
            title=f"{athlete}: compliance with each prescribed session",
            caption="score 0-100: harmonic mean of run % and walk % (the prescribed running "
            "and walking time done); completed >= 80, partial >= 50"
            if number == len(athletes)
            else None,
            box=box.SIMPLE_HEAD,
        )
        table.add_column("session", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for name in ("score", "run %", "walk %"):
            table.add_column(name, justify="right", no_wrap=True)
        table.add_column("key reason")
        for row in rows:
            if row["athlete"] != athlete:
                continue
            status = str(row["status"])
            reasons = str(row["reasons"])
            if reasons:
                parts = reasons.split("; ")
                # an uncertain session says what is missing before anything else
                missing = [p for p in parts if "cannot be confirmed from" in p]
                reason = missing[0] if row.get("uncertain_steps") and missing else parts[0]
            else:
                reason = "no activity this week" if status == "missed" else "-"
            shown = f"[{_STATUS_STYLE.get(status, '')}]{status}[/]"
            score = _pct(row["score"], 1)
            if row.get("uncertain_steps") and row.get("score_low") is not None:
                shown += " [magenta](uncertain)[/]"
                score = f"{_pct(row['score_low'])}-{_pct(row['score_high'])}"
            table.add_row(
                row["session"],
                shown,
                score,
                _pct(row["run_compliance_pct"]),
                _pct(row["walk_compliance_pct"]),
                reason,
            )
        out_console.print(table)


def write_compliance(rows: list[dict[str, Any]], out_dir: Path) -> Path:
    """Write ``compliance.csv`` (columns :data:`COMPLIANCE_COLUMNS`); return its path."""
    frame = pd.DataFrame(rows, columns=list(COMPLIANCE_COLUMNS))
    return _write_csv(frame, out_dir / "compliance.csv")


_SIGNAL_STYLE = {"green": "green", "amber": "yellow", "red": "red"}


def _adherence_measures(data: AthleteReportData) -> list[str]:
    """One athlete's column of the adherence table (rows :data:`_ADHERENCE_ROWS`)."""
    s = data.summary
    signal = data.traffic_light
    return [
        data.start_date.strftime("%a %Y-%m-%d"),
        f"{s['sessions_done']} of {s['sessions_prescribed']}",
        f"{_pct(s.get('adherence_pct'))} %",
        f"{_pct(s.get('completion_pct'))} %",
        _pct(s.get("sessions_per_week"), 1),
        f"{_pct(s.get('weekly_run_km'), 2)} km",
        str(s["interruptions"]),
        f"{s['weeks_progression_ready']} of {s['weeks_assessed']}",
        _pct(s.get("mean_score"), 1),
        f"[{_SIGNAL_STYLE[signal]}]{signal}[/]",
    ]


#: Row labels of the adherence table.
_ADHERENCE_ROWS: tuple[str, ...] = (
    "start (first day of week 1)",
    "sessions done (score >= 50)",
    "adherence (done / prescribed)",
    "completion (score >= 80)",
    "sessions per week",
    "running per week",
    "interruptions (3+ not done)",
    "weeks ready to progress",
    "mean score",
    "signal",
)


def show_adherence(reports: list[AthleteReportData]) -> None:
    """Print the trial's adherence measures: one row per measure, one column per athlete."""
    table = Table(title="Adherence to the program (the trial's measures)", box=box.SIMPLE_HEAD)
    table.add_column("measure")
    for data in reports:
        table.add_column(data.athlete, justify="right", no_wrap=True)
    columns = [_adherence_measures(data) for data in reports]
    for i, label in enumerate(_ADHERENCE_ROWS):
        table.add_row(label, *(column[i] for column in columns))
    out_console.print(table)
    out_console.print(
        "ready to progress: at least 2 of a week's 3 sessions completed; signal: red for an "
        "interruption or adherence < 50 %, amber for adherence < 70 % or a warning finding",
        style="dim",
    )


def write_report(reports: list[AthleteReportData], out_dir: Path) -> Path:
    """Write the coach report (:data:`REPORT_NAME`, self-contained HTML); return its path."""
    with err_console.status(
        "Writing the coach report (the first run builds the chart bundle, ~20 s)"
    ):
        return render_report(reports, out_dir / REPORT_NAME)


def _step(number: int, title: str) -> None:
    out_console.print()
    out_console.rule(f"[bold]{number}. {title}", align="left")


def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the demo's outputs.")
    ] = Path("out/demo"),
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Sample-data folder with a manifest.csv, a program.toml and an "
            "enrollment.toml per athlete folder. Default: sample_data/ of the source tree, "
            "else the copy generated on first use in the user's data folder.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run stridecheck end to end on the built-in sample data.

    1. Import: reads every sample activity, prints a summary per session and
    writes summary.csv. 2. Intervals: splits every activity into walk, run and
    stop intervals and prints one session's. 3. Compliance: scores every
    prescribed session against the sample program, prints the compliance of
    each and the adherence of each athlete, and writes compliance.csv.
    4. Report: writes the coach report report.html. Outputs go to --out,
    replacing an earlier demo's; the last line names the report.
    """
    data_dir = locate_sample_data(data)
    entries, missed = load_manifest(data_dir)
    program = load_sample_program(data_dir)
    athletes = list(dict.fromkeys(e.athlete for e in entries))
    starts = {a: load_enrollment_start(data_dir, a) for a in athletes}

    _step(1, "Import: every sample activity")
    rows, activities = read_sessions(entries, data_dir)
    show_sessions(rows, missed)
    out_console.print(f"Wrote {write_summary(rows, out)}")

    _step(2, "Intervals: walk, run and stop in every activity")
    analyses = analyse_sessions(activities)
    show_intervals(entries, [a.segmentation for a in analyses], program)

    _step(3, f"Compliance and adherence: {program.name}")
    reports = athlete_reports(entries, analyses, program, starts)
    files = {(e.athlete, e.path.name): e.path.relative_to(data_dir).as_posix() for e in entries}
    compliance = compliance_rows(reports, files)
    show_compliance(compliance)
    show_adherence(reports)
    out_console.print(f"Wrote {write_compliance(compliance, out)}")

    _step(4, "Coach report")
    report = write_report(reports, out)
    typer.echo(f"Wrote {report}")


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to the application."""
    app.command("demo")(guarded(demo))
