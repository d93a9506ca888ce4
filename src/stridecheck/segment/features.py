"""Evidence per sample: what an activity says about walking, running and stopping.

:func:`extract_evidence` reads an :class:`~stridecheck.activity.Activity` once
and returns plain numpy arrays in time order: cadence, speed (and where it came
from), heart rate, the footpod's walking/running bit, the device's own
run/walk/stand splits, workout-step laps, and where the timer was stopped or
data are missing. Irregular sampling is kept as it is: each sample carries the
time it stands for, and nothing is resampled or filled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stridecheck.activity import Activity
from stridecheck.io.derive import EARTH_RADIUS_M, derive_speed
from stridecheck.messages import Text, render
from stridecheck.segment.notes import (
    CADENCE_OUT_OF_RANGE,
    NAIVE_TIMES,
    SPEED_FROM_DISTANCE,
    SPEED_FROM_POSITIONS,
    SPEED_OUT_OF_RANGE,
)

__all__ = [
    "DEVICE_RUN",
    "DEVICE_STOP",
    "DEVICE_WALK",
    "GPS_ERROR_CORRELATION_S",
    "GPS_WINDOW_S",
    "NO_DEVICE_LABEL",
    "Evidence",
    "extract_evidence",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int8]

#: Codes of device labels per sample (``Evidence.split_label``, ``Evidence.lap_label``).
NO_DEVICE_LABEL = -1
DEVICE_STOP = 0
DEVICE_WALK = 1
DEVICE_RUN = 2

_SPLIT_CODES = {"rwd_run": DEVICE_RUN, "rwd_walk": DEVICE_WALK, "rwd_stand": DEVICE_STOP}
#: FIT lap ``intensity`` of workout steps -> what the step asks for.
_LAP_CODES = {
    "active": DEVICE_RUN,
    "interval": DEVICE_RUN,
    "recovery": DEVICE_WALK,
    "rest": DEVICE_WALK,
    "warmup": DEVICE_WALK,
    "cooldown": DEVICE_WALK,
}
_TIMER_STOP = {"stop", "stop_all", "stop_disable", "stop_disable_all"}
_TIMER_START = {"start"}

#: Speeds above this are no walking or running (GPS spikes). [m/s]
MAX_FOOT_SPEED_MPS = 12.5
#: Window over which speed is fitted from positions (local linear fit). [s]
GPS_WINDOW_S = 4.0
#: Time over which errors of speed from positions stay correlated: GPS position
#: error wanders slowly, so speeds a few seconds apart share most of it. [s]
GPS_ERROR_CORRELATION_S = 8.0
#: Fixes further apart than this are a gap in the track, not sparse sampling:
#: speed is not fitted across it. [s]
MAX_FIX_GAP_S = 10.0
#: A track is taken as distance-filtered when fewer than
#: :data:`DISTANCE_FILTER_SHARE` of its steps between consecutive fixes are
#: shorter than this (phone apps filter at 3-5 m). [m]
DISTANCE_FILTER_MIN_STEP_M = 2.0
#: See :data:`DISTANCE_FILTER_MIN_STEP_M`.
DISTANCE_FILTER_SHARE = 0.05
#: Cadences above this are sensor errors. [steps/min]
MAX_CADENCE_SPM = 260.0


@dataclass
class Evidence:
    """Per-sample evidence in time order (all arrays have one entry per sample).

    Attributes
    ----------
    time
        Sample times (UTC), sorted.
    order
        Position of each sorted sample in the activity's ``samples`` frame.
    t_s
        Time since the first sample. [s]
    span_s
        Time to the next sample (0 for the last sample). [s]
    cadence_spm
        Step cadence, NaN where missing. [steps/min]
    speed_mps
        Ground speed, NaN where missing. [m/s]
    speed_source
        ``"footpod"`` (footpod or treadmill, no positions), ``"gps"`` (recorded by
        a device that also records positions), ``"positions"`` (derived from
        positions here) or ``"none"``.
    heart_rate_bpm
        Heart rate, NaN where missing. [1/min]
    rsc_running
        Footpod's walking (0) / running (1) bit, NaN where missing.
    split_label, lap_label
        Device label codes (:data:`DEVICE_STOP`, :data:`DEVICE_WALK`,
        :data:`DEVICE_RUN`, :data:`NO_DEVICE_LABEL`) from ``rwd_*`` splits and
        from workout-step laps.
    paused
        True while the recording timer is stopped.
    timer_info
        True when the file says when its timer ran (timer events or a stopped
        timer somewhere); GPX files, for one, do not.
    distance_m
        Cumulative distance (recorded, else integrated from speed), NaN where unknown. [m]
    pause_windows
        Timer pauses from the file's events, ``(k, 2)`` rows of start and end in
        seconds since the first sample, clipped to the recording. A pause may
        hold no sample at all (Garmin watches write a stop event, nothing, then
        a start event). [s]
    distance_filtered
        True when the track looks written through a distance filter (a phone
        app writing a fix only after a few metres of movement): hardly any two
        consecutive fixes are closer than :data:`DISTANCE_FILTER_MIN_STEP_M`.
    sources
        Signals that carried evidence, for the methods text.
    notes
        Problems met, as messages (:mod:`stridecheck.segment.notes`);
        ``warnings`` is their English wording.
    """

    time: pd.DatetimeIndex
    order: NDArray[np.intp]
    t_s: FloatArray
    span_s: FloatArray
    cadence_spm: FloatArray
    speed_mps: FloatArray
    speed_source: str
    heart_rate_bpm: FloatArray
    rsc_running: FloatArray
    split_label: IntArray
    lap_label: IntArray
    paused: BoolArray
    timer_info: bool
    distance_m: FloatArray
    pause_windows: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))
    distance_filtered: bool = False
    sources: list[str] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def warnings(self) -> list[str]:
        """The problems met, in plain English."""
        return [render(note) for note in self.notes]

    @property
    def usable(self) -> BoolArray:
        """True where cadence, speed or the footpod's running bit holds a value."""
        return (
            np.isfinite(self.cadence_spm)
            | np.isfinite(self.speed_mps)
            | np.isfinite(self.rsc_running)
        )


