"""``stridecheck analyze``: the walk / run / stop intervals of an activity file.

A rich table for people; with ``--json`` the public document::

    {"file": ..., "intervals": [{"kind", "start", "end", "duration_s", "distance_m",
      "mean_speed_mps", "pace_s_per_km", "mean_heart_rate_bpm", "mean_cadence_spm",
      "confidence"}, ...],
     "summary": {"start", "end", "duration_s", "time_s": {kind: s}, "distance_m": {kind: m},
                 "intervals": {kind: n}, "run_bouts", "longest_run_s", "total_distance_m",
                 "mean_confidence", "method", "methods_text", "warnings"}}

Times are ISO 8601 in UTC; the intervals are contiguous and cover the activity.
This document is a public contract: keys are only ever added. With
``--program P [--session ID|auto]`` it gains ``"compliance"``
(:meth:`stridecheck.compliance.SessionCompliance.to_dict`) and the table a
compliance table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from stridecheck.activity import Activity
from stridecheck.cli._common import (
    fail,
    format_distance,
    format_duration,
    format_number,
    guarded,
    out_console,
    report_warning,
)
from stridecheck.cli.info import read_quietly
from stridecheck.pipeline import Analysis, analyse_activity
from stridecheck.segment import METHODS, Segmentation

__all__ = ["analysis_document", "analysis_of", "format_intervals_table", "register"]

_KIND_STYLE = {
    "run": "bold green",
    "walk": "cyan",
    "stop": "yellow",
    "paused": "magenta",
    "unknown": "dim",
}


def _pace(seconds_per_km: float) -> str:
    if not math.isfinite(seconds_per_km):
        return "-"
    total = round(seconds_per_km)
    return f"{total // 60}:{total % 60:02d}"


def format_intervals_table(seg: Segmentation, *, title: str | None = None) -> Table:
    """Render a segmentation's intervals as a rich table (one row per interval).

    Parameters
    ----------
    seg
        The result of :func:`stridecheck.segment`.
    title
        Table title (default: the method used).

    Returns
    -------
    rich.table.Table
        Columns: #, kind, start (UTC clock time), duration, distance, pace per km,
        HR (heart rate, 1/min), spm (cadence, steps/min), conf (confidence, 0-1).
    """
    table = Table(title=title or f"Intervals ({seg.method})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("kind")
    table.add_column("start (UTC)", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("distance", justify="right", no_wrap=True)
    table.add_column("pace /km", justify="right", no_wrap=True)
    table.add_column("HR", justify="right")
    table.add_column("spm", justify="right", no_wrap=True)
    table.add_column("conf", justify="right", no_wrap=True)
    rows: list[dict[str, Any]] = seg.intervals.to_dict(orient="records")  # type: ignore[assignment]
    for i, row in enumerate(rows, start=1):
        kind = str(row["kind"])
        start = pd.Timestamp(row["start"]).tz_convert("UTC")
        table.add_row(
            str(i),
            f"[{_KIND_STYLE.get(kind, '')}]{kind}[/]",
            start.strftime("%H:%M:%S"),
            format_duration(float(row["duration_s"])),
            format_distance(float(row["distance_m"])),
            _pace(float(row["pace_s_per_km"])),
            format_number(row["mean_heart_rate_bpm"]),
            format_number(row["mean_cadence_spm"]),
            format_number(row["confidence"], ".2f"),
        )
    return table


def _summary_line(seg: Segmentation) -> str:
    summary = seg.summary
    times = summary["time_s"]
    parts = [
        f"{kind} {format_duration(times[kind])}"
        for kind in ("run", "walk", "stop", "paused", "unknown")
        if times[kind] > 0
    ]
    return f"{summary['run_bouts']} run bouts; " + ", ".join(parts)


def analysis_document(seg: Segmentation, path: Path | str) -> dict[str, Any]:
    """The ``analyze --json`` document: ``file`` plus :meth:`Segmentation.to_dict`."""
    return {"file": str(path), **seg.to_dict()}


def analysis_of(
    activity: Activity,
    *,
    method: str = "hmm",
    program: str | None = None,
    session: str | None = None,
) -> Analysis:
    """What ``analyze [--method M] [--program P [--session ID|auto]]`` computes.

    :func:`stridecheck.pipeline.analyse_activity` of the activity, against the
    named session of ``program`` or (``session`` ``"auto"`` or ``None``) the
    session of it that fits best; the segmenter's notes are kept in the
    analysis for the command to show.

    Raises
    ------
    stridecheck.errors.StrideCheckError
        For an unknown program or session (the command line exits with status 2).
    """
    plan, chosen = None, None
    if program is not None:
        from stridecheck.cli.adherence import prescribed_session

        plan, chosen = prescribed_session(program, session)
    best_of = plan if chosen is None else None
    return analyse_activity(activity, best_of, session=chosen, method=method, errors="ignore")


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command to the command line."""

    @app.command("analyze")
    @guarded
    def analyze(
        file: Annotated[Path, typer.Argument(help="Activity file (FIT, GPX, TCX; .gz/.zip).")],
        *,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the interval document as JSON.")
        ] = False,
        method: Annotated[
            str,
            typer.Option(
                "--method", help=f"Segmenter: {', '.join(sorted(set(METHODS.values())))}."
            ),
        ] = "hmm",
        strict: Annotated[
            bool, typer.Option("--strict", help="Treat any problem in the file as an error.")
        ] = False,
        program: Annotated[
            str | None,
            typer.Option("--program", help="Score against a program: built-in name or TOML file."),
        ] = None,
        session: Annotated[
            str | None,
            typer.Option("--session", help="Session id in --program, or 'auto' (best fit)."),
        ] = None,
    ) -> None:
        """Split an activity into walk, run and stop intervals."""
        if session is not None and program is None:
            fail("--session", "--session needs --program")
        if method.strip().lower() not in METHODS:
            fail("--method", f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        activity = read_quietly(file, strict=strict)
        analysis = analysis_of(activity, method=method, program=program, session=session)
        seg, compliance = analysis.segmentation, analysis.session_compliance
        if as_json:
            document = analysis_document(seg, file)
            document["summary"]["warnings"] = list(activity.meta.warnings) + list(seg.warnings)
            if compliance is not None:
                document["compliance"] = compliance.to_dict()
            typer.echo(json.dumps(document, indent=2, allow_nan=False))
            return
        for message in [*activity.meta.warnings, *seg.warnings]:
            report_warning(file, message)
        out_console.print(format_intervals_table(seg, title=f"{file.name}: intervals"))
        out_console.print(_summary_line(seg))
        if compliance is not None:
            from stridecheck.cli.adherence import format_compliance_table

            out_console.print(format_compliance_table(compliance))
