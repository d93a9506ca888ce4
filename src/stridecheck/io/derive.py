"""Quantities derived from other columns when a source lacks them.

Used by every importer, so derivation is done one way everywhere and flagged in
``Activity.meta`` (``speed_derived``), never silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["EARTH_RADIUS_M", "derive_distance", "derive_speed", "haversine_m"]

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
    line, not dropped.

    Parameters
    ----------
    samples
        Frame with ``lat_deg`` and ``lon_deg``.

    Returns
    -------
    pandas.Series
        ``distance_m`` aligned with ``samples``; NaN before the first fix.
    """
    lat = samples["lat_deg"].to_numpy(dtype=float)
    lon = samples["lon_deg"].to_numpy(dtype=float)
    valid = np.isfinite(lat) & np.isfinite(lon)
    out = np.full(len(samples), np.nan)
    idx = np.flatnonzero(valid)
    if len(idx):
        step = np.zeros(len(idx))
        if len(idx) > 1:
            step[1:] = haversine_m(lat[idx[:-1]], lon[idx[:-1]], lat[idx[1:]], lon[idx[1:]])
        out[idx] = np.cumsum(step)
        if len(idx) < len(out):
            # carry the distance over positionless samples after the first fix
            out = _ffill(out)
    return pd.Series(out, index=samples.index, name="distance_m")


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
    ``max_speed_mps`` (faster than any human on foot) become NaN.

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
        dist = derive_distance(samples).to_numpy(dtype=float)
    else:
        return pd.Series(np.nan, index=samples.index, name="speed_mps")
    n = len(samples)
    if n < 2:
        return pd.Series(np.nan if n == 0 else 0.0, index=samples.index, name="speed_mps")
    t = (samples.index - samples.index[0]).total_seconds().to_numpy(dtype=float)
    increasing = bool(np.all(np.diff(t) > 0))
    raw = np.gradient(dist, t) if increasing else np.full(n, np.nan)
    raw = np.where(np.isfinite(raw) & (raw >= 0) & (raw <= max_speed_mps), raw, np.nan)
    window = pd.Timedelta(seconds=window_s)
    fast = None
    if increasing and isinstance(samples.index, pd.DatetimeIndex):
        try:
            t_ns = samples.index.as_unit("ns").asi8
        except (ValueError, OverflowError):  # outside the nanosecond range: pandas' path
            t_ns = None
        if t_ns is not None:
            fast = _centred_time_median(t_ns, raw, int(window.value))
        if fast is not None:
            fast[~np.isfinite(dist)] = np.nan
            return pd.Series(fast, index=samples.index, name="speed_mps")
    series = pd.Series(raw, index=samples.index)
    smooth = series.rolling(window, min_periods=1, center=True).median()
    smooth[~np.isfinite(dist)] = np.nan
    return smooth.rename("speed_mps")