def _column(samples: pd.DataFrame, name: str, order: NDArray[np.intp] | None) -> FloatArray:
    """A column as float64 in time order (``order=None``: the rows are in order already)."""
    n = len(samples)
    if name not in samples.columns:
        return np.full(n, np.nan)
    col = samples[name]
    if col.dtype == np.float64:
        values = col.to_numpy()
    else:
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.array(values if order is None else values[order], dtype=float)


def _has(values: FloatArray) -> bool:
    return bool(np.isfinite(values).any())


def _labels_from_windows(
    t_ns: NDArray[np.int64],
    frame: pd.DataFrame,
    kind_column: str,
    codes: dict[str, int],
) -> IntArray:
    """Code each sample by the window (``start``..``end``) it falls in, last window winning."""
    out = np.full(len(t_ns), NO_DEVICE_LABEL, dtype=np.int8)
    if frame is None or len(frame) == 0 or kind_column not in frame.columns:
        return out
    for kind, start, end in zip(frame[kind_column], frame["start"], frame["end"], strict=False):
        code = codes.get(str(kind).strip().lower())
        if code is None:
            continue
        try:
            lo = pd.Timestamp(start)
            hi = pd.Timestamp(end)
        except (TypeError, ValueError):
            continue
        if pd.isna(lo) or pd.isna(hi):
            continue
        lo_ns = _as_utc_ns(lo)
        hi_ns = _as_utc_ns(hi)
        first = int(np.searchsorted(t_ns, lo_ns, side="left"))
        last = int(np.searchsorted(t_ns, hi_ns, side="left"))
        out[first:last] = code
    return out


def _as_utc_ns(stamp: pd.Timestamp) -> int:
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.tz_convert("UTC").as_unit("ns").value)


