"""The canonical activity: one frame of samples plus what the file says about itself.

Every importer (FIT, GPX, TCX, live BLE) and the simulator produce an
:class:`Activity`; everything downstream (segmenter, compliance, reports) reads
only this. One name per quantity, SI units in the column names, a UTC-aware
``DatetimeIndex`` named ``time``.

Sample columns (each present only when the source has it; all ``float64``
except ``timer_running``):

==================  ====================================================  ==========
column              meaning                                               unit
==================  ====================================================  ==========
elapsed_s           time since the first sample (wall clock, pauses in)   s
distance_m          cumulative distance                                   m
speed_mps           ground speed                                          m/s
lat_deg             latitude (WGS84)                                      degree
lon_deg             longitude (WGS84)                                     degree
altitude_m          altitude above mean sea level                         m
heart_rate_bpm      heart rate                                            1/min
cadence_spm         step cadence, both feet (FIT running cadence doubled) steps/min
cadence_rpm         cycle rate of a non-foot sport (crank rpm, strokes)   1/min
stride_length_m     length of one step (FIT/BLE "stride length")          m
power_w             running power                                         W
timer_running       False while the recording timer is stopped            bool
==================  ====================================================  ==========

Developer fields (e.g. Stryd's ``Leg Spring Stiffness``) are kept as extra
columns named ``dev_<field name>`` in snake case with their unit appended when
the file names one.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.frames import frame_from_arrays

__all__ = [
    "EVENT_COLUMNS",
    "LAP_COLUMNS",
    "SAMPLE_COLUMNS",
    "SPLIT_COLUMNS",
    "Activity",
    "ActivityMeta",
    "empty_frame",
    "finalize_samples",
    "float_samples_frame",
]

#: Canonical sample columns: name -> (unit, meaning). The single glossary.
SAMPLE_COLUMNS: dict[str, tuple[str, str]] = {
    "elapsed_s": ("s", "time since the first sample, pauses included"),
    "distance_m": ("m", "cumulative distance"),
    "speed_mps": ("m/s", "ground speed"),
    "lat_deg": ("degree", "latitude, WGS84"),
    "lon_deg": ("degree", "longitude, WGS84"),
    "altitude_m": ("m", "altitude above mean sea level"),
    "heart_rate_bpm": ("1/min", "heart rate"),
    "cadence_spm": ("steps/min", "step cadence of both feet"),
    "cadence_rpm": ("1/min", "cycle rate of a non-foot sport as recorded (crank rpm, strokes)"),
    "stride_length_m": ("m", "length of one step"),
    "power_w": ("W", "running power"),
    "timer_running": ("bool", "False while the recording timer is stopped"),
}

#: Columns of ``Activity.laps``.
LAP_COLUMNS: tuple[str, ...] = (
    "start",
    "end",
    "duration_s",
    "timer_s",
    "distance_m",
    "intensity",
    "trigger",
    "wkt_step_index",
)

#: Columns of ``Activity.events``.
EVENT_COLUMNS: tuple[str, ...] = ("time", "event", "event_type", "data")

#: Columns of ``Activity.device_splits``.
SPLIT_COLUMNS: tuple[str, ...] = (
    "split_type",
    "start",
    "end",
    "duration_s",
    "timer_s",
    "distance_m",
    "avg_speed_mps",
)


def empty_frame(columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Return an empty DataFrame with the given columns (object dtype)."""
    return _empty_template(tuple(columns)).copy()  # a copy is ~7x cheaper than a new frame


