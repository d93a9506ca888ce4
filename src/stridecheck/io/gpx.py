"""GPX importer: GPX 1.0 and 1.1 track logs into the canonical Activity.

Two interchangeable methods read the XML (``method=``):

``"stream"`` (default)
    A hardened lxml ``iterparse`` that handles one ``<trkpt>`` at a time and
    frees it, converting all values at the end in vectorised form. Several
    times faster than gpxpy and flat in memory.
``"gpxpy"``
    gpxpy 1.6, the design's reference library. It reads the standard GPX
    fields and the *first* ``<extensions>`` block of each point; it ignores a
    ``<speed>`` element in GPX 1.1 (valid only in 1.0) and later
    ``<extensions>`` blocks. Where gpxpy gives a value, ``"stream"`` gives the
    same one (the test-suite checks this on every corpus file).

What is read
------------
* Every ``trk/trkseg/trkpt``: ``lat``/``lon`` -> ``lat_deg``/``lon_deg``,
  ``<ele>`` -> ``altitude_m``, ``<time>``, ``<speed>`` -> ``speed_mps``.
  Points without a (readable) time are dropped, with a warning stating how
  many. Routes and waypoints carry no recording and are only counted.
* Extensions, matched by local name (so any namespace prefix works, even an
  undeclared one): Garmin TrackPointExtension v1/v2 ``hr``, ``cad``, ``atemp``,
  ``speed``, ``course``; Garmin PowerExtension ``PowerInWatts``; Cluetrust
  gpxdata ``hr``, ``cadence``, ``temp``, ``distance``; plain ``heartrate``,
  ``bpm``, ``cadence``, ``power``, ``speed`` as several apps write them. The
  first value of a kind in a point wins. Temperature goes to
  ``dev_temperature_c`` [°C], course to ``dev_course_deg`` [degree].
* Times: ``Z`` and numeric offsets are converted to UTC; times without a zone
  are taken as UTC with a warning. Times are kept to the microsecond.

Cadence rule
------------
Garmin's ``cad`` (and most GPX cadences) counts one foot: strides/min. It is
doubled to steps/min (``cadence_spm``) when the activity is on foot or of
unknown sport **and** the typical value (median of the positive values) is
below 120/min; a median of 120/min or more is already steps/min and kept. For
wheel and water sports (``<type>`` cycling, biking, swimming, ...) the value is
a pedal or stroke rate and goes to ``cadence_rpm`` instead. The decision
is recorded in ``meta.extra["cadence_rule"]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from stridecheck.activity import (
    SAMPLE_COLUMNS,
    Activity,
    ActivityMeta,
    finalize_samples,
    float_samples_frame,
)
from stridecheck.errors import (
    ErrorPolicy,
    GpxError,
    InputError,
    handle_problem,
)
from stridecheck.io.derive import (
    derive_distance,
    derive_speed,
    distance_from_positions,
    speed_from_distance,
)
from stridecheck.io.files import read_file_bytes
from stridecheck.io.plausible import plausible_time_mask
from stridecheck.io.xml import (
    declare_prefixes,
    is_namespace_error,
    iterparse_safe,
    local_name,
    prepare_xml,
    syntax_error,
)

__all__ = [
    "METHODS",
    "FootCadence",
    "assemble_samples",
    "foot_cadence",
    "is_wheel_or_water_sport",
    "parse_gpx",
    "read_gpx",
    "times_from_strings",
    "to_float",
]

#: Reading methods of :func:`parse_gpx`.
METHODS: tuple[str, ...] = ("stream", "gpxpy")

#: Extension element local names (lower case) -> field.
EXTENSION_FIELDS: dict[str, str] = {
    "hr": "hr",
    "heartrate": "hr",
    "heart_rate": "hr",
    "bpm": "hr",
    "cad": "cad",
    "cadence": "cad",
    "runcadence": "cad",
    "power": "power",
    "powerinwatts": "power",
    "watts": "power",
    "speed": "speed",
    "atemp": "temp",
    "temp": "temp",
    "temperature": "temp",
    "course": "course",
    "distance": "distance",
}
_EXT_KEYS: tuple[str, ...] = ("hr", "cad", "power", "speed", "temp", "course", "distance")
#: Namespaces whose ``distance`` is a cumulative distance from the start (Cluetrust gpxdata).
_CUMULATIVE_DISTANCE_NS = ("cluetrust", "urn:stridecheck:undeclared:gpxdata")

#: Strava writes its numeric activity type into GPX ``<type>``.
STRAVA_TYPES: dict[str, str] = {"1": "cycling", "4": "hiking", "9": "running", "10": "walking"}

_WHEEL_WATER = (
    "cycl", "bik", "ride", "swim", "row", "paddl", "kayak", "canoe", "ski", "skat",
    "driv", "motor", "sail", "surf",
)  # fmt: skip
#: Cadence medians at or above this are taken as steps/min already. [1/min]
STEPS_THRESHOLD_PER_MIN = 120.0


# === Shared helpers (also used by the TCX importer) =================================


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
    result.
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


# === GPX reading ====================================================================


@dataclass
class _Raw:
    """Values as read, before conversion: one row per ``trkpt`` (see :data:`_ROW_FIELDS`).

    The rows are stored back to back in one flat list (``_WIDTH`` values a
    row): no list object per point, and a column is one slice.
    """

    values: list[Any] = field(default_factory=list)
    tracks: int = 0
    segments: int = 0
    routes: int = 0
    route_points: int = 0
    waypoints: int = 0
    track_types: list[str] = field(default_factory=list)
    creator: str | None = None
    version: str | None = None
    repaired_prefixes: list[str] = field(default_factory=list)

    @property
    def n_points(self) -> int:
        """Number of track points read."""
        return len(self.values) // _WIDTH

    def column(self, name: str) -> list[Any]:
        """One field of every row (see :data:`_ROW_FIELDS`)."""
        return self.values[_ROW_FIELDS.index(name) :: _WIDTH]

    def columns(self) -> dict[str, list[Any]]:
        """The rows as columns, by field name."""
        return {name: self.values[i::_WIDTH] for i, name in enumerate(_ROW_FIELDS)}


#: Fields of a :class:`_Raw` row: time, position, elevation, ``<speed>``, then extensions.
_ROW_FIELDS: tuple[str, ...] = (
    "time",
    "lat",
    "lon",
    "ele",
    "speed",
    *tuple(f"ext_{k}" for k in _EXT_KEYS),
)
_WIDTH = len(_ROW_FIELDS)


def _extension_key(tag: str) -> str | None:
    """The field an extension element's tag stands for, or ``None``."""
    key = EXTENSION_FIELDS.get(tag[tag.rfind("}") + 1 :].lower())
    if key == "distance" and not any(ns in tag for ns in _CUMULATIVE_DISTANCE_NS):
        return None
    return key