def _paused_from_events(
    t_ns: NDArray[np.int64], events: pd.DataFrame
) -> tuple[BoolArray, FloatArray]:
    """Samples between a timer stop event and the next start, and those pauses.

    Returns
    -------
    paused, windows
        True for samples inside a pause; each pause as ``(start, end)`` in
        seconds since the first sample, clipped to the recording (a pause
        still open at the end runs to the last sample).
    """
    paused = np.zeros(len(t_ns), dtype=bool)
    windows = np.zeros((0, 2))
    if events is None or len(events) == 0 or not {"time", "event_type"} <= set(events.columns):
        return paused, windows
    if len(t_ns) == 0:
        return paused, windows
    rows: list[tuple[int, bool]] = []
    for when, event, kind in zip(
        events["time"].tolist(),
        events["event"].tolist() if "event" in events.columns else ["timer"] * len(events),
        events["event_type"].tolist(),
        strict=False,
    ):
        if str(event).strip().lower() != "timer":
            continue
        kind_s = str(kind).strip().lower()
        if kind_s not in _TIMER_STOP and kind_s not in _TIMER_START:
            continue
        try:
            stamp = pd.Timestamp(when)
        except (TypeError, ValueError):
            continue
        if pd.isna(stamp):
            continue
        rows.append((_as_utc_ns(stamp), kind_s in _TIMER_STOP))
    rows.sort(key=lambda r: r[0])
    stopped_at: int | None = None
    spans: list[tuple[int, int]] = []
    for when_ns, is_stop in rows:
        if is_stop and stopped_at is None:
            stopped_at = when_ns
        elif not is_stop and stopped_at is not None:
            first = int(np.searchsorted(t_ns, stopped_at, side="right"))
            last = int(np.searchsorted(t_ns, when_ns, side="left"))
            paused[first:last] = True
            spans.append((stopped_at, when_ns))
            stopped_at = None
    if stopped_at is not None:
        paused[int(np.searchsorted(t_ns, stopped_at, side="right")) :] = True
        spans.append((stopped_at, int(t_ns[-1])))
    if spans:
        raw = (np.array(spans, dtype=np.int64) - t_ns[0]) / 1e9
        raw = np.clip(raw, 0.0, (t_ns[-1] - t_ns[0]) / 1e9)
        windows = raw[raw[:, 1] > raw[:, 0]]
    return paused, windows


def _has_timer_events(events: pd.DataFrame) -> bool:
    if events is None or len(events) == 0 or "event" not in events.columns:
        return False
    return any(str(e).strip().lower() == "timer" for e in events["event"].tolist())


def _speed(
    activity: Activity,
    samples: pd.DataFrame,
    order: NDArray[np.intp] | None,
    notes: list[Text],
) -> tuple[FloatArray, str]:
    has_position = (
        "lat_deg" in samples.columns
        and "lon_deg" in samples.columns
        and bool(samples["lat_deg"].notna().any())
    )
    sub_sport = (activity.meta.sub_sport or "").lower()
    indoor = "treadmill" in sub_sport or "indoor" in sub_sport
    source = "gps" if has_position and not indoor else "footpod"
    speed = _column(samples, "speed_mps", order)
    if has_position and (activity.meta.speed_derived or not _has(speed)):
        # speed from positions: a local linear fit of the track over a short
        # window, which GPS jitter inflates far less than the summed
        # point-to-point path
        speed = _fitted_speed(samples, order, GPS_WINDOW_S)
        notes.append(SPEED_FROM_POSITIONS.with_params(window=float(GPS_WINDOW_S)))
        source = "positions"
    elif not _has(speed):
        if not ("distance_m" in samples.columns and samples["distance_m"].notna().any()) and not (
            has_position
        ):
            return speed, "none"
        sorted_samples = samples if order is None else samples.iloc[order]
        target = sorted_samples.index
        if sorted_samples.index.has_duplicates:
            sorted_samples = sorted_samples[~sorted_samples.index.duplicated(keep="last")]
        derived = derive_speed(sorted_samples).reindex(target)
        speed = derived.to_numpy(dtype=float, na_value=np.nan)
        notes.append(SPEED_FROM_DISTANCE)
    bad = np.isfinite(speed) & ((speed < 0) | (speed > MAX_FOOT_SPEED_MPS))
    if bad.any():
        notes.append(
            SPEED_OUT_OF_RANGE.with_params(count=int(bad.sum()), max=float(MAX_FOOT_SPEED_MPS))
        )
        speed = np.where(bad, np.nan, speed)
    if not _has(speed):
        return speed, "none"
    return speed, source


