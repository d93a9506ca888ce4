"""The one text form of instants in the store: UTC, nanoseconds, fixed width.

Every instant the store keeps as text (interval bounds, activity starts) is
written as ``YYYY-MM-DDTHH:MM:SS.fffffffff+00:00``: always UTC, always nine
fractional digits. One fixed-width form reads back exactly (nanoseconds
included) and sorts as text in time order. :func:`parse_utc_texts` also reads
the shorter ISO 8601 forms older versions wrote (``...:24+00:00`` beside
``...:24.500000+00:00``), and the store's migration rewrites those rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["UTC_TEXT_SUFFIX", "parse_utc_texts", "utc_text", "utc_texts"]

#: The UTC offset every stored instant ends with.
UTC_TEXT_SUFFIX = "+00:00"


def _as_utc_ns(values: Iterable[object] | pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds since the epoch (int64) of UTC instants (naive ones taken as UTC)."""
    if isinstance(values, pd.DatetimeIndex):
        index = values
    else:
        series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
        dtype = series.dtype
        if isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC":
            index = pd.DatetimeIndex(series.array)
        else:
            index = pd.DatetimeIndex(pd.to_datetime(series, utc=True, format="ISO8601"))
    if index.tz is None:
        index = index.tz_localize("UTC")
    return np.asarray(index.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)


def utc_texts(values: Iterable[object] | pd.Series | pd.DatetimeIndex) -> list[str]:
    """The store's text of each instant (see module docs).

    Parameters
    ----------
    values
        Timestamps, datetimes or ISO 8601 text; naive values are taken as UTC.

    Returns
    -------
    list of str
        ``YYYY-MM-DDTHH:MM:SS.fffffffff+00:00`` per value.
    """
    ns = _as_utc_ns(values)
    text = np.datetime_as_string(ns.view("datetime64[ns]"), unit="ns")
    return [f"{t}{UTC_TEXT_SUFFIX}" for t in text.tolist()]


def utc_text(value: object) -> str:
    """The store's text of one instant (see :func:`utc_texts`)."""
    return utc_texts([value])[0]


def parse_utc_texts(values: pd.Series) -> pd.Series:
    """Read stored instants back as a UTC ``datetime64[ns]`` series, exactly.

    Accepts the fixed form :func:`utc_texts` writes and the shorter ISO 8601
    forms of older stores, mixed in one column.
    """
    parsed = pd.to_datetime(values, utc=True, format="ISO8601")
    return parsed.dt.as_unit("ns") if len(parsed) else parsed.astype("datetime64[ns, UTC]")
