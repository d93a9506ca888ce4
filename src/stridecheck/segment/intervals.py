"""From per-sample labels to the interval table: contiguous, covering the activity.

Each sample stands for the time up to the next one. Where the label changes
between two samples the boundary is put halfway between them (the change
happened somewhere in between; with smart recording the gap can be several
seconds), less half the sensors' response lag (a reading averages the
``lag_s`` before it, so the last reading of the old gait says the change came
after it, and the first of the new gait that it came at least ``lag_s``
before that). A reading caught in the change itself (its cadence between the
two gaits) dates it better: the boundary goes ``lag_s`` before it. Timer
pauses begin and end exactly at the samples the device wrote when the timer
stopped and started, or at the timer's stop and start events when no sample
lies inside the pause (``paused``, with no distance charged).
A gap between samples longer than the bridging limit becomes an ``unknown``
interval of its own, or ``paused`` in a file without timer information (GPX)
when the athlete did not move across it (``stop`` in a distance-filtered
track, where standing still writes no fix).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stridecheck.segment.features import Evidence

__all__ = [
    "INTERVAL_COLUMNS",
    "KINDS",
    "PAUSED_CODE",
    "RUN_CODE",
    "STOP_CODE",
    "UNKNOWN_CODE",
    "WALK_CODE",
    "build_intervals",
    "empty_intervals",
    "give_changing_to_new_gait",
    "labels_at",
    "summarize_intervals",
]

#: Interval kinds, in code order (``KINDS[code]``).
KINDS: tuple[str, ...] = ("walk", "run", "stop", "paused", "unknown")
WALK_CODE, RUN_CODE, STOP_CODE, PAUSED_CODE, UNKNOWN_CODE = range(5)

#: Columns of ``Segmentation.intervals``.
INTERVAL_COLUMNS: tuple[str, ...] = (
    "kind",
    "start",
    "end",
    "duration_s",
    "distance_m",
    "mean_speed_mps",
    "pace_s_per_km",
    "mean_heart_rate_bpm",
    "mean_cadence_spm",
    "confidence",
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Below this mean speed a walk or run interval has no meaningful pace (stop, paused
#: and unknown intervals never have one). [m/s]
_MIN_PACE_SPEED_MPS = 0.2


def empty_intervals() -> pd.DataFrame:
    """An interval table with no rows and the right columns and dtypes."""
    frame = pd.DataFrame(
        {
            "kind": pd.Series(dtype=object),
            "start": pd.Series(dtype="datetime64[ns, UTC]"),
            "end": pd.Series(dtype="datetime64[ns, UTC]"),
        }
    )
    for col in INTERVAL_COLUMNS[3:]:
        frame[col] = pd.Series(dtype="float64")
    return frame


def _cumsum0(x: FloatArray) -> FloatArray:
    out = np.zeros(len(x) + 1)
    np.cumsum(x, out=out[1:])
    return out


def _weighted_means(
    values: FloatArray, weights: FloatArray, first: IntArray, stop: IntArray
) -> FloatArray:
    """Weighted mean of ``values`` over sample ranges ``[first, stop)`` (NaN when empty)."""
    ok = np.isfinite(values)
    w = np.where(ok, weights, 0.0)
    num = _cumsum0(np.where(ok, values, 0.0) * w)
    den = _cumsum0(w)
    cnt = _cumsum0(ok.astype(float))
    n_num = num[stop] - num[first]
    n_den = den[stop] - den[first]
    n_cnt = cnt[stop] - cnt[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = _cumsum0(np.where(ok, values, 0.0))
        simple = (plain[stop] - plain[first]) / n_cnt
        out = np.where(n_den > 0, n_num / np.where(n_den > 0, n_den, 1.0), simple)
    return np.where(n_cnt > 0, out, np.nan)


def give_changing_to_new_gait(
    codes: NDArray[np.int8], changing: NDArray[np.bool_]
) -> NDArray[np.int8]:
    """Label a reading caught in a change of gait with the gait it changes to.

    The change had begun when the reading was taken (its cadence lies between
    the two gaits), so where the decoder left it with the old gait and the next
    sample has the new one, it opens the new gait instead.

    Parameters
    ----------
    codes
        Kind code per sample (index into :data:`KINDS`), time order.
    changing
        Per sample, the reading lies between the two gaits.

    Returns
    -------
    numpy.ndarray
        The codes, relabelled (a copy).
    """
    out = codes.copy()
    if len(out) < 2:
        return out
    a, b = out[:-1], out[1:]
    gaits = (a <= RUN_CODE) & (b <= RUN_CODE) & (a != b)
    first = np.concatenate([[True], ~changing[:-2]]) if len(out) > 2 else np.ones(1, dtype=bool)
    move = np.flatnonzero(gaits & changing[:-1] & first)
    out[move] = out[move + 1]
    return out


def build_intervals(
    ev: Evidence,
    codes: NDArray[np.int8],
    confidence: FloatArray,
    *,
    bridge_s: float,
    lag_s: float = 0.0,
    pause_speed_mps: float = 0.5,
    changing: NDArray[np.bool_] | None = None,
) -> tuple[pd.DataFrame, FloatArray, FloatArray]:
    """Turn per-sample kind codes into the interval table.

    Parameters
    ----------
    ev
        Evidence in time order.
    codes
        Kind code per sample (index into :data:`KINDS`), time order.
    confidence
        Confidence of each sample's label, 0-1.
    bridge_s
        A gap between samples longer than this becomes ``unknown``. [s]
    lag_s
        Sensor response lag, the time a reading averages over: a boundary
        between walk, run and stop is moved half this much earlier than
        halfway between the samples, but never before the earlier sample. [s]
    pause_speed_mps
        In a file without timer information (GPX), a gap longer than
        ``bridge_s`` across which the athlete moved slower than this is taken
        as a pause of the recording; other long gaps are ``unknown``. [m/s]
    changing
        Per sample (time order), ``True`` where the reading lies between the
        two gaits, caught in the middle of a change. A boundary between walk
        and run next to such a reading is put where the reading says the
        change happened, not halfway across the gap: ``lag_s`` before a
        changing reading that opens the new gait (see
        :func:`give_changing_to_new_gait`). ``None``: halfway everywhere.

    Returns
    -------
    intervals, start_s, end_s
        The table (columns :data:`INTERVAL_COLUMNS`) and each interval's start
        and end in seconds since the first sample.
    """
    n = len(ev)
    if n == 0:
        return empty_intervals(), np.zeros(0), np.zeros(0)
    t = ev.t_s
    span = ev.span_s[:-1]
    kinds = codes.astype(np.intp)
    nominal = float(np.median(span)) if n > 1 else 1.0
    nominal = min(max(nominal, 0.0), bridge_s)

    cut = t[1:].copy()  # default: sample i reaches the next sample
    next_start = t[1:].copy()
    if n > 1:
        differ = kinds[:-1] != kinds[1:]
        pause_edge = (kinds[:-1] == PAUSED_CODE) | (kinds[1:] == PAUSED_CODE)
        mid = differ & ~pause_edge
        gait_edge = mid & (kinds[:-1] < PAUSED_CODE) & (kinds[1:] < PAUSED_CODE)
        shift = np.where(gait_edge, 0.5 * lag_s, 0.0)
        cut[mid] = np.maximum(t[:-1][mid] + 0.5 * span[mid] - shift[mid], t[:-1][mid])
        if changing is not None:
            # a reading caught in the change dates it better than halfway across a
            # sparse gap (smart recording: samples up to 7 s apart)
            walk_run = gait_edge & (kinds[:-1] <= RUN_CODE) & (kinds[1:] <= RUN_CODE)
            opens = walk_run & changing[1:]
            cut[opens] = np.maximum(t[1:][opens] - lag_s, t[:-1][opens])
        next_start = cut.copy()
        gap = (span > bridge_s) & (kinds[:-1] != PAUSED_CODE)
        cut[gap] = t[:-1][gap] + np.minimum(nominal, span[gap])
        next_start[gap] = t[1:][gap]
    else:
        gap = np.zeros(0, dtype=bool)

    starts = np.concatenate([[t[0]], next_start])
    ends = np.concatenate([cut, [t[-1]]])
    sample_of = np.arange(n, dtype=np.intp)
    gap_idx = np.flatnonzero(gap)
    if gap_idx.size:
        pos = gap_idx + 1
        starts = np.insert(starts, pos, cut[gap_idx])
        ends = np.insert(ends, pos, next_start[gap_idx])
        kinds = np.insert(kinds, pos, _gap_kinds(ev, gap_idx, pause_speed_mps))
        sample_of = np.insert(sample_of, pos, -1)

    if len(ev.pause_windows):
        starts, ends, kinds, sample_of = _paint_pauses(
            starts, ends, kinds, sample_of, ev.pause_windows
        )

    length = ends - starts
    if (length > 0).any():
        keep = length > 0
        starts, ends, kinds, sample_of = starts[keep], ends[keep], kinds[keep], sample_of[keep]
    else:
        starts, ends, kinds, sample_of = starts[:1], ends[-1:], kinds[:1], sample_of[:1]

    change = np.flatnonzero(np.diff(kinds) != 0) + 1
    first_piece = np.concatenate([[0], change])
    last_piece = np.concatenate([change, [len(kinds)]]) - 1
    iv_kind = kinds[first_piece]
    iv_start = starts[first_piece]
    iv_end = ends[last_piece]

    # sample range of each interval (gap pieces have none)
    real = sample_of >= 0
    piece_first = np.where(real, sample_of, n)
    piece_last = np.where(real, sample_of + 1, 0)
    first_sample = np.minimum.reduceat(piece_first, first_piece)
    stop_sample = np.maximum.reduceat(piece_last, first_piece)
    first_sample = np.minimum(first_sample, stop_sample)

    weights = np.concatenate([ev.span_s[:-1], [0.0]]) if n > 1 else np.ones(1)
    weights = np.where(weights > 0, np.minimum(weights, bridge_s), 0.0)
    hr = _weighted_means(ev.heart_rate_bpm, weights, first_sample, stop_sample)
    cad = _weighted_means(ev.cadence_spm, weights, first_sample, stop_sample)
    conf = _weighted_means(confidence, weights, first_sample, stop_sample)
    conf = np.where(iv_kind == UNKNOWN_CODE, 0.0, conf)
    conf = np.where(iv_kind == PAUSED_CODE, 1.0, conf)
    # while the timer is stopped the device says nothing about the athlete
    hr = np.where(iv_kind == PAUSED_CODE, np.nan, hr)
    cad = np.where(iv_kind == PAUSED_CODE, np.nan, cad)

    duration = iv_end - iv_start
    dist_ok = np.isfinite(ev.distance_m)
    if dist_ok.sum() >= 1:
        d_start = np.interp(iv_start, t[dist_ok], ev.distance_m[dist_ok])
        d_end = np.interp(iv_end, t[dist_ok], ev.distance_m[dist_ok])
        distance = np.maximum(d_end - d_start, 0.0)
        # the device counts no distance while its timer is stopped
        distance = np.where(iv_kind == PAUSED_CODE, 0.0, distance)
    else:
        distance = np.full(len(iv_kind), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.where(duration > 0, distance / np.where(duration > 0, duration, 1.0), np.nan)
        moving = (iv_kind == WALK_CODE) | (iv_kind == RUN_CODE)
        pace = np.where(moving & (speed >= _MIN_PACE_SPEED_MPS), 1000.0 / speed, np.nan)

    t0_ns = int(ev.time.asi8[0])
    # every column is a fresh array: no copies; keys in INTERVAL_COLUMNS order (no reindexing)
    frame = pd.DataFrame(
        {
            "kind": pd.array(np.array(KINDS, dtype=object)[iv_kind], dtype="str"),
            "start": _utc_times(t0_ns, iv_start),
            "end": _utc_times(t0_ns, iv_end),
            "duration_s": duration.astype(float),
            "distance_m": distance.astype(float),
            "mean_speed_mps": speed.astype(float),
            "pace_s_per_km": pace.astype(float),
            "mean_heart_rate_bpm": hr,
            "mean_cadence_spm": cad,
            "confidence": np.clip(conf, 0.0, 1.0),
        },
        copy=False,
    )
    return frame, iv_start, iv_end


def _paint_pauses(
    starts: FloatArray,
    ends: FloatArray,
    kinds: IntArray,
    sample_of: IntArray,
    windows: FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Overlay timer pauses (``(start, end)`` rows, seconds) on the pieces, splitting as needed.

    Pieces are time-ordered and contiguous; a piece partly inside a pause is cut
    at the pause's edge, the part inside becomes ``paused``.
    """
    for a, b in windows:
        cut_points = [x for x in (a, b) if np.any((starts < x) & (ends > x))]
        for x in cut_points:
            i = int(np.flatnonzero((starts < x) & (ends > x))[0])
            starts = np.insert(starts, i + 1, x)
            ends = np.insert(ends, i, x)
            kinds = np.insert(kinds, i + 1, kinds[i])
            sample_of = np.insert(sample_of, i + 1, sample_of[i])
        inside = (starts >= a) & (ends <= b) & (ends > starts)
        kinds = np.where(inside, PAUSED_CODE, kinds)
    return starts, ends, kinds, sample_of


