"""``stridecheck demo``: the main job, end to end, on the built-in sample data.

The demo is a plain sequence of steps, each a small function, so later stages
(intervals, compliance, reports) slot in as further steps:

1. :func:`locate_sample_data` finds ``sample_data/`` (or ``--data DIR``);
2. :func:`load_manifest` lists its activity files with athlete and session
   (prescribed sessions without a file count as missed);
3. :func:`read_sessions` reads every file into a summary row;
4. :func:`show_sessions` prints them as a table;
5. :func:`write_summary` writes ``summary.csv`` to the output folder.

The last line of output names what was produced.
"""

from __future__ import annotations

import csv
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
    guarded,
    out_console,
)
from stridecheck.cli.info import read_quietly

__all__ = [
    "MANIFEST_NAME",
    "SUMMARY_COLUMNS",
    "SessionEntry",
    "load_manifest",
    "locate_sample_data",
    "read_sessions",
    "register",
    "sensors_of",
    "show_sessions",
    "summary_row",
    "write_summary",
]

#: File listing the sample activities inside the sample-data folder.
MANIFEST_NAME = "manifest.csv"
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

#: Sensor label -> sample columns whose presence shows that sensor.
_SENSORS: dict[str, tuple[str, ...]] = {
    "GPS": ("lat_deg", "lon_deg"),
    "HR": ("heart_rate_bpm",),
    "cadence": ("cadence_spm", "stride_length_m"),
    "power": ("power_w",),
}

#: Short labels of sample columns for narrow tables ("" = not shown: always present).
_SHORT_FIELDS: dict[str, str] = {
    "elapsed_s": "",
    "timer_running": "",
    "distance_m": "dist",
    "speed_mps": "speed",
    "lat_deg": "pos",
    "lon_deg": "pos",
    "altitude_m": "alt",
    "heart_rate_bpm": "hr",
    "cadence_spm": "cad",
    "stride_length_m": "step",
    "power_w": "power",
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
    """Find the sample-data folder.

    ``data`` wins when given; otherwise ``sample_data/`` of the source tree the
    package runs from, then ``sample_data/`` in the working folder.

    Raises
    ------
    InputError
        When no folder with a ``manifest.csv`` is found.
    """
    if data is not None:
        if not (data / MANIFEST_NAME).is_file():
            fail(data, f"no {MANIFEST_NAME} here: not a sample-data folder")
        return data
    package_root = Path(__file__).resolve().parents[3]
    for candidate in (package_root / "sample_data", Path.cwd() / "sample_data"):
        if (candidate / MANIFEST_NAME).is_file():
            return candidate
    fail(
        "sample_data",
        "sample data not found; run 'make sample-data' in the source tree or pass --data DIR",
    )


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


def read_sessions(entries: list[SessionEntry], data_dir: Path) -> list[dict[str, Any]]:
    """Read every listed activity into a summary row, showing progress."""
    rows: list[dict[str, Any]] = []
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    with progress:
        task = progress.add_task("Reading sample sessions", total=len(entries))
        for entry in entries:
            rows.append(summary_row(entry, read_quietly(entry.path), data_dir))
            progress.advance(task)
    return rows


def _short_fields(fields: str) -> str:
    """Sample columns in a few characters each (``heart_rate_bpm`` -> ``hr``)."""
    names = fields.split()
    short = [_SHORT_FIELDS[n] for n in names if _SHORT_FIELDS.get(n)]
    short = list(dict.fromkeys(short))
    n_dev = sum(n.startswith("dev_") for n in names)
    if n_dev:
        short.append(f"+{n_dev} dev")
    return " ".join(short) or "-"


def show_sessions(rows: list[dict[str, Any]], missed: int = 0) -> None:
    """Print the sessions as a table; ``missed`` prescribed sessions had no file."""
    legend: dict[str, list[str]] = {}
    for name, short in _SHORT_FIELDS.items():
        if short:
            legend.setdefault(short, []).append(name)
    caption = "date in UTC; fields: " + ", ".join(
        f"{short} = {'/'.join(names)}" for short, names in legend.items()
    )
    if missed:
        caption += f"; {missed} prescribed session(s) missed (no file)"
    table = Table(title=f"Sample sessions ({len(rows)})", caption=caption, box=box.SIMPLE_HEAD)
    for name in ("athlete", "session", "date"):
        table.add_column(name, no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("distance", justify="right", no_wrap=True)
    table.add_column("sensors")
    table.add_column("fields")
    for row in rows:
        table.add_row(
            row["athlete"],
            row["session"],
            row["date"],
            format_duration(row["duration_s"]),
            format_distance(row["distance_m"]),
            row["sensors"] or "-",
            _short_fields(row["fields"]),
        )
    out_console.print(table)


def write_summary(rows: list[dict[str, Any]], out_dir: Path) -> Path:
    """Write ``summary.csv`` (columns :data:`SUMMARY_COLUMNS`) to ``out_dir``; return its path."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(out_dir, f"cannot create the output folder ({exc.strerror or exc})")
    target = out_dir / "summary.csv"
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    with atomic_output(target, force=True) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")
    return target


def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the demo's outputs.")
    ] = Path("out/demo"),
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Sample-data folder with a manifest.csv. Default: sample_data/ of the "
            "source tree.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run stridecheck end to end on the built-in sample data.

    Reads every sample activity, prints a summary per session (athlete,
    session, date, duration, distance, sensors, fields) and writes
    summary.csv to the output folder (replacing an earlier demo's).
    """
    data_dir = locate_sample_data(data)
    entries, missed = load_manifest(data_dir)
    rows = read_sessions(entries, data_dir)
    show_sessions(rows, missed)
    summary = write_summary(rows, out)
    typer.echo(f"Wrote {summary}")


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to the application."""
    app.command("demo")(guarded(demo))