#: Row slot of each extension field.
_EXT_SLOT: dict[str, int] = {key: 5 + i for i, key in enumerate(_EXT_KEYS)}


def _extension_slot(tag: Any, slots: dict[Any, int]) -> int:
    """Row slot for an extension element's tag (0: not a known field), cached in ``slots``."""
    key = _extension_key(tag) if isinstance(tag, str) else None
    slot = slots[tag] = _EXT_SLOT[key] if key else 0
    return slot


def _fill_extensions(nodes: Any, row: list[Any], slots: dict[Any, int]) -> None:
    """Put known extension values from ``nodes`` into empty slots of ``row`` (first wins)."""
    for node in nodes:
        tag = node.tag
        slot = slots.get(tag)
        if slot is None:
            slot = _extension_slot(tag, slots)
        if slot and row[slot] is None and not len(node):
            row[slot] = node.text


#: Row slot of a ``<trkpt>`` child by local name (``_EXTENSIONS``: read its leaves).
_EXTENSIONS, _OTHER = -1, -2
_CHILD_SLOT: dict[str, int] = {"time": 0, "ele": 3, "speed": 4, "extensions": _EXTENSIONS}


class _UndeclaredPrefixError(Exception):
    """A track point holds an element with an undeclared namespace prefix."""


def _undeclared(tag: Any) -> bool:
    """Whether lxml kept ``prefix:name`` as the tag: the prefix was never declared."""
    return isinstance(tag, str) and ":" in tag and not tag.startswith("{")