def _utc_times(t0_ns: int, offset_s: FloatArray) -> pd.DatetimeIndex:
    """UTC times ``offset_s`` seconds after ``t0_ns`` (nanoseconds since the epoch)."""
    ns = t0_ns + np.round(offset_s * 1e9).astype(np.int64)
    return pd.DatetimeIndex(ns.view("datetime64[ns]"), tz="UTC")


def _gap_kinds(ev: Evidence, gap_idx: IntArray, pause_speed_mps: float) -> IntArray:
    """Kind of each long gap after sample ``gap_idx``: ``paused``, ``stop`` or ``unknown``.

    In a file without timer information a gap across which the athlete did not
    move is a pause of the recording, except in a distance-filtered track
    (``Evidence.distance_filtered``): there standing still writes no fix, so the
    gap is a ``stop``.
    """
    kinds = np.full(len(gap_idx), UNKNOWN_CODE, dtype=np.intp)
    if ev.timer_info:
        return kinds
    before = ev.distance_m[gap_idx]
    after = ev.distance_m[gap_idx + 1]
    span = ev.t_s[gap_idx + 1] - ev.t_s[gap_idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = (after - before) / span
    still = STOP_CODE if ev.distance_filtered else PAUSED_CODE
    kinds[np.isfinite(rate) & (rate < pause_speed_mps)] = still
    return kinds


def labels_at(intervals: pd.DataFrame, times: pd.DatetimeIndex) -> pd.Series:
    """Kind of the interval holding each time (intervals are right-open; the last is closed).

    Times outside the activity get ``"unknown"``.
    """
    if len(intervals) == 0:
        return pd.Series("unknown", index=times, dtype=object)
    starts = pd.DatetimeIndex(intervals["start"]).as_unit("ns").asi8
    last_end = int(pd.DatetimeIndex(intervals["end"]).as_unit("ns").asi8[-1])
    when = times.tz_convert("UTC").as_unit("ns").asi8
    pos = np.searchsorted(starts, when, side="right") - 1
    kinds = intervals["kind"].to_numpy(dtype=object)
    out = np.where(pos >= 0, kinds[np.clip(pos, 0, None)], "unknown").astype(object)
    out[when > last_end] = "unknown"
    return pd.Series(out, index=times, dtype=object)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def summarize_intervals(intervals: pd.DataFrame) -> dict[str, Any]:
    """Totals per kind: time, distance, interval count, plus run bouts and mean confidence."""
    summary: dict[str, Any] = {}
    if len(intervals):
        summary["start"] = pd.Timestamp(intervals["start"].iloc[0]).isoformat()
        summary["end"] = pd.Timestamp(intervals["end"].iloc[-1]).isoformat()
    else:
        summary["start"] = summary["end"] = None
    summary["duration_s"] = float(intervals["duration_s"].sum()) if len(intervals) else 0.0
    time_by: dict[str, float] = {}
    dist_by: dict[str, float | None] = {}
    count_by: dict[str, int] = {}
    for kind in KINDS:
        part = intervals[intervals["kind"] == kind]
        time_by[kind] = float(part["duration_s"].sum())
        d = part["distance_m"].dropna()
        dist_by[kind] = _finite(float(d.sum())) if len(d) else None
        count_by[kind] = len(part)
    summary["time_s"] = time_by
    summary["distance_m"] = dist_by
    summary["intervals"] = count_by
    runs = intervals[intervals["kind"] == "run"]
    summary["run_bouts"] = len(runs)
    summary["longest_run_s"] = float(runs["duration_s"].max()) if len(runs) else 0.0
    d_all = intervals["distance_m"].dropna()
    summary["total_distance_m"] = _finite(float(d_all.sum())) if len(d_all) else None
    moving = intervals[intervals["kind"].isin(["walk", "run", "stop"])]
    if len(moving) and moving["duration_s"].sum() > 0:
        conf = float(
            np.average(moving["confidence"], weights=np.maximum(moving["duration_s"], 1e-9))
        )
        summary["mean_confidence"] = conf
    else:
        summary["mean_confidence"] = None
    return summary
