"""Quantities derived from other columns when a source lacks them.

Used by every importer, so derivation is done one way everywhere and flagged in
``Activity.meta`` (``speed_derived``), never silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "EARTH_RADIUS_M",
    "derive_distance",
    "derive_speed",
    "distance_from_positions",
    "haversine_m",
    "speed_from_distance",
]

#: Mean Earth radius (IUGG). [m]
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(
    lat1_deg: np.ndarray, lon1_deg: np.ndarray, lat2_deg: np.ndarray, lon2_deg: np.ndarray
) -> np.ndarray:
    """Great-circle distance between points. [m]

    Parameters
    ----------
    lat1_deg, lon1_deg, lat2_deg, lon2_deg
        Coordinates of the two ends. [degree]

    Returns
    -------
    numpy.ndarray
        Distance along the sphere of radius :data:`EARTH_RADIUS_M`. [m]
    """
    p1 = np.radians(lat1_deg)
    p2 = np.radians(lat2_deg)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2_deg) - np.asarray(lon1_deg))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def derive_distance(samples: pd.DataFrame) -> pd.Series:
    """Cumulative distance from positions. [m]

    Steps with a missing position contribute nothing (the next valid position
    is measured from the last valid one), so a GPS gap is bridged by a straight
    line, not dropped. (A frame wrapper of :func:`distance_from_positions`.)

    Parameters
    ----------
    samples
        Frame with ``lat_deg`` and ``lon_deg``.

    Returns
    -------
    pandas.Series
        ``distance_m`` aligned with ``samples``; NaN before the first fix.
    """
    out = distance_from_positions(
        samples["lat_deg"].to_numpy(dtype=float), samples["lon_deg"].to_numpy(dtype=float)
    )
    return pd.Series(out, index=samples.index, name="distance_m")


def distance_from_positions(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Cumulative distance from positions, on arrays (see :func:`derive_distance`). [m]

    Parameters
    ----------
    lat_deg, lon_deg
        Positions, NaN where missing. [degree]

    Returns
    -------
    numpy.ndarray
        Cumulative distance, ``float64``; NaN before the first fix. [m]
    """
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    valid = np.isfinite(lat) & np.isfinite(lon)
    out = np.full(len(lat), np.nan)
    idx = np.flatnonzero(valid)
    if len(idx):
        step = np.zeros(len(idx))
        if len(idx) > 1:
            step[1:] = haversine_m(lat[idx[:-1]], lon[idx[:-1]], lat[idx[1:]], lon[idx[1:]])
        out[idx] = np.cumsum(step)
        if len(idx) < len(out):
            # carry the distance over positionless samples after the first fix
            out = _ffill(out)
    return out


def _ffill(values: np.ndarray) -> np.ndarray:
    """Forward-fill NaN with the last value before it (``Series.ffill`` in numpy)."""
    where = np.where(np.isnan(values), -1, np.arange(len(values)))
    np.maximum.accumulate(where, out=where)
    return np.where(where >= 0, values[np.maximum(where, 0)], np.nan)


#: Largest number of samples in one median window for the numpy path (else pandas').
_MAX_WINDOW_SAMPLES = 64