def _parse_gpx_stream(data: bytes, path: str | None, *, stop_undeclared: bool = True) -> _Raw:
    """Read GPX with a hardened lxml ``iterparse``, one point at a time.

    Each ``<trkpt>`` is emptied once read, so memory stays small; all numbers
    and times are converted later in vectorised form. (The extension loop is
    :func:`_fill_extensions` written inline: this is the hot path.)

    libxml2 reports an undeclared namespace prefix only at the end of the
    document; with ``stop_undeclared`` the first such tag in a track point
    (checked once per distinct tag) raises :class:`_UndeclaredPrefixError`
    at once, so the repaired document is read without a wasted first pass.
    """
    raw = _Raw()
    extend = raw.values.extend
    slots: dict[Any, int] = {}
    child_slots: dict[Any, int] = {}
    names: dict[str, str] = {}
    empty_row: list[Any] = [None] * _WIDTH
    events = iterparse_safe(data, ("{*}trkpt", "{*}trkseg", "{*}trk", "{*}rte", "{*}wpt"))
    for _, el in events:
        tag = el.tag
        name = names.get(tag)
        if name is None:
            name = names[tag] = tag[tag.rfind("}") + 1 :]
        if name == "trkpt":
            row = empty_row.copy()
            get = el.get
            row[1] = get("lat")
            row[2] = get("lon")
            for child in el:
                cslot = child_slots.get(child.tag)
                if cslot is None:
                    ctag = child.tag
                    if stop_undeclared and _undeclared(ctag):
                        raise _UndeclaredPrefixError(ctag)
                    cname = local_name(ctag) if isinstance(ctag, str) else ""
                    cslot = child_slots[ctag] = _CHILD_SLOT.get(cname, _OTHER)
                if cslot >= 0:  # time, ele, speed: the last one wins
                    row[cslot] = child.text
                elif cslot == _EXTENSIONS:
                    for node in child.iterdescendants():
                        slot = slots.get(node.tag)
                        if slot is None:
                            ntag = node.tag
                            if stop_undeclared and _undeclared(ntag):
                                raise _UndeclaredPrefixError(ntag)
                            slot = _extension_slot(ntag, slots)
                        if slot and row[slot] is None and not len(node):
                            row[slot] = node.text
            extend(row)
            el.clear()
        elif name == "trkseg":
            raw.segments += 1
            el.clear()
        elif name == "trk":
            raw.tracks += 1
            for child in el:
                if isinstance(child.tag, str) and local_name(child.tag) == "type" and child.text:
                    raw.track_types.append(child.text.strip())
                    break
            el.clear()
        elif name == "rte":
            raw.routes += 1
            raw.route_points += sum(
                1 for c in el if isinstance(c.tag, str) and local_name(c.tag) == "rtept"
            )
            el.clear()
        elif name == "wpt":
            raw.waypoints += 1
            el.clear()
    root = events.root
    _check_root(root, path)
    raw.creator = root.get("creator")
    raw.version = root.get("version")
    return raw


def _parse_gpx_stream_full(data: bytes, path: str | None) -> _Raw:
    """The stream reader without the early stop at undeclared prefixes."""
    return _parse_gpx_stream(data, path, stop_undeclared=False)


def _check_root(root: Any, path: str | None) -> None:
    if root is None or not isinstance(root.tag, str) or local_name(root.tag) != "gpx":
        name = local_name(root.tag) if root is not None and isinstance(root.tag, str) else "?"
        raise GpxError(path, f"root element is <{name}>, not <gpx>")


def _parse_gpx_gpxpy(data: bytes, path: str | None) -> _Raw:
    """Read GPX with gpxpy (the reference implementation)."""
    import gpxpy
    import gpxpy.gpx

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GpxError(path, f"not valid UTF-8 at byte {exc.start}") from None
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXXMLSyntaxException as exc:
        original = exc.__cause__
        if isinstance(original, etree.XMLSyntaxError):
            raise original from None
        raise GpxError(path, f"GPX is not well-formed XML: {exc}") from None
    except gpxpy.gpx.GPXException as exc:
        raise GpxError(path, f"gpxpy cannot read it: {exc}") from None
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise GpxError(path, f"gpxpy cannot read it ({type(exc).__name__}: {exc})") from None
    raw = _Raw(creator=gpx.creator, version=gpx.version)
    raw.tracks = len(gpx.tracks)
    raw.routes = len(gpx.routes)
    raw.route_points = sum(len(r.points) for r in gpx.routes)
    raw.waypoints = len(gpx.waypoints)
    slots: dict[Any, int] = {}
    for track in gpx.tracks:
        if track.type and track.type.strip():
            raw.track_types.append(track.type.strip())
        for segment in track.segments:
            raw.segments += 1
            for point in segment.points:
                row: list[Any] = [point.time, point.latitude, point.longitude]
                row += [point.elevation, point.speed] + [None] * len(_EXT_KEYS)
                for block in point.extensions:
                    _fill_extensions(block.iter(), row, slots)
                raw.values.extend(row)
    return raw


