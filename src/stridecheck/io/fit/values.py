"""How decoded FIT values are shown: the conventions both FIT decoding paths share.

The vectorised path (:mod:`stridecheck.io.fit.decode`) and the few-rows path
(:mod:`stridecheck.io.fit.small`) both end here: strings as the SDK cuts them,
numbers as floats with NaN where absent or as ``int`` / ``None`` in object
columns, FIT ``date_time`` values as UTC datetimes, component expansions
overriding a field's own values (:func:`override`) and one finaliser
(:func:`finalize`) giving every column the dtype the :class:`FitMessages`
conventions ask for (see :mod:`stridecheck.io.fit.messages`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.io.fit import profile as fp

NS_PER_S = 1_000_000_000


def convert_string(raw: bytes) -> str | list[str] | None:
    text = raw.decode("utf-8", errors="ignore").rstrip("\0")
    if not text:
        return None
    parts = text.split("\0")
    return parts[0] if len(parts) == 1 else parts


def absent(n: int, as_object: bool) -> np.ndarray:
    if as_object:
        return np.empty(n, dtype=object)  # numpy fills new object arrays with None
    return np.full(n, np.nan)


def objected(value: Any) -> Any:
    """A float value as the SDK shows it: ``None`` for NaN, ``int`` when whole."""
    if math.isnan(value):
        return None
    return int(value) if value.is_integer() else value


def as_float(value: Any) -> float:
    """A value of an object column as a float (NaN unless it is a number)."""
    return (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else math.nan
    )


def to_object(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:
        return column
    out = np.empty(len(column), dtype=object)
    for i, value in enumerate(column.tolist()):
        out[i] = objected(value)
    return out


def _none_if_nan(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def present_rows(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:
        return np.fromiter((v is not None for v in column), dtype=bool, count=len(column))
    return np.asarray(~np.isnan(column), dtype=bool)


def tuples(column: np.ndarray) -> np.ndarray:
    out = np.empty(len(column), dtype=object)
    for i, value in enumerate(column):
        out[i] = tuple(value) if isinstance(value, list) else value
    return out


def datetimes(column: np.ndarray) -> np.ndarray:
    present = ~np.isnan(column)
    ns = np.zeros(len(column), dtype=np.int64)
    ns[present] = (column[present].astype(np.int64) + fp.DATE_TIME_EPOCH_S) * NS_PER_S
    out = ns.view("datetime64[ns]").copy()
    out[~present] = np.datetime64("NaT")
    return out


def name_values(values: np.ndarray, names: dict[int, str]) -> np.ndarray:
    """Enum names for numeric values (unnamed values stay ``int``, NaN -> None)."""
    out = np.full(len(values), None, dtype=object)
    present = ~np.isnan(values)
    if not present.any():
        return out
    found = values[present]
    if len(found) <= 16:
        out[present] = [names.get(int(v), int(v)) if v.is_integer() else v for v in found.tolist()]
        return out
    low, high = float(found.min()), float(found.max())
    if high - low < min(65536, 4 * len(found) + 256) and (found == np.floor(found)).all():
        keys = np.arange(int(low), int(high) + 1)
        table = np.empty(len(keys), dtype=object)
        for i, key in enumerate(keys.tolist()):
            table[i] = names.get(key, key)
        out[present] = table[found.astype(np.int64) - int(low)]
        return out
    uniques, inverse = np.unique(found, return_inverse=True)
    mapped = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques.tolist()):
        key = int(value) if value.is_integer() else value
        mapped[i] = names.get(key, key) if isinstance(key, int) else key
    out[present] = mapped[inverse]
    return out


@dataclass
class Expansion:
    """Values a component expansion produced for one target field."""

    rows: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    raws: list[np.ndarray] = field(default_factory=list)


def override(out: dict[str, np.ndarray], name: str, expansion: Expansion, n: int) -> None:
    """Expanded values replace the field's own values in the rows they cover."""
    rows = np.concatenate(expansion.rows)
    values_list = expansion.values
    as_object = any(v.dtype == object for v in values_list)
    values = np.concatenate([to_object(v) if as_object else v for v in values_list])
    existing = out.get(name)
    if existing is None:
        existing = absent(n, as_object)
    elif existing.dtype.kind == "M":
        existing = existing.astype(object)
    if as_object and existing.dtype != object:
        existing = to_object(existing)
    elif not as_object and existing.dtype == object:
        values = to_object(values)
    if len(expansion.rows) > 1 and (np.diff(np.sort(rows)) == 0).any():
        grouped: dict[int, list[Any]] = {}
        for row, value in zip(rows.tolist(), values.tolist(), strict=True):
            grouped.setdefault(row, []).append(_none_if_nan(value))
        existing = existing.astype(object) if existing.dtype != object else existing
        for row, items in grouped.items():
            existing[row] = tuple(items) if len(items) > 1 else items[0]
    else:
        existing[rows] = values
    out[name] = existing


