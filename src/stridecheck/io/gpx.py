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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from stridecheck.activity import (
    Activity,
    ActivityMeta,
)
from stridecheck.errors import (
    ErrorPolicy,
    GpxError,
    handle_problem,
)
from stridecheck.io.files import read_file_bytes
from stridecheck.io.trackpoints import (
    assemble_samples,
    foot_cadence,
    times_from_strings,
    to_float,
)
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
    "parse_gpx",
    "read_gpx",
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
