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
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stridecheck.activity import Activity

__all__ = [
    "KIND_CODES",
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
    """

    origin: pd.Timestamp
    kinds: IntArray
    wall_s: FloatArray
    heart_rate_bpm: FloatArray
    speed_mps: FloatArray
    distance_m: FloatArray
    paused_s: float
    span_s: float

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

    def cumulative(self, code: int) -> IntArray:
        """Seconds of kind ``code`` before each active second (length ``len + 1``)."""
        out = np.zeros(len(self.kinds) + 1, dtype=np.intp)
        np.cumsum(self.kinds == code, out=out[1:])
        return out


def _utc_seconds(values: pd.Series | pd.DatetimeIndex, origin: pd.Timestamp) -> FloatArray:
    times = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    return np.asarray((times - origin).total_seconds(), dtype=float)


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
    if len(intervals) == 0:
        origin = (
            activity.start_time
            if activity is not None and len(activity.samples)
            else (pd.Timestamp(0, tz="UTC"))
        )
        empty_f = np.zeros(0)
        return ActiveTimeline(
            origin, np.zeros(0, dtype=np.intp), empty_f, empty_f, empty_f, empty_f, 0.0, 0.0
        )
    frame = intervals.sort_values("start", kind="stable").reset_index(drop=True)
    starts = pd.DatetimeIndex(pd.to_datetime(frame["start"], utc=True))
    origin = pd.Timestamp(starts[0]).floor("s")
    start_s = _utc_seconds(frame["start"], origin)
    end_s = _utc_seconds(frame["end"], origin)
    span_s = float(np.nanmax(end_s))
    n = max(math.ceil(span_s - 1e-9), 0)
    mid = np.arange(n, dtype=float) + 0.5
    which = np.searchsorted(start_s, mid, side="right") - 1
    safe = np.clip(which, 0, len(frame) - 1)
    inside = (which >= 0) & (mid < end_s[safe])
    names = frame["kind"].astype(str).str.lower().to_numpy()
    codes = np.array([_PAUSED if k == "paused" else KIND_CODES.get(k, UNKNOWN) for k in names])
    kinds_all = np.where(inside, codes[safe], UNKNOWN).astype(np.intp)
    active = kinds_all != _PAUSED
    wall = np.arange(n, dtype=float)[active]
    if activity is not None and len(activity.samples):
        samples = activity.samples
        sample_s = _utc_seconds(samples.index.to_series(), origin)
        at = wall + 0.5

        def column(name: str) -> FloatArray:
            if name not in samples.columns:
                return np.full(len(at), np.nan)
            values = samples[name].to_numpy(dtype=float)
            return _sample_at(at, sample_s, values, _MAX_SAMPLE_GAP_S)

        heart = column("heart_rate_bpm")
        speed = column("speed_mps")
        if "distance_m" in samples.columns:
            values = samples["distance_m"].to_numpy(dtype=float)
            before = _sample_at(wall, sample_s, values, _MAX_SAMPLE_GAP_S)
            after = _sample_at(wall + 1.0, sample_s, values, _MAX_SAMPLE_GAP_S)
            distance = np.clip(after - before, 0.0, None)
        else:
            distance = speed.copy()
    else:
        which_a, inside_a = safe[active], inside[active]
        heart = _interval_column(frame, "mean_heart_rate_bpm", which_a, inside_a)
        speed = _interval_column(frame, "mean_speed_mps", which_a, inside_a)
        distance = speed.copy()
    return ActiveTimeline(
        origin=origin,
        kinds=kinds_all[active],
        wall_s=wall,
        heart_rate_bpm=heart,
        speed_mps=speed,
        distance_m=distance,
        paused_s=float(np.count_nonzero(~active)),
        span_s=span_s,
    )