def _times_from_datetimes(values: list[Any]) -> tuple[pd.DatetimeIndex, int, int]:
    """UTC index from gpxpy's datetimes (naive ones taken as UTC)."""
    naive = 0
    plain: list[dt.datetime | None] = []
    for value in values:
        if value is None:
            plain.append(None)
        elif value.tzinfo is None or value.utcoffset() is None:
            naive += 1
            plain.append(value)
        else:
            plain.append((value - value.utcoffset()).replace(tzinfo=None))
    index = pd.DatetimeIndex(pd.to_datetime(pd.Series(plain, dtype=object), errors="coerce"))
    index = index.tz_localize("UTC").floor("us")
    unreadable = sum(1 for v, ok in zip(plain, index.notna(), strict=True) if v and not ok)
    return index, unreadable, naive


def _describe_contents(raw: _Raw, n_untimed: int) -> str:
    parts = []
    if n_untimed:
        parts.append(f"{n_untimed} track points without time")
    if raw.routes:
        parts.append(f"{raw.routes} routes ({raw.route_points} points)")
    if raw.waypoints:
        parts.append(f"{raw.waypoints} waypoints")
    if not parts:
        return "the file holds no track points, routes or waypoints"
    return "the file holds " + " / ".join(parts) + " only"


def _gpx_sport(raw: _Raw) -> tuple[str | None, str | None]:
    """(sport, raw type): lower-cased ``<type>``, Strava's numeric types named."""
    if not raw.track_types:
        return None, None
    kind = raw.track_types[0]
    if kind.isdigit() and "strava" in (raw.creator or "").lower():
        return STRAVA_TYPES.get(kind, kind), kind
    return kind.lower(), kind


def _build_activity(
    raw: _Raw,
    times: tuple[pd.DatetimeIndex, int, int],
    *,
    path: str | None,
    policy: ErrorPolicy,
    method: str,
) -> Activity:
    index, unreadable, naive = times
    n_points = raw.n_points
    col = raw.columns()
    keep = np.asarray(index.notna(), dtype=bool)
    n_timed = int(keep.sum())
    if n_timed == 0:
        raise GpxError(path, f"no timed track points ({_describe_contents(raw, n_points)})")
    sport, kind = _gpx_sport(raw)
    meta = ActivityMeta(source_format="gpx", source_path=path, sport=sport, product=raw.creator)
    meta.extra.update(
        {
            "creator": raw.creator,
            "gpx_version": raw.version,
            "gpx_type": kind,
            "track_points": n_points,
            "tracks": raw.tracks,
            "segments": raw.segments,
            "routes": raw.routes,
            "waypoints": raw.waypoints,
            "parser": method,
        }
    )
    if raw.repaired_prefixes:
        handle_problem(
            policy,
            GpxError(
                path,
                "undeclared namespace prefixes "
                + ", ".join(raw.repaired_prefixes)
                + " (not namespace-well-formed XML); read by local name",
            ),
            meta.warnings,
        )
    missing = n_points - n_timed - unreadable
    if missing:
        handle_problem(
            policy,
            GpxError(path, f"{missing} of {n_points} track points have no <time>; dropped"),
            meta.warnings,
        )
    if unreadable:
        handle_problem(
            policy,
            GpxError(
                path, f"{unreadable} of {n_points} track points have an unreadable <time>; dropped"
            ),
            meta.warnings,
        )
    if naive:
        handle_problem(
            policy,
            GpxError(path, f"{naive} times carry no time zone; taken as UTC"),
            meta.warnings,
        )
    columns: dict[str, np.ndarray] = {}
    bad: dict[str, int] = {}
    sources = {
        "lat_deg": col["lat"],
        "lon_deg": col["lon"],
        "altitude_m": col["ele"],
        "speed_mps": _first_present(col["speed"], col["ext_speed"]),
        "heart_rate_bpm": col["ext_hr"],
        "cadence": col["ext_cad"],
        "power_w": col["ext_power"],
        "dev_temperature_c": col["ext_temp"],
        "dev_course_deg": col["ext_course"],
        "distance_m": col["ext_distance"],
    }
    for name, values in sources.items():
        num, n_bad = to_float(values)
        num = num[keep]
        if n_bad:
            bad[name] = n_bad
        if np.isfinite(num).any():
            columns[name] = num
    if bad:
        listing = ", ".join(f"{n} {k}" for k, n in bad.items())
        handle_problem(
            policy, GpxError(path, f"unreadable numbers ignored: {listing}"), meta.warnings
        )
    _check_positions(columns, path, policy, meta)
    if "cadence" in columns:
        rule = foot_cadence(columns.pop("cadence"), sport)
        columns[rule.column] = rule.values
        meta.extra["cadence_rule"] = {"doubled": rule.doubled, "reason": rule.reason}
    samples = assemble_samples(
        columns, index[keep], meta, policy=policy, error_cls=GpxError, path=path
    )
    return Activity(samples=samples, meta=meta)


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