def _fitted_speed(
    samples: pd.DataFrame, order: NDArray[np.intp] | None, window_s: float
) -> FloatArray:
    """Speed from a least-squares line through the fixes of a centred window. [m/s]

    East and north (metres on a local tangent plane) are each fitted against
    time over a window of at least ``window_s``, widened where fixes are
    sparse so that it always reaches the neighbouring fix on each side (a
    distance-filtered or smart-recorded track, fixes 2-10 s apart): the
    window is time-based, never a count of points. The speed is the length of
    the fitted velocity. Window sums come from cumulative sums, so irregular
    times and gaps cost nothing extra. A window holding fewer than two fixes,
    spanning under a third of its length, or reaching past
    :data:`MAX_FIX_GAP_S` to a neighbour gives NaN.
    """
    lat = _column(samples, "lat_deg", order)
    lon = _column(samples, "lon_deg", order)
    index = samples.index if order is None else samples.index[order]
    t = (index - index[0]).total_seconds().to_numpy(dtype=float)
    out = np.full(len(t), np.nan)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if ok.sum() < 3:
        return out
    tv = t[ok]
    lat0 = math.radians(float(np.median(lat[ok])))
    north = np.radians(lat[ok] - lat[ok][0]) * EARTH_RADIUS_M
    east = np.radians(lon[ok] - lon[ok][0]) * EARTH_RADIUS_M * math.cos(lat0)
    # reach per side: at least window_s / 2, and out to the neighbouring fix
    pos = np.clip(np.searchsorted(tv, t), 0, len(tv) - 1)
    prev_gap = tv[pos] - tv[np.maximum(pos - 1, 0)]
    next_gap = tv[np.minimum(pos + 1, len(tv) - 1)] - tv[pos]
    before = np.maximum(window_s / 2.0, np.where(prev_gap <= MAX_FIX_GAP_S, prev_gap, 0.0))
    after = np.maximum(window_s / 2.0, np.where(next_gap <= MAX_FIX_GAP_S, next_gap, 0.0))
    first = np.searchsorted(tv, t - before - 1e-6, side="left")
    stop = np.searchsorted(tv, t + after + 1e-6, side="right")
    tc = tv - tv[0]

    def window_sum(values: FloatArray) -> FloatArray:
        csum = np.concatenate([[0.0], np.cumsum(values)])
        return np.asarray(csum[stop] - csum[first], dtype=float)

    count = (stop - first).astype(float)
    s_t = window_sum(tc)
    s_tt = window_sum(tc * tc)
    denom = count * s_tt - s_t * s_t
    span = tv[np.maximum(stop - 1, 0)] - tv[np.minimum(first, len(tv) - 1)]
    good = (count >= 2) & (span >= (before + after) / 3.0) & (denom > 0)
    safe = np.where(good, denom, 1.0)
    v_east = (count * window_sum(tc * east) - s_t * window_sum(east)) / safe
    v_north = (count * window_sum(tc * north) - s_t * window_sum(north)) / safe
    out[good] = np.hypot(v_east, v_north)[good]
    return out


def _distance_filtered(samples: pd.DataFrame, order: NDArray[np.intp] | None) -> bool:
    """Whether consecutive fixes are (almost) never closer than a few metres."""
    lat = _column(samples, "lat_deg", order)
    lon = _column(samples, "lon_deg", order)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if ok.sum() < 30:
        return False
    lat_r, lon_r = np.radians(lat[ok]), np.radians(lon[ok])
    north = np.diff(lat_r) * EARTH_RADIUS_M
    east = np.diff(lon_r) * EARTH_RADIUS_M * math.cos(float(np.median(lat_r)))
    step = np.hypot(north, east)
    return bool(np.mean(step < DISTANCE_FILTER_MIN_STEP_M) < DISTANCE_FILTER_SHARE)


def _distance(
    samples: pd.DataFrame, order: NDArray[np.intp] | None, t_s: FloatArray, speed: FloatArray
) -> FloatArray:
    distance = _column(samples, "distance_m", order)
    if _has(distance):
        return distance
    if not _has(speed):
        return distance
    step = np.zeros(len(t_s))
    if len(t_s) > 1:
        filled = np.where(np.isfinite(speed), speed, 0.0)
        step[1:] = 0.5 * (filled[1:] + filled[:-1]) * np.diff(t_s)
    return np.cumsum(step)


