"""Track points to samples: what the GPX and TCX readers share.

Both formats list timed points with text values; these helpers turn them into
the canonical samples frame the same way:

* :func:`to_float` and :func:`times_from_strings` convert the text values
  (vectorised, with counts of what could not be read);
* :func:`assemble_samples` builds the samples frame (positions, distance and
  speed derived when the file has none, see :mod:`stridecheck.io.derive`);
* :func:`foot_cadence` applies the cadence rule: one-foot cadence doubled to
  steps/min on foot (median below :data:`STEPS_THRESHOLD_PER_MIN`), a pedal or
  stroke rate kept apart for wheel and water sports
  (:func:`is_wheel_or_water_sport`, also used by the GPX writer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.activity import (
    SAMPLE_COLUMNS,
    ActivityMeta,
    finalize_samples,
    float_samples_frame,
)
from stridecheck.errors import ErrorPolicy, InputError, handle_problem
from stridecheck.io.derive import (
    derive_distance,
    derive_speed,
    distance_from_positions,
    speed_from_distance,
)
from stridecheck.io.plausible import plausible_time_mask

__all__ = [
    "STEPS_THRESHOLD_PER_MIN",
    "FootCadence",
    "assemble_samples",
    "foot_cadence",
    "is_wheel_or_water_sport",
    "times_from_strings",
    "to_float",
]

_WHEEL_WATER = (
    "cycl", "bik", "ride", "swim", "row", "paddl", "kayak", "canoe", "ski", "skat",
    "driv", "motor", "sail", "surf",
)  # fmt: skip
#: Cadence medians at or above this are taken as steps/min already. [1/min]
STEPS_THRESHOLD_PER_MIN = 120.0


def is_wheel_or_water_sport(sport: str | None) -> bool:
    """True when ``sport`` names a sport whose cadence is not a step rate."""
    if not sport:
        return False
    s = sport.lower()
    return any(key in s for key in _WHEEL_WATER)


@dataclass(frozen=True)
class FootCadence:
    """Result of :func:`foot_cadence`: the values, their column and why."""

    values: np.ndarray
    column: str
    doubled: bool
    reason: str


def foot_cadence(
    raw: np.ndarray, sport: str | None, *, strides: bool | None = None
) -> FootCadence:
    """Apply the cadence rule: strides/min to steps/min where the values are strides.

    Parameters
    ----------
    raw
        Cadence as recorded. [1/min]
    sport
        Sport as the file names it (lower case) or ``None``.
    strides
        ``True`` when the format defines the value as strides/min (TCX
        ``RunCadence``), ``None`` to decide from the values.

    Returns
    -------
    FootCadence
        ``values`` in steps/min for ``cadence_spm`` (or rpm for ``cadence_rpm``).
    """
    positive = raw[np.isfinite(raw) & (raw > 0)]
    median = float(np.median(positive)) if len(positive) else float("nan")
    if is_wheel_or_water_sport(sport):
        return FootCadence(raw, "cadence_rpm", False, f"sport {sport!r} is not on foot")
    if strides:
        return FootCadence(raw * 2.0, "cadence_spm", True, "format defines strides/min")
    if not len(positive):
        return FootCadence(raw * 2.0, "cadence_spm", True, "no positive values: strides/min")
    if median < STEPS_THRESHOLD_PER_MIN:
        why = f"median {median:.0f}/min < {STEPS_THRESHOLD_PER_MIN:.0f}: strides/min"
        return FootCadence(raw * 2.0, "cadence_spm", True, why)
    why = f"median {median:.0f}/min >= {STEPS_THRESHOLD_PER_MIN:.0f}: already steps/min"
    return FootCadence(raw, "cadence_spm", False, why)


def to_float(values: Sequence[Any]) -> tuple[np.ndarray, int]:
    """Convert texts (or numbers, or ``None``) to floats.

    Returns
    -------
    tuple of (numpy.ndarray, int)
        The values (NaN where missing, unreadable or not finite) and the number
        of non-blank entries that were not a finite number.
    """
    n_missing = values.count(None)
    if n_missing == len(values):
        return np.full(len(values), np.nan), 0
    try:
        if n_missing:
            num = np.array(values, dtype=float)
        else:  # numpy converts texts with float() too: the same values, ~20 % faster
            num = np.fromiter(map(float, values), dtype=np.float64, count=len(values))
    except (ValueError, TypeError, OverflowError):
        num = np.array(
            pd.to_numeric(pd.Series(values, dtype=object), errors="coerce"), dtype=float
        )
    finite = np.isfinite(num)
    n_bad = len(values) - n_missing - int(finite.sum())
    if n_bad:
        n_bad -= sum(1 for v in values if isinstance(v, str) and not v.strip())
        n_bad -= sum(1 for v in values if isinstance(v, str) and v.strip().lower() == "nan")
        num[~finite] = np.nan
    return num, max(0, n_bad)


_AWARE_RE = r"(?:[Zz]|[+-]\d\d(?::?\d\d)?)$"
_AWARE = re.compile(_AWARE_RE)


def _all_zulu(texts: list[Any]) -> bool:
    """Whether every text ends in ``Z`` (the usual case), counted in one pass in C."""
    if None in texts:
        return False
    try:
        return ("\0".join(texts) + "\0").count("Z\0") == len(texts)
    except TypeError:  # a text that is not a string
        return False


#: Byte positions and values of the separators in ``YYYY-MM-DDTHH:MM:SS``.
_SEPARATORS = {4: ord("-"), 7: ord("-"), 10: ord("T"), 13: ord(":"), 16: ord(":")}
_DIGITS = np.array([i for i in range(19) if i not in _SEPARATORS])


def _local_form(base: int) -> bool:
    """Whether ``base`` characters can be ``YYYY-MM-DDTHH:MM:SS`` with 0 or 1-6 digits of ``f``."""
    return base == 19 or 21 <= base <= 26


def _fixed_chars(texts: list[Any], size: int) -> np.ndarray | None:
    """The texts as a ``uint8`` matrix of ``size`` columns (``None`` unless all fit it)."""
    try:
        joined = "".join(texts).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    if len(joined) != size * len(texts) or set(map(len, texts)) != {size}:
        return None
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(texts), size)


def _local_stamps(chars: np.ndarray, base: int) -> np.ndarray | None:
    """``datetime64[us]`` of the first ``base`` characters of each row.

    They are read as ``YYYY-MM-DDTHH:MM:SS[.f]`` (see :func:`_local_form`);
    ``None`` when any row is not of that form or holds a field out of range
    (the general parser makes it NaT).
    """
    digits = _DIGITS if base == 19 else np.concatenate([_DIGITS, np.arange(20, base)])
    if not bool(((chars[:, digits] - ord("0")) <= 9).all()):
        return None
    if base > 19 and not bool((chars[:, 19] == ord(".")).all()):
        return None
    for position, value in _SEPARATORS.items():
        if not bool((chars[:, position] == value).all()):
            return None
    stamps = np.ascontiguousarray(chars[:, :base]).view(f"S{base}").ravel()
    try:
        return stamps.astype("datetime64[us]")
    except ValueError:
        return None


def _zulu_values(texts: list[Any]) -> np.ndarray | None:
    """UTC ``datetime64[us]`` of texts all of the form ``YYYY-MM-DDTHH:MM:SS[.f]Z`` (or None)."""
    if not texts or not isinstance(texts[0], str):
        return None
    size = len(texts[0])
    if not _local_form(size - 1):
        return None
    chars = _fixed_chars(texts, size)
    if chars is None or not bool((chars[:, size - 1] == ord("Z")).all()):
        return None
    return _local_stamps(chars, size - 1)


def _simple_zulu_times(texts: list[Any]) -> pd.DatetimeIndex | None:
    """UTC times of texts all of one form ``YYYY-MM-DDTHH:MM:SS[.f]Z`` (1-6 digits of ``f``).

    The common case, parsed by numpy in one call; ``None`` for anything else
    (other forms, mixed lengths, blanks, out-of-range fields), which the
    general parser handles. The result equals the general parser's.
    """
    values = _zulu_values(texts)
    return None if values is None else pd.DatetimeIndex(values).tz_localize("UTC")


#: Bounds of the times the grouped parser returns (pandas' range, with a margin). [us]
_GROUPED_RANGE = (np.datetime64("0002-01-01", "us"), np.datetime64("9998-12-31", "us"))


def _offset_values(texts: list[str]) -> np.ndarray | None:
    """UTC times of texts all of one form ``YYYY-MM-DDTHH:MM:SS[.f]+HH:MM`` (or ``-HH:MM``).

    Returns ``datetime64[us]`` values, or ``None`` for anything else (which the
    general parser handles). The result equals the general parser's.
    """
    size = len(texts[0])
    base = size - 6
    if not _local_form(base):
        return None
    chars = _fixed_chars(texts, size)
    if chars is None:
        return None
    zone_digits = np.array([base + 1, base + 2, base + 4, base + 5])
    if not bool(((chars[:, zone_digits] - ord("0")) <= 9).all()):
        return None
    sign_char = chars[:, base]
    if not bool(((sign_char == ord("+")) | (sign_char == ord("-"))).all()):
        return None
    if not bool((chars[:, base + 3] == ord(":")).all()):
        return None
    zone = chars[:, zone_digits].astype(np.int64) - ord("0")
    hours = zone[:, 0] * 10 + zone[:, 1]
    minutes = zone[:, 2] * 10 + zone[:, 3]
    if bool((hours > 23).any()) or bool((minutes > 59).any()):
        return None  # not an offset: the general parser makes it NaT
    local = _local_stamps(chars, base)
    if local is None:
        return None
    sign = np.where(sign_char == ord("-"), -1, 1)
    offset_us = sign * (hours * 60 + minutes) * 60_000_000
    utc = local - offset_us.astype("timedelta64[us]")
    low, high = _GROUPED_RANGE
    if not bool(((utc >= low) & (utc <= high)).all()):
        return None
    return utc


def _form_values(texts: list[str]) -> np.ndarray | None:
    """UTC ``datetime64[us]`` values of texts of one length (``Z`` or offset form), or ``None``."""
    if texts[0].endswith("Z"):
        return _zulu_values(texts)
    return _offset_values(texts)


def _grouped_times(texts: list[Any]) -> pd.DatetimeIndex | None:
    """UTC times of texts that mix lengths, zones (``Z``, ``+HH:MM``) and missing entries.

    Each length is one fixed form, parsed by numpy in one call; ``None`` when
    any group is of another form (blank, naive, white space, out of range),
    which the general parser handles. The result equals the general parser's
    for texts without unreadable or naive entries (the only ones it accepts).
    """
    present = [t for t in texts if t is not None]
    if not present or "" in present:
        return None
    try:
        lengths = np.fromiter(map(len, present), dtype=np.int64, count=len(present))
    except TypeError:  # an entry that is not a string
        return None
    values = np.empty(len(present), dtype="datetime64[us]")
    for size in np.unique(lengths).tolist():
        where = np.flatnonzero(lengths == size)
        group = [present[i] for i in where.tolist()]
        parsed = _form_values(group)
        if parsed is None:
            return None
        values[where] = parsed
    if len(present) < len(texts):
        full = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[us]")
        full[np.fromiter((t is not None for t in texts), bool, len(texts))] = values
        values = full
    return pd.DatetimeIndex(values).tz_localize("UTC")


def times_from_strings(texts: list[str | None]) -> tuple[pd.DatetimeIndex, int, int]:
    """Parse ISO 8601 times to UTC.

    Returns
    -------
    tuple of (pandas.DatetimeIndex, int, int)
        UTC times floored to the microsecond (NaT where missing or unreadable),
        the number of present but unreadable texts, and the number of times
        without a zone (taken as UTC).
    """
    simple = _simple_zulu_times(texts)
    if simple is None:
        simple = _grouped_times(texts)
    if simple is not None:
        return simple, 0, 0
    # The checks on the texts are plain Python: cheaper than pandas' string
    # methods, whose set-up cost dominates for the many small files.
    used: list[Any] = list(texts)
    parsed = pd.to_datetime(
        pd.Series(used, dtype=object), format="ISO8601", utc=True, errors="coerce"
    )
    has_none = None in used
    present = (
        np.fromiter((t is not None for t in used), dtype=bool, count=len(used))
        if has_none
        else np.ones(len(used), dtype=bool)
    )
    if (parsed.isna().to_numpy() & present).any():
        # surrounding white space: strip all and parse again
        used = [t.strip() if isinstance(t, str) else None for t in used]
        parsed = pd.to_datetime(
            pd.Series(used, dtype=object), format="ISO8601", utc=True, errors="coerce"
        )
    index = pd.DatetimeIndex(parsed).floor("us")
    ok = np.asarray(index.notna(), dtype=bool)
    if has_none or "" in used:
        present = np.fromiter((t is not None and t != "" for t in used), bool, len(used))
    if _all_zulu(used):
        naive = 0
    else:
        aware = _AWARE.search
        naive = sum(
            1
            for t, good in zip(used, ok.tolist(), strict=True)
            if good and not t.endswith("Z") and aware(t) is None
        )
    return index, int((present & ~ok).sum()), naive


def _any_value(column: pd.Series) -> bool:
    """Whether a column holds at least one value (not NaN / missing)."""
    values = column.to_numpy()
    if values.dtype == np.float64:
        return not bool(np.isnan(values).all())
    return bool(column.notna().any())


def _put_column(samples: pd.DataFrame, name: str, values: pd.Series) -> None:
    """Set a glossary column, inserting a new one at its glossary place (no reordering)."""
    if name in samples.columns:
        samples[name] = values
        return
    order = list(SAMPLE_COLUMNS)
    rank = order.index(name)
    loc = sum(1 for c in samples.columns if c in SAMPLE_COLUMNS and order.index(c) < rank)
    samples.insert(loc, name, values)


def assemble_samples(
    columns: dict[str, np.ndarray],
    times: pd.DatetimeIndex,
    meta: ActivityMeta,
    *,
    policy: ErrorPolicy,
    error_cls: type[InputError],
    path: str | None,
) -> pd.DataFrame:
    """Canonicalise an XML importer's sample columns and add derived distance and speed.

    ``columns`` are the per-point arrays (glossary names) on ``times``. Warns
    (through ``policy``) about times that go backwards and duplicate timestamps
    before :func:`~stridecheck.activity.finalize_samples` sorts and
    de-duplicates them. Distance is derived from positions when not recorded;
    speed is derived (``meta.speed_derived = True``) when not recorded. The
    usual case (float columns that each hold a value, strictly increasing
    times) is built on the arrays by :func:`_direct_samples`, with the same
    result. Samples with implausible times are cut first
    (:func:`~stridecheck.io.plausible.plausible_time_mask`), before anything is
    derived across them.
    """
    keep = plausible_time_mask(
        times, path=path, policy=policy, sink=meta.warnings, error_cls=error_cls
    )
    if keep is not None:
        columns = {name: values[keep] for name, values in columns.items()}
        times = times[keep]
    if _direct_ready(columns):
        direct = _direct_samples(columns, times, meta)
        if direct is not None:
            return direct
    frame = pd.DataFrame(columns, index=times)
    steps = (
        np.diff(pd.DatetimeIndex(frame.index).asi8)
        if len(frame) > 1
        else np.array([], dtype=np.int64)
    )
    backwards = int((steps < 0).sum())
    if backwards:
        handle_problem(
            policy,
            error_cls(path, f"time goes backwards {backwards} times; samples sorted by time"),
            meta.warnings,
        )
    # strictly increasing times hold no duplicates (the common case: no search)
    dupes = 0 if bool((steps > 0).all()) else int(frame.index.duplicated().sum())
    if dupes:
        handle_problem(
            policy,
            error_cls(
                path,
                f"{dupes} samples repeat an earlier timestamp; the last of each was kept",
            ),
            meta.warnings,
        )
    samples = finalize_samples(frame)
    # (the canonical columns are float64: plain numpy tests, cheaper than pandas')
    present = set(samples.columns)
    has_pos = "lat_deg" in present and _any_value(samples["lat_deg"])
    has_dist = "distance_m" in present and _any_value(samples["distance_m"])
    if not has_dist and has_pos:
        _put_column(samples, "distance_m", derive_distance(samples))
        has_dist = _any_value(samples["distance_m"])
    no_speed = "speed_mps" not in present or not _any_value(samples["speed_mps"])
    if no_speed and (has_pos or has_dist):
        _put_column(samples, "speed_mps", derive_speed(samples))
        meta.speed_derived = True
    # finalize_samples gives glossary order and _put_column keeps it
    meta.start_time = pd.Timestamp(samples.index[0]).to_pydatetime()
    return samples


def _direct_ready(columns: dict[str, np.ndarray]) -> bool:
    """Whether :func:`_direct_samples` applies to these columns.

    It does for float64 columns that each hold a value, positions in pairs and
    no ``timer_running`` (what the GPX and TCX readers give after their checks).
    """
    if "timer_running" in columns or ("lat_deg" in columns) != ("lon_deg" in columns):
        return False
    return all(
        values.dtype == np.float64 and values.ndim == 1 and bool(np.isfinite(values).any())
        for values in columns.values()
    )


def _direct_samples(
    columns: dict[str, np.ndarray], times: pd.DatetimeIndex, meta: ActivityMeta
) -> pd.DataFrame | None:
    """:func:`assemble_samples` of strictly increasing times, without intermediate frames.

    ``columns`` are float arrays, each with at least one value, positions in
    pairs (see :func:`_direct_ready`). Distance and speed are derived on the
    arrays and the frame is made once by
    :func:`~stridecheck.activity.float_samples_frame`. Returns ``None`` for
    times that are not strictly increasing or outside the nanosecond range,
    which :func:`assemble_samples` handles (with its warnings). The result and
    ``meta`` equal the general path's.
    """
    try:
        index = times.tz_convert("UTC").as_unit("ns")
    except (ValueError, OverflowError):  # outside the nanosecond range
        return None
    stamps = index.asi8
    if len(stamps) > 1 and not bool((np.diff(stamps) > 0).all()):
        return None
    values = dict(columns)
    distance = values.get("distance_m")
    if distance is None and "lat_deg" in values:
        distance = values["distance_m"] = distance_from_positions(
            values["lat_deg"], values["lon_deg"]
        )
    if "speed_mps" not in values and distance is not None:
        values["speed_mps"] = speed_from_distance(index, distance)
        meta.speed_derived = True
    samples = float_samples_frame(values, index)
    if samples is None:
        return None
    meta.start_time = pd.Timestamp(samples.index[0]).to_pydatetime()
    return samples