def _numbers_only(column: np.ndarray) -> bool:
    return all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in column
    )


def finalize(column: np.ndarray, ftype: str | None, array: bool, lists: bool) -> Any:
    """Give a value column the dtype the frame conventions ask for (by profile type).

    ``lists`` tells whether the column may hold arrays (tuples); columns built
    from numbers alone never do, which spares a scan of their values.
    """
    has_lists = (
        lists and column.dtype == object and any(isinstance(v, list | tuple) for v in column)
    )
    if ftype is None:
        if column.dtype == object and _numbers_only(column):
            return to_float(column)
        if has_lists:
            return tuples(column)
        return as_pandas(column)
    if ftype == "string":
        return tuples(column) if has_lists else to_object(column)
    if array or has_lists:
        objects = to_object(column)
        out = np.empty(len(objects), dtype=object)
        for i, value in enumerate(objects):
            if value is None:
                out[i] = None
            elif isinstance(value, list | tuple):
                out[i] = tuple(value)
            else:
                out[i] = (value,)
        return out
    if ftype == "date_time":
        if column.dtype.kind == "M":
            return as_pandas(column)
        if column.dtype != object:
            return as_pandas(datetimes(column))
        return as_pandas(column)
    if ftype in fp.NUMERIC_TYPES:
        return to_float(column)
    return to_object(column) if column.dtype.kind != "M" else as_pandas(column)


def _holds_value(value: Any) -> bool:
    """Whether one value of a column holds something (not None, NaN or NaT)."""
    if value is None:
        return False
    return not (isinstance(value, float | np.floating | np.datetime64) and bool(np.isnan(value)))


def all_missing(column: np.ndarray) -> bool:
    if len(column) and _holds_value(column[0]):
        return False  # the usual case, decided by the first row
    if column.dtype == object:
        return column.tolist().count(None) == len(column)
    if column.dtype.kind == "M":
        return bool(np.isnat(column).all())
    return bool(np.isnan(column).all())


def to_float(column: np.ndarray) -> np.ndarray:
    if column.dtype != object:
        return column.astype(np.float64, copy=False)
    return np.array([as_float(v) for v in column], dtype=np.float64)


_UTC_NS = pd.DatetimeTZDtype("ns", "UTC")


#: pandas' constructor of a datetime array from ready datetime64[ns] values.
_DATETIME_SIMPLE_NEW = getattr(pd.arrays.DatetimeArray, "_simple_new", None)


def as_pandas(column: np.ndarray) -> Any:
    if column.dtype.kind != "M":
        return column
    values = column.astype("datetime64[ns]", copy=False)
    if _DATETIME_SIMPLE_NEW is not None:
        try:
            return _DATETIME_SIMPLE_NEW(values, dtype=_UTC_NS)
        except (TypeError, ValueError):  # pragma: no cover - other pandas versions
            pass
    return pd.array(values, dtype=_UTC_NS)  # pragma: no cover