def extract_evidence(activity: Activity) -> Evidence:
    """Collect per-sample evidence from an activity, in time order.

    Samples are sorted by time (stably), so the result does not depend on the
    row order of ``activity.samples``.

    Parameters
    ----------
    activity
        Any activity; missing columns simply carry no evidence.

    Returns
    -------
    Evidence
        Arrays in time order, with ``order`` mapping back to the input rows.
    """
    samples = activity.samples
    notes: list[Text] = []
    index = samples.index
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError("activity.samples needs a DatetimeIndex")
    if index.tz is None:
        index = index.tz_localize("UTC")
        notes.append(NAIVE_TIMES)
    utc = index.tz_convert("UTC").as_unit("ns")
    raw_ns = utc.asi8
    in_order = bool(np.all(raw_ns[1:] >= raw_ns[:-1]))
    order = (
        np.arange(len(raw_ns), dtype=np.intp)
        if in_order
        else np.argsort(raw_ns, kind="stable").astype(np.intp)
    )
    take: NDArray[np.intp] | None = None if in_order else order
    t_ns = raw_ns if in_order else raw_ns[order]
    time = pd.DatetimeIndex(utc if in_order else utc[order], name="time")
    t_s = (t_ns - t_ns[0]) / 1e9 if len(t_ns) else np.zeros(0)
    span = np.zeros(len(t_s))
    if len(t_s) > 1:
        span[:-1] = np.diff(t_s)

    sources: list[str] = []
    cadence = _column(samples, "cadence_spm", take)
    bad_cad = np.isfinite(cadence) & ((cadence < 0) | (cadence > MAX_CADENCE_SPM))
    if bad_cad.any():
        notes.append(
            CADENCE_OUT_OF_RANGE.with_params(count=int(bad_cad.sum()), max=float(MAX_CADENCE_SPM))
        )
        cadence = np.where(bad_cad, np.nan, cadence)
    if _has(cadence):
        sources.append("cadence")

    speed, speed_source = _speed(activity, samples, take, notes)
    if speed_source != "none":
        sources.append(f"speed ({speed_source})")

    heart_rate = _column(samples, "heart_rate_bpm", take)
    heart_rate = np.where((heart_rate > 20) & (heart_rate < 250), heart_rate, np.nan)
    if _has(heart_rate):
        sources.append("heart rate")

    rsc = _column(samples, "rsc_running", take)
    rsc = np.where(np.isfinite(rsc), (rsc > 0.5).astype(float), np.nan)
    if _has(rsc):
        sources.append("footpod walking/running bit")

    split_label = _labels_from_windows(t_ns, activity.device_splits, "split_type", _SPLIT_CODES)
    if (split_label != NO_DEVICE_LABEL).any():
        sources.append("device run/walk splits")
    laps = activity.laps
    lap_label = np.full(len(t_ns), NO_DEVICE_LABEL, dtype=np.int8)
    if laps is not None and len(laps) and "wkt_step_index" in laps.columns:
        has_step = laps["wkt_step_index"].notna().to_numpy()
        step_laps = laps[has_step] if has_step.any() else laps.iloc[:0]
        lap_label = _labels_from_windows(t_ns, step_laps, "intensity", _LAP_CODES)
        if (lap_label != NO_DEVICE_LABEL).any():
            sources.append("workout-step laps")

    paused, pause_windows = _paused_from_events(t_ns, activity.events)
    if "timer_running" in samples.columns:
        col = samples["timer_running"]
        if col.dtype == bool:
            running = col.to_numpy()
        else:
            running = col.astype("boolean").fillna(True).to_numpy(dtype=bool)
        paused |= ~(running if take is None else running[take])

    timer_info = bool(paused.any()) or _has_timer_events(activity.events)
    distance = _distance(samples, take, t_s, speed)
    return Evidence(
        time=time,
        order=order,
        t_s=np.asarray(t_s, dtype=float),
        span_s=span,
        cadence_spm=cadence,
        speed_mps=speed,
        speed_source=speed_source,
        heart_rate_bpm=heart_rate,
        rsc_running=rsc,
        split_label=split_label,
        lap_label=lap_label,
        paused=paused,
        timer_info=timer_info,
        distance_m=distance,
        pause_windows=pause_windows,
        distance_filtered=speed_source == "positions" and _distance_filtered(samples, take),
        sources=sources,
        notes=notes,
    )
