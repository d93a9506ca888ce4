"""``stridecheck info``: what is in an activity file.

For each file: the recording device, sport, start, duration, timer time,
distance, the sample fields present, laps, device splits and every problem met
while reading. A rich table for people, JSON for scripts (``--json``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stridecheck.activity import Activity
from stridecheck.cli._common import (
    EXIT_INPUT,
    err_console,
    format_distance,
    format_duration,
    guarded,
    out_console,
    report_error,
)
from stridecheck.errors import ErrorPolicy, StrideCheckError
from stridecheck.io import read

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["activity_summary", "read_quietly", "register"]


def read_quietly(path: Path, *, strict: bool = False) -> Activity:
    """Read a file for the command line.

    Recoverable problems are not emitted as Python warnings; they stay in
    ``activity.meta.warnings`` for the command to show. With ``strict`` the
    first problem is an error.
    """
    policy = ErrorPolicy.RAISE if strict else ErrorPolicy.IGNORE
    return read(path, errors=policy)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def activity_summary(activity: Activity, path: Path | str) -> dict[str, Any]:
    """Summarise an activity as a JSON-friendly dict (the ``info --json`` object).

    Keys: ``file``, ``format``, ``container``, ``sha256``, ``device``
    (``manufacturer``, ``product``, ``serial_number``), ``sport``, ``sub_sport``,
    ``start``, ``end`` (ISO 8601, UTC), ``duration_s`` [s], ``timer_s`` [s],
    ``distance_m`` [m] (``null`` when unknown), ``samples`` (count), ``fields``
    (sample columns holding data), ``laps``, ``device_splits`` (counts),
    ``speed_derived`` and ``warnings``.
    """
    meta = activity.meta
    has_samples = len(activity.samples) > 0
    return {
        "file": str(path),
        "format": meta.source_format,
        "container": meta.container,
        "sha256": meta.sha256,
        "device": {
            "manufacturer": meta.manufacturer,
            "product": meta.product,
            "serial_number": meta.serial_number,
        },
        "sport": meta.sport,
        "sub_sport": meta.sub_sport,
        "start": activity.start_time.isoformat() if has_samples else None,
        "end": activity.end_time.isoformat() if has_samples else None,
        "duration_s": _finite(activity.duration_s),
        "timer_s": _finite(activity.timer_s),
        "distance_m": _finite(activity.distance_m),
        "samples": len(activity.samples),
        "fields": activity.fields_present(),
        "laps": len(activity.laps),
        "device_splits": len(activity.device_splits),
        "speed_derived": meta.speed_derived,
        "warnings": list(meta.warnings),
    }


def _device_text(summary: dict[str, Any]) -> str:
    device = summary["device"]
    parts = [str(device[k]) for k in ("manufacturer", "product") if device[k] is not None]
    text = " ".join(parts) if parts else "unknown"
    if device["serial_number"] is not None:
        text += f" (serial {device['serial_number']})"
    return text


def _sport_text(summary: dict[str, Any]) -> str:
    sport = summary["sport"] or "unknown"
    if summary["sub_sport"] and summary["sub_sport"] != "generic":
        sport += f" / {summary['sub_sport']}"
    return str(sport)


def _detail_table(summary: dict[str, Any]) -> Table:
    from rich.table import Table

    table = Table(title=summary["file"], show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    fmt = summary["format"] + (f" (in {summary['container']})" if summary["container"] else "")
    table.add_row("format", fmt)
    table.add_row("device", _device_text(summary))
    table.add_row("sport", _sport_text(summary))
    table.add_row("start", summary["start"] or "-")
    table.add_row("duration", format_duration(summary["duration_s"]))
    table.add_row("timer time", format_duration(summary["timer_s"]))
    distance = format_distance(summary["distance_m"])
    if summary["speed_derived"]:
        distance += " (speed derived from positions)"
    table.add_row("distance", distance)
    table.add_row("samples", str(summary["samples"]))
    table.add_row("fields", ", ".join(summary["fields"]) or "-")
    table.add_row("laps", str(summary["laps"]))
    table.add_row("device splits", str(summary["device_splits"]))
    table.add_row("warnings", "\n".join(summary["warnings"]) or "none")
    return table


def _short_start(summary: dict[str, Any]) -> str:
    if summary["start"] is None:
        return "-"
    return dt.datetime.fromisoformat(summary["start"]).strftime("%Y-%m-%d %H:%M")


def _overview_table(summaries: list[dict[str, Any]]) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(
        title="Activities",
        caption="start in UTC; warn: problems met while reading (details: info FILE)",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("file", overflow="fold", min_width=12)
    table.add_column("device", overflow="fold", min_width=10)
    table.add_column("sport", overflow="fold", min_width=7)
    table.add_column("start", min_width=10)
    for name in ("duration", "distance", "warn"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in summaries:
        device = " ".join(
            str(s["device"][k]) for k in ("manufacturer", "product") if s["device"][k] is not None
        )
        table.add_row(
            s["file"],
            device or "unknown",
            _sport_text(s),
            _short_start(s),
            format_duration(s["duration_s"]),
            format_distance(s["distance_m"]),
            str(len(s["warnings"])),
        )
    return table


def _read_one(path: Path, strict: bool) -> tuple[Path, dict[str, Any] | None, str | None]:
    """Read one file: its summary, or the reason it could not be read (reported)."""
    try:
        return path, activity_summary(read_quietly(path, strict=strict), path), None
    except StrideCheckError as exc:
        report_error(exc)
        return path, None, " ".join(str(exc).split())


def _read_all(
    files: list[Path], strict: bool
) -> list[tuple[Path, dict[str, Any] | None, str | None]]:
    """Read every file, showing progress when there are several."""
    if len(files) < 2 or not err_console.is_terminal:  # no bar: rich.progress stays unimported
        return [_read_one(path, strict) for path in files]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    results = []
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task("Reading", total=len(files))
        for path in files:
            progress.update(task, description=f"Reading {path.name}")
            results.append(_read_one(path, strict))
            progress.advance(task)
    return results


def info(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Activity files: FIT, GPX or TCX, bare or in .gz / .zip.",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON for scripts: one object per file, a list when several files.",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Treat every recoverable problem in a file as an error "
            "(default: keep what is sound and list the problems as warnings).",
        ),
    ] = False,
) -> None:
    """Show what an activity file holds: device, sport, times, distance, fields, laps.

    The format is recognised from the content, not the file name. A file that
    cannot be read gives one line on standard error and exit status 2; the
    other files are still shown.
    """
    results = _read_all(files, strict)
    summaries = [s for _, s, _ in results if s is not None]
    failed = len(results) - len(summaries)
    if as_json:
        objects = [
            s if s is not None else {"file": str(p), "error": reason} for p, s, reason in results
        ]
        payload: Any = objects[0] if len(objects) == 1 else objects
        typer.echo(json.dumps(payload, indent=2, allow_nan=False, default=str))
    elif len(files) == 1:
        if summaries:
            out_console.print(_detail_table(summaries[0]))
    else:
        if summaries:
            out_console.print(_overview_table(summaries))
        out_console.print(f"{len(files)} files: {len(summaries)} read, {failed} failed.")
    if failed:
        raise typer.Exit(EXIT_INPUT)


def register(app: typer.Typer) -> None:
    """Add the ``info`` command to the application."""
    app.command("info")(guarded(info))
