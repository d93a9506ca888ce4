"""``stridecheck convert``: an activity's samples as CSV, Parquet or GPX.

CSV and Parquet hold the canonical samples (column names as in
``Activity.samples``, see ``docs/nomenclature.md``); GPX holds the track with
heart rate and cadence extensions, through :func:`stridecheck.io.gpx_write.write_gpx`.
Outputs are written atomically and never replace an existing file without ``--force``.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from stridecheck.activity import Activity
from stridecheck.cli._common import atomic_output, fail, guarded, report_warning
from stridecheck.cli.info import read_quietly

__all__ = [
    "CONTAINER_SUFFIXES",
    "OutputFormat",
    "default_output_path",
    "register",
    "samples_for_csv",
    "write_csv",
    "write_output",
    "write_parquet",
]

#: Sample columns a GPX track point needs.
_POSITION_COLUMNS = frozenset({"lat_deg", "lon_deg"})

#: File name suffixes of containers, dropped when naming an output beside the input.
CONTAINER_SUFFIXES = (".gz", ".zip")


class OutputFormat(enum.StrEnum):
    """Formats ``convert`` writes."""

    CSV = "csv"
    PARQUET = "parquet"
    GPX = "gpx"


def default_output_path(source: Path, fmt: OutputFormat) -> Path:
    """Name the output beside the input.

    ``run.fit`` -> ``run.csv``; container suffixes go too: ``run.fit.gz`` -> ``run.csv``.
    """
    name = source.name
    if source.suffix.lower() in CONTAINER_SUFFIXES:
        name = Path(name).stem
    stem = Path(name).stem or name
    return source.with_name(f"{stem}.{fmt.value}")


def _iso_utc(index: pd.DatetimeIndex) -> pd.Index:
    """ISO 8601 UTC text for each time, with microseconds only when some time has them."""
    if len(index) and bool((index.microsecond != 0).any()):
        return index.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return index.strftime("%Y-%m-%dT%H:%M:%SZ")


def samples_for_csv(activity: Activity) -> pd.DataFrame:
    """The samples with ``time`` as a first column of ISO 8601 UTC text."""
    samples = activity.samples
    index = pd.DatetimeIndex(samples.index)
    frame = samples.reset_index(drop=True)
    frame.insert(0, "time", _iso_utc(index.tz_convert("UTC")))
    return frame


def write_csv(activity: Activity, path: Path) -> None:
    """Write the samples as CSV: ``time`` (ISO 8601, UTC) then the sample columns.

    Missing values are empty cells; ``timer_running`` is ``True`` / ``False``.
    """
    samples_for_csv(activity).to_csv(path, index=False, lineterminator="\n")


def write_parquet(activity: Activity, path: Path) -> None:
    """Write the samples as Parquet (pyarrow); ``time`` stays a UTC timestamp column.

    The activity's meta (:meth:`~stridecheck.activity.ActivityMeta.to_dict`) is
    stored as JSON under the schema metadata key ``stridecheck``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(activity.samples, preserve_index=True)
    metadata = dict(table.schema.metadata or {})
    metadata[b"stridecheck"] = json.dumps(activity.meta.to_dict(), default=str).encode()
    pq.write_table(table.replace_schema_metadata(metadata), path)


def _write_gpx(activity: Activity, path: Path) -> None:
    from stridecheck.io.gpx_write import write_gpx

    write_gpx(activity, path)


def write_output(activity: Activity, path: Path, fmt: OutputFormat) -> None:
    """Write ``activity`` to ``path`` in ``fmt`` (not atomic: see :func:`atomic_output`)."""
    writers = {
        OutputFormat.CSV: write_csv,
        OutputFormat.PARQUET: write_parquet,
        OutputFormat.GPX: _write_gpx,
    }
    writers[fmt](activity, path)


def convert(
    file: Annotated[
        Path,
        typer.Argument(
            help="Activity file: FIT, GPX or TCX, bare or in .gz / .zip.", show_default=False
        ),
    ],
    to: Annotated[
        OutputFormat,
        typer.Option(
            "--to",
            help="Output format: csv (one row per sample, ISO 8601 UTC times), "
            "parquet (the same, typed) or gpx (track with heart rate and cadence).",
            case_sensitive=False,
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output file. Default: beside FILE, with the format's suffix.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Replace the output file if it exists.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Treat every recoverable problem in the input as an error "
            "(default: keep what is sound and warn).",
        ),
    ] = False,
) -> None:
    """Convert an activity's samples to CSV, Parquet or GPX.

    Column names and units are those of the canonical samples (see
    docs/nomenclature.md). The output is written completely or not at all.
    """
    target = out if out is not None else default_output_path(file, to)
    if target.exists() and file.exists() and target.resolve() == file.resolve():
        fail(target, "is the input file; choose another --out")
    if target.exists() and not force:
        fail(target, "already exists (use --force to overwrite)")
    activity = read_quietly(file, strict=strict)
    for problem in activity.meta.warnings:
        report_warning(file, problem)
    if to is OutputFormat.GPX and not set(activity.fields_present()) >= _POSITION_COLUMNS:
        fail(file, "has no positions (lat_deg, lon_deg), which GPX needs; use --to csv or parquet")
    with atomic_output(target, force=force) as tmp:
        write_output(activity, tmp, to)
    typer.echo(f"Wrote {target}")


def register(app: typer.Typer) -> None:
    """Add the ``convert`` command to the application."""
    app.command("convert")(guarded(convert))