def _centred_time_median(
    t_ns: np.ndarray, values: np.ndarray, window_ns: int
) -> np.ndarray | None:
    """Centred rolling median over a time window, NaN skipped (``min_periods=1``).

    The window of sample ``i`` holds the samples ``j`` with
    ``t_i - window/2 < t_j <= t_i + window/2`` (pandas' centred time window).
    Returns ``None`` when the numpy path does not apply (odd window in ns,
    windows of more than :data:`_MAX_WINDOW_SAMPLES` samples), so the caller
    uses pandas.
    """
    if window_ns % 2:
        return None
    half = window_ns // 2
    lo = np.searchsorted(t_ns, t_ns - half, side="right")
    hi = np.searchsorted(t_ns, t_ns + half, side="right")
    sizes = hi - lo
    width = int(sizes.max())
    if width > _MAX_WINDOW_SAMPLES:
        return None
    padded = np.concatenate([values, np.full(width, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)[lo]
    windows = np.where(np.arange(width) < sizes[:, None], windows, np.nan)
    windows.sort(axis=1)  # NaN last
    count = width - np.isnan(windows).sum(axis=1)
    rows = np.arange(len(values))
    low = windows[rows, np.maximum(count - 1, 0) // 2]
    high = windows[rows, np.minimum(count // 2, width - 1)]
    return np.where(count > 0, (low + high) / 2, np.nan)


def derive_speed(
    samples: pd.DataFrame, *, window_s: float = 5.0, max_speed_mps: float = 12.5
) -> pd.Series:
    """Ground speed from cumulative distance (or positions), robustly smoothed. [m/s]

    The raw speed is the central difference of distance over time; GPS jitter
    makes it noisy, and a single bad fix makes it spike. It is therefore
    smoothed with a centred rolling median over ``window_s`` seconds of *time*
    (so irregular sampling is handled natively), and values above
    ``max_speed_mps`` (faster than any human on foot) become NaN. (A frame
    wrapper of :func:`speed_from_distance`.)

    Parameters
    ----------
    samples
        Frame with a DatetimeIndex and ``distance_m`` or ``lat_deg``/``lon_deg``.
    window_s
        Width of the centred median window. [s]
    max_speed_mps
        Speeds above this are treated as GPS errors. [m/s]

    Returns
    -------
    pandas.Series
        ``speed_mps`` aligned with ``samples``.
    """
    if "distance_m" in samples and samples["distance_m"].notna().any():
        dist = samples["distance_m"].to_numpy(dtype=float)
    elif "lat_deg" in samples and "lon_deg" in samples:
        dist = distance_from_positions(
            samples["lat_deg"].to_numpy(dtype=float), samples["lon_deg"].to_numpy(dtype=float)
        )
    else:
        return pd.Series(np.nan, index=samples.index, name="speed_mps")
    speed = speed_from_distance(
        samples.index, dist, window_s=window_s, max_speed_mps=max_speed_mps
    )
    return pd.Series(speed, index=samples.index, name="speed_mps")


def _seconds_since_first(times: pd.Index) -> np.ndarray:
    """``(times - times[0]).total_seconds()`` as an array, without pandas' set-up cost. [s]

    For a DatetimeIndex without NaT whose differences stay below 2**53 ticks,
    the seconds are computed as pandas does (whole seconds plus the residual
    divided, which gives the same float bit for bit); anything else goes
    through pandas.
    """
    if isinstance(times, pd.DatetimeIndex) and len(times) and not times.hasnans:
        stamps = times.asi8
        ticks = stamps - stamps[0]
        if int(np.abs(ticks).max()) <= 2**53:
            per_second = int(pd.Timedelta(seconds=1) // pd.Timedelta(1, unit=times.unit))
            whole, residual = np.divmod(ticks, per_second)
            return np.asarray(whole + residual / per_second, dtype=float)
    return np.asarray((times - times[0]).total_seconds(), dtype=float)


def speed_from_distance(
    times: pd.Index,
    distance_m: np.ndarray,
    *,
    window_s: float = 5.0,
    max_speed_mps: float = 12.5,
) -> np.ndarray:
    """Ground speed from cumulative distance, on arrays (see :func:`derive_speed`). [m/s]

    Parameters
    ----------
    times
        Time of each sample (a DatetimeIndex).
    distance_m
        Cumulative distance, NaN where unknown. [m]
    window_s
        Width of the centred median window. [s]
    max_speed_mps
        Speeds above this are treated as GPS errors. [m/s]

    Returns
    -------
    numpy.ndarray
        ``float64`` speed aligned with ``times``. [m/s]
    """
    dist = np.asarray(distance_m, dtype=float)
    n = len(dist)
    if n < 2:
        return np.full(n, np.nan if n == 0 else 0.0)
    t = _seconds_since_first(times)
    increasing = bool(np.all(np.diff(t) > 0))
    raw = np.gradient(dist, t) if increasing else np.full(n, np.nan)
    raw = np.where(np.isfinite(raw) & (raw >= 0) & (raw <= max_speed_mps), raw, np.nan)
    window = pd.Timedelta(seconds=window_s)
    fast = None
    if increasing and isinstance(times, pd.DatetimeIndex):
        try:
            t_ns = times.as_unit("ns").asi8
        except (ValueError, OverflowError):  # outside the nanosecond range: pandas' path
            t_ns = None
        if t_ns is not None:
            fast = _centred_time_median(t_ns, raw, int(window.value))
        if fast is not None:
            fast[~np.isfinite(dist)] = np.nan
            return fast
    series = pd.Series(raw, index=times)
    smooth = np.array(series.rolling(window, min_periods=1, center=True).median(), dtype=float)
    smooth[~np.isfinite(dist)] = np.nan
    return smooth