def _first_present(first: list[Any], second: list[Any]) -> list[Any]:
    """Per point, the first value unless it is ``None``, else the second."""
    if second.count(None) == len(second):
        return first
    return [a if a is not None else b for a, b in zip(first, second, strict=True)]


def _check_positions(
    columns: dict[str, np.ndarray], path: str | None, policy: ErrorPolicy, meta: ActivityMeta
) -> None:
    """Blank positions outside the WGS84 range (and half-positions), with a warning."""
    if "lat_deg" not in columns and "lon_deg" not in columns:
        return
    n = len(next(iter(columns.values())))
    lat = columns.get("lat_deg", np.full(n, np.nan))
    lon = columns.get("lon_deg", np.full(n, np.nan))
    with np.errstate(invalid="ignore"):
        ok = (np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0)
    outside = int((~ok & np.isfinite(lat) & np.isfinite(lon)).sum())
    if outside:
        handle_problem(
            policy,
            GpxError(
                path, f"{outside} positions outside the valid latitude/longitude range blanked"
            ),
            meta.warnings,
        )
    lat = np.where(ok, lat, np.nan)
    lon = np.where(ok, lon, np.nan)
    if np.isfinite(lat).any():
        columns["lat_deg"], columns["lon_deg"] = lat, lon
    else:
        columns.pop("lat_deg", None)
        columns.pop("lon_deg", None)


def _read_raw(data: bytes, path: str | None, method: str) -> _Raw:
    reader = _parse_gpx_stream if method == "stream" else _parse_gpx_gpxpy
    try:
        return reader(data, path)
    except etree.XMLSyntaxError as exc:
        if not is_namespace_error(exc):
            raise syntax_error(exc, path, GpxError, "GPX") from None
        first = exc
    except _UndeclaredPrefixError:
        # the stream reader stopped early; without prefixes to declare, read in full
        first = None
    reader = _parse_gpx_stream_full if method == "stream" else _parse_gpx_gpxpy
    repaired, prefixes = declare_prefixes(data)
    if not prefixes and first is None:
        try:
            return reader(data, path)
        except etree.XMLSyntaxError as exc:
            raise syntax_error(exc, path, GpxError, "GPX") from None
    if not prefixes:
        raise syntax_error(first, path, GpxError, "GPX") from None
    try:
        raw = reader(repaired, path)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, path, GpxError, "GPX") from None
    raw.repaired_prefixes = prefixes
    return raw


def parse_gpx(
    data: bytes,
    *,
    errors: ErrorPolicy | str = "warn",
    source_path: str | None = None,
    method: str = "stream",
) -> Activity:
    """**Read GPX bytes into an Activity.**

    Parameters
    ----------
    data
        The GPX document (any declared encoding, BOM or not).
    errors
        ``"raise"``, ``"warn"`` (default) or ``"ignore"`` for recoverable
        problems (dropped points, zone-less times, bad numbers); every one is
        listed in ``meta.warnings``.
    source_path
        File name for messages and ``meta.source_path``.
    method
        ``"stream"`` (default, fast) or ``"gpxpy"`` (reference library).

    Returns
    -------
    Activity
        ``meta.source_format == "gpx"``; ``meta.product`` is the GPX creator.

    Raises
    ------
    GpxError
        For malformed XML (with line and column) and files without a timed
        track point (routes or waypoints only).
    XmlSecurityError
        For documents declaring entities or external DTDs.
    ValueError
        For an unknown ``method``.
    """
    method = method.lower()
    if method not in METHODS:
        raise ValueError(f"`method` {method!r} not found. Must be one of 'stream' or 'gpxpy'.")
    policy = ErrorPolicy.coerce(errors)
    prepared = prepare_xml(bytes(data), source_path, GpxError)
    raw = _read_raw(prepared, source_path, method)
    texts = raw.column("time")
    times = times_from_strings(texts) if method == "stream" else _times_from_datetimes(texts)
    return _build_activity(raw, times, path=source_path, policy=policy, method=method)


def read_gpx(
    path: str | os.PathLike[str],
    *,
    errors: ErrorPolicy | str = "warn",
    method: str = "stream",
) -> Activity:
    """**Read a GPX file into an Activity** (see :func:`parse_gpx`).

    Raises
    ------
    InputError
        When the file cannot be read.
    GpxError, XmlSecurityError
        As :func:`parse_gpx`.
    """
    data = read_file_bytes(path)
    activity = parse_gpx(data, errors=errors, source_path=str(path), method=method)
    activity.meta.sha256 = hashlib.sha256(data).hexdigest()
    return activity
