"""What was done, second by second: an interval table on a 1 s grid, pauses taken out.

Compliance works on *active* time: the seconds the recording timer ran. An
interval timer on a watch stops with the recording timer, so a timer pause
moves the rest of the session later without being part of it. Each active
second carries the kind of the interval holding its midpoint (``walk``,
``run``, ``stop`` or ``unknown``) and, when they are known, the heart rate and
the ground speed at that second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stridecheck.activity import Activity
from stridecheck.io.plausible import check_span

__all__ = [
    "KIND_CODES",
    "MAX_TIMELINE_S",
    "RUN",
    "STOP",
    "UNKNOWN",
    "WALK",
    "ActiveTimeline",
    "build_timeline",
]

WALK, RUN, STOP, UNKNOWN = 0, 1, 2, 3
_PAUSED = 4
#: Interval kind -> code on the timeline (anything else is ``unknown``).
KIND_CODES: dict[str, int] = {"walk": WALK, "run": RUN, "stop": STOP, "unknown": UNKNOWN}

#: The longest span a per-second timeline is built for (a session of a program is
#: hours long; the bound keeps a clock error from allocating gigabytes). [s]
MAX_TIMELINE_S = 2 * 86400.0
#: A sample further than this from a second does not describe it. [s]
_MAX_SAMPLE_GAP_S = 10.0

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class ActiveTimeline:
    """Active seconds of an activity (timer running), in order.

    Attributes
    ----------
    origin
        Wall-clock time of the start of the grid (UTC).
    kinds
        Kind code per active second (:data:`WALK`, :data:`RUN`, :data:`STOP`,
        :data:`UNKNOWN`).
    wall_s
        Start of each active second, counted from ``origin``. [s]
    heart_rate_bpm
        Heart rate per active second, NaN when unknown. [1/min]
    speed_mps
        Ground speed per active second, NaN when unknown. [m/s]
    distance_m
        Distance covered during each active second, NaN when unknown. [m]
    paused_s
        Wall-clock time excluded as timer pauses. [s]
    span_s
        Wall-clock length of the grid, pauses included. [s]
    cadence_spm
        Step cadence per active second, NaN when unknown (all NaN when the
        timeline was built without the recording). [steps/min]
    """

    origin: pd.Timestamp
    kinds: IntArray
    wall_s: FloatArray
    heart_rate_bpm: FloatArray
    speed_mps: FloatArray
    distance_m: FloatArray
    paused_s: float
    span_s: float
    cadence_spm: FloatArray = field(default_factory=lambda: np.zeros(0))
    #: Counts of :meth:`cumulative`, by kind code, made on first use.
    _cumulative: dict[int, IntArray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __len__(self) -> int:
        return len(self.kinds)

    def time_at(self, active_index: int) -> pd.Timestamp:
        """Wall-clock time (UTC) where active second ``active_index`` starts.

        ``active_index == len(self)`` gives the end of the last active second.
        """
        if len(self.kinds) == 0:
            return self.origin
        if active_index >= len(self.kinds):
            seconds = float(self.wall_s[-1]) + 1.0
        else:
            seconds = float(self.wall_s[max(active_index, 0)])
        return self.origin + pd.Timedelta(seconds=seconds)

    def step_times(
        self, first: IntArray, stop: IntArray
    ) -> tuple[list[pd.Timestamp | None], list[pd.Timestamp | None]]:
        """Wall-clock start and end (UTC) of windows ``[first, stop)`` of active seconds.

        The end is the end of the window's last active second; an empty window
        has neither (``None``).
        """
        first = np.asarray(first, dtype=np.intp)
        stop = np.asarray(stop, dtype=np.intp)
        filled = stop > first
        if len(self.kinds) == 0 or not filled.any():
            return [None] * len(first), [None] * len(first)
        last = len(self.kinds) - 1
        begin_s = self.wall_s[np.clip(first, 0, last)]
        end_s = self.wall_s[np.clip(stop - 1, 0, last)] + 1.0
        origin_ns = self.origin.as_unit("ns").value
        stamps = pd.DatetimeIndex(
            origin_ns + np.round(np.concatenate([begin_s, end_s]) * 1e9).astype(np.int64), tz="UTC"
        )
        n = len(first)
        boxed = list(stamps)
        keep = filled.tolist()
        starts = [t if ok else None for t, ok in zip(boxed[:n], keep, strict=True)]
        ends = [t if ok else None for t, ok in zip(boxed[n:], keep, strict=True)]
        return starts, ends

    def cumulative(self, code: int) -> IntArray:
        """Seconds of kind ``code`` before each active second (length ``len + 1``).

        Computed once per kind and shared (read-only): every session aligned
        and scored against this timeline uses the same counts.
        """
        out = self._cumulative.get(code)
        if out is None:
            out = np.zeros(len(self.kinds) + 1, dtype=np.intp)
            np.cumsum(self.kinds == code, out=out[1:])
            out.flags.writeable = False
            self._cumulative[code] = out
        return out


_NAT = np.iinfo(np.int64).min


def _utc_ns(values: pd.Series | pd.Index) -> NDArray[np.int64]:
    """Times as integer nanoseconds since 1970 UTC (naive times taken as UTC; NaT kept)."""
    array = values.array
    if not isinstance(array, pd.arrays.DatetimeArray):
        try:
            parsed = pd.to_datetime(values, utc=True)
        except ValueError:  # ISO 8601 text, some with fractional seconds, some without
            parsed = pd.to_datetime(values, utc=True, format="ISO8601")
        array = pd.DatetimeIndex(parsed).array
    return array.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)


def _seconds_after(ns: NDArray[np.int64], origin_ns: int) -> FloatArray:
    """Seconds from ``origin_ns`` (NaN for NaT)."""
    out = (ns - origin_ns) / 1e9
    out[ns == _NAT] = np.nan
    return out


def _sample_at(
    at_s: FloatArray, sample_s: FloatArray, values: FloatArray, max_gap_s: float
) -> FloatArray:
    """Linear interpolation of ``values`` at ``at_s``; NaN farther than ``max_gap_s``."""
    ok = np.isfinite(values) & np.isfinite(sample_s)
    if not ok.any():
        return np.full(len(at_s), np.nan)
    xs, ys = sample_s[ok], values[ok]
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    out = np.interp(at_s, xs, ys)
    pos = np.clip(np.searchsorted(xs, at_s), 1, max(len(xs) - 1, 1))
    nearest = np.minimum(
        np.abs(at_s - xs[pos - 1]), np.abs(at_s - xs[np.minimum(pos, len(xs) - 1)])
    )
    return np.where(nearest <= max_gap_s, out, np.nan)


def _interval_column(
    intervals: pd.DataFrame, column: str, which: IntArray, inside: NDArray[np.bool_]
) -> FloatArray:
    if column not in intervals.columns:
        return np.full(len(which), np.nan)
    values = pd.to_numeric(intervals[column], errors="coerce").to_numpy(dtype=float)
    return np.where(inside, values[np.clip(which, 0, len(values) - 1)], np.nan)


def build_timeline(intervals: pd.DataFrame, activity: Activity | None = None) -> ActiveTimeline:
    """Put an interval table on a 1 s grid and drop the paused seconds.

    Parameters
    ----------
    intervals
        Contiguous intervals with at least ``kind``, ``start`` and ``end`` (UTC),
        e.g. ``Segmentation.intervals`` or a simulator's ``truth_intervals``.
        Seconds not covered by any interval are ``unknown``.
    activity
        The recording, for heart rate, speed and distance per second. Without it
        the interval means (``mean_heart_rate_bpm``, ``mean_speed_mps``,
        ``distance_m``) are used when the table has them.

    Returns
    -------
    ActiveTimeline
    """
    kinds_column = intervals["kind"] if len(intervals) else None
    start_ns = _utc_ns(intervals["start"]) if len(intervals) else np.zeros(0, dtype=np.int64)
    valid = start_ns != _NAT
    if kinds_column is None or not valid.any():
        origin = (
            activity.start_time
            if activity is not None and len(activity.samples)
            else (pd.Timestamp(0, tz="UTC"))
        )
        empty_f = np.zeros(0)
        return ActiveTimeline(
            origin, np.zeros(0, dtype=np.intp), empty_f, empty_f, empty_f, empty_f, 0.0, 0.0
        )
    # the grid starts at the whole second of the earliest start (NaT starts sort last)
    origin_ns = int(start_ns[valid].min()) // 1_000_000_000 * 1_000_000_000
    origin = pd.Timestamp(origin_ns, tz="UTC")
    start_all = _seconds_after(start_ns, origin_ns)
    order = np.argsort(start_all, kind="stable")
    start_s = start_all[order]
    end_s = _seconds_after(_utc_ns(intervals["end"]), origin_ns)[order]
    span_s = float(np.nanmax(end_s))
    source = activity.meta.source_path if activity is not None else None
    check_span(span_s, MAX_TIMELINE_S, "the per-second compliance timeline", source)
    n = max(math.ceil(span_s - 1e-9), 0)
    mid = np.arange(n, dtype=float) + 0.5
    which = np.searchsorted(start_s, mid, side="right") - 1
    safe = np.clip(which, 0, len(order) - 1)
    inside = (which >= 0) & (mid < end_s[safe])
    names = [str(k).lower() for k in kinds_column.tolist()]
    codes = np.array([_PAUSED if k == "paused" else KIND_CODES.get(k, UNKNOWN) for k in names])
    codes = codes[order]
    kinds_all = np.where(inside, codes[safe], UNKNOWN).astype(np.intp)
    active = kinds_all != _PAUSED
    wall = np.arange(n, dtype=float)[active]
    if activity is not None and len(activity.samples):
        samples = activity.samples
        sample_s = _seconds_after(_utc_ns(samples.index), origin_ns)
        at = wall + 0.5

        def column(name: str) -> FloatArray:
            if name not in samples.columns:
                return np.full(len(at), np.nan)
            values = samples[name].to_numpy(dtype=float)
            return _sample_at(at, sample_s, values, _MAX_SAMPLE_GAP_S)

        heart = column("heart_rate_bpm")
        speed = column("speed_mps")
        cadence = column("cadence_spm")
        if "distance_m" in samples.columns:
            values = samples["distance_m"].to_numpy(dtype=float)
            before = _sample_at(wall, sample_s, values, _MAX_SAMPLE_GAP_S)
            after = _sample_at(wall + 1.0, sample_s, values, _MAX_SAMPLE_GAP_S)
            distance = np.clip(after - before, 0.0, None)
        else:
            distance = speed.copy()
    else:
        frame = intervals.iloc[order]
        which_a, inside_a = safe[active], inside[active]
        heart = _interval_column(frame, "mean_heart_rate_bpm", which_a, inside_a)
        speed = _interval_column(frame, "mean_speed_mps", which_a, inside_a)
        distance = speed.copy()
        cadence = np.full(len(wall), np.nan)
    return ActiveTimeline(
        origin=origin,
        kinds=kinds_all[active],
        wall_s=wall,
        heart_rate_bpm=heart,
        speed_mps=speed,
        distance_m=distance,
        paused_s=float(np.count_nonzero(~active)),
        span_s=span_s,
        cadence_spm=cadence,
    )