@functools.lru_cache(maxsize=64)
def _empty_template(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(np.empty((0, len(columns)), dtype=object), columns=list(columns))


@dataclass
class ActivityMeta:
    """What a file says about the activity and how it was read.

    Attributes
    ----------
    source_format
        ``"fit"``, ``"gpx"``, ``"tcx"``, ``"ble"`` or ``"simulated"``.
    source_path
        File name the activity was read from (``None`` for bytes).
    sha256
        SHA-256 of the file's bytes as given (before decompression), hex.
    container
        ``"gzip"`` or ``"zip"`` when the activity came out of one, else ``None``.
    sport, sub_sport
        Sport as the file names it (lower-case, e.g. ``"running"``, ``"treadmill"``).
    manufacturer, product, serial_number
        The recording device, as names where the profile knows them.
    start_time
        Time of the first sample (UTC).
    speed_derived
        True when ``speed_mps`` was computed from positions, not recorded.
    warnings
        Every recoverable problem met while reading, in plain words.
    extra
        Format-specific facts (e.g. FIT protocol version, GPX creator).
    """

    source_format: str
    source_path: str | None = None
    sha256: str | None = None
    container: str | None = None
    sport: str | None = None
    sub_sport: str | None = None
    manufacturer: str | None = None
    product: str | None = None
    serial_number: str | None = None
    start_time: dt.datetime | None = None
    speed_derived: bool = False
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (times as ISO 8601 strings)."""
        out = dataclasses.asdict(self)
        if self.start_time is not None:
            out["start_time"] = self.start_time.isoformat()
        out["extra"] = {k: _jsonable(v) for k, v in self.extra.items()}
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


@dataclass
class Activity:
    """One recorded activity in canonical form.

    Attributes
    ----------
    samples
        Time series, UTC ``DatetimeIndex`` named ``time``; columns from
        :data:`SAMPLE_COLUMNS` when the source has them, plus ``dev_*`` columns.
    meta
        :class:`ActivityMeta`.
    laps
        One row per lap: ``start``, ``end`` (UTC), ``duration_s`` [s], ``timer_s`` [s],
        ``distance_m`` [m], ``intensity``, ``trigger``, ``wkt_step_index``.
    events
        Timer and other events: ``time``, ``event``, ``event_type``, ``data``.
    device_splits
        Splits the device marked (FIT ``split`` messages, e.g. ``rwd_run`` /
        ``rwd_walk``): ``split_type``, ``start``, ``end``, ``duration_s``, ``timer_s``,
        ``distance_m``, ``avg_speed_mps``.
    workout
        Workout steps carried by the file (FIT ``workout_step``), one row per
        step, or ``None``.
    rr_intervals
        Beat-to-beat intervals when present: DataFrame with ``time`` (UTC, the
        estimated beat time) and ``rr_s`` [s]; or ``None``.
    """

    samples: pd.DataFrame
    meta: ActivityMeta
    laps: pd.DataFrame = field(default_factory=lambda: empty_frame(LAP_COLUMNS))
    events: pd.DataFrame = field(default_factory=lambda: empty_frame(EVENT_COLUMNS))
    device_splits: pd.DataFrame = field(default_factory=lambda: empty_frame(SPLIT_COLUMNS))
    workout: pd.DataFrame | None = None
    rr_intervals: pd.DataFrame | None = None

    @property
    def start_time(self) -> pd.Timestamp:
        """Time of the first sample (UTC)."""
        return pd.Timestamp(self.samples.index[0])

    @property
    def end_time(self) -> pd.Timestamp:
        """Time of the last sample (UTC)."""
        return pd.Timestamp(self.samples.index[-1])

    @property
    def duration_s(self) -> float:
        """Wall-clock span from first to last sample. [s]"""
        if len(self.samples) == 0:
            return 0.0
        return float((self.end_time - self.start_time).total_seconds())

    @property
    def timer_s(self) -> float:
        """Time the recording timer ran (pauses excluded). [s]"""
        if len(self.samples) < 2:
            return 0.0
        t = self.samples["elapsed_s"].to_numpy(dtype=float)
        dt_s = np.diff(t)
        if "timer_running" in self.samples:
            # a sample's flag is the timer state from that sample on
            running = self.samples["timer_running"].to_numpy(dtype=bool)
            dt_s = dt_s[running[:-1]]
        return float(np.nansum(dt_s))

    @property
    def distance_m(self) -> float:
        """Total distance (last cumulative distance, or NaN when unknown). [m]"""
        if "distance_m" not in self.samples or self.samples["distance_m"].isna().all():
            return float("nan")
        d = self.samples["distance_m"].dropna()
        return float(d.iloc[-1] - min(0.0, float(d.iloc[0])))

    def fields_present(self) -> list[str]:
        """Sample columns holding at least one value, in glossary order then extras."""
        cols = [c for c in self.samples.columns if self.samples[c].notna().any()]
        known = [c for c in SAMPLE_COLUMNS if c in cols]
        return known + [c for c in cols if c not in SAMPLE_COLUMNS]


def finalize_samples(frame: pd.DataFrame) -> pd.DataFrame:
    """Bring a samples frame into canonical form.

    Sorts by time (stable), drops exact duplicate timestamps keeping the last
    values, makes the index UTC and named ``time``, casts measured columns to
    ``float64`` and ``timer_running`` to ``bool``, orders the columns as in the
    glossary, and recomputes ``elapsed_s`` from the index.

    Parameters
    ----------
    frame
        Samples with a DatetimeIndex (naive indexes are rejected).

    Returns
    -------
    pandas.DataFrame
        The canonical frame (a new object).

    Raises
    ------
    ValueError
        When the index is not a timezone-aware DatetimeIndex.
    """
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise ValueError("samples need a DatetimeIndex")
    if frame.index.tz is None:
        raise ValueError("samples must be timezone-aware (UTC); naive times are ambiguous")
    fast = _finalize_float_samples(frame)
    if fast is not None:
        return fast
    out = frame.copy()
    out.index = pd.DatetimeIndex(out.index).tz_convert("UTC").as_unit("ns")
    out.index.name = "time"
    if not out.index.is_monotonic_increasing:
        out = out.sort_index(kind="stable")
    if not out.index.is_unique:
        out = out[~out.index.duplicated(keep="last")]
    for col in out.columns:
        if col == "timer_running":
            out[col] = out[col].fillna(True).astype(bool)
        elif out[col].dtype == np.float64:
            continue  # already canonical
        elif col in SAMPLE_COLUMNS or pd.api.types.is_numeric_dtype(out[col]):
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    if len(out):
        out["elapsed_s"] = (out.index - out.index[0]).total_seconds().astype("float64")
    else:
        out["elapsed_s"] = pd.Series(dtype="float64")
    if "timer_running" not in out.columns:
        out["timer_running"] = True
    known = [c for c in SAMPLE_COLUMNS if c in out.columns]
    extra = [c for c in out.columns if c not in SAMPLE_COLUMNS]
    return out[known + extra]


def _finalize_float_samples(frame: pd.DataFrame) -> pd.DataFrame | None:
    """:func:`finalize_samples` of the common case in one frame construction.

    Applies when every column is ``float64`` (``timer_running`` absent) and the
    times are sorted, unique and without NaT; returns ``None`` otherwise. The
    result equals the general path's.
    """
    names = list(frame.columns)
    if (
        not len(frame)
        or "timer_running" in names
        or len(set(names)) != len(names)
        or not all(isinstance(name, str) for name in names)
        or not all(dtype == np.float64 for dtype in frame.dtypes.tolist())
    ):
        return None
    values = frame.to_numpy(dtype=np.float64)
    columns = {name: values[:, i] for i, name in enumerate(names)}
    out = float_samples_frame(columns, pd.DatetimeIndex(frame.index))
    if out is not None and frame.attrs:
        out.attrs = copy.deepcopy(frame.attrs)
    return out


def float_samples_frame(
    columns: dict[str, np.ndarray], times: pd.DatetimeIndex
) -> pd.DataFrame | None:
    """:func:`finalize_samples` of ``float64`` columns on aware times, in one construction.

    For importers holding their values as arrays: no intermediate frame.
    ``columns`` must be ``float64`` arrays of ``len(times)`` (no
    ``timer_running``). Returns ``None`` when the times are not sorted,
    unique and without NaT (or there are none); the result then equals
    :func:`finalize_samples` of the frame of these columns.
    """
    if not len(times):
        return None
    index = times.tz_convert("UTC").as_unit("ns").rename("time")
    if index.hasnans or not index.is_monotonic_increasing or not index.is_unique:
        return None
    values = dict(columns)
    values["elapsed_s"] = np.asarray(
        (index - index[0]).total_seconds().astype("float64"), dtype=np.float64
    )
    values["timer_running"] = np.ones(len(index), dtype=bool)
    known = [c for c in SAMPLE_COLUMNS if c in values]
    extra = [c for c in columns if c not in SAMPLE_COLUMNS]
    names = known + extra
    return frame_from_arrays(names, [values[c] for c in names], index, copy=True)
