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
        # carry the distance over positionless samples after the first fix
        out = pd.Series(out).ffill().to_numpy()
    return pd.Series(out, index=samples.index, name="distance_m")


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
    raw = np.gradient(dist, t) if np.all(np.diff(t) > 0) else np.full(n, np.nan)
    raw = np.where(np.isfinite(raw) & (raw >= 0) & (raw <= max_speed_mps), raw, np.nan)
    series = pd.Series(raw, index=samples.index)
    window = pd.Timedelta(seconds=window_s)
    smooth = series.rolling(window, min_periods=1, center=True).median()
    smooth[~np.isfinite(dist)] = np.nan
    return smooth.rename("speed_mps")
