"""TCX importer: Garmin Training Center XML activities into the canonical Activity.

What is read
------------
* ``Activities/Activity/Lap/Track/Trackpoint`` (also inside a multisport
  session): ``Time``, ``Position/LatitudeDegrees`` and ``LongitudeDegrees``,
  ``AltitudeMeters``, ``DistanceMeters`` (cumulative), ``HeartRateBpm/Value``,
  ``Cadence``, and from the ActivityExtension ``TPX``: ``Speed`` [m/s],
  ``RunCadence`` and ``Watts`` (matched by local name, any prefix). Trackpoints
  without a readable ``Time`` are dropped with a warning stating how many.
* Laps into ``Activity.laps``: ``StartTime``, ``TotalTimeSeconds`` (timer time,
  ``timer_s``), ``DistanceMeters``, ``Intensity`` and ``TriggerMethod`` (lower
  case). A lap ends where the next lap of the same activity starts; the last
  lap ends at its last trackpoint or at start + timer time, whichever is later.
* ``meta.sport`` is the ``Sport`` attribute lower-cased, ``meta.product`` the
  ``Creator/Name``.

Cadence rule
------------
``RunCadence`` is defined by Garmin as strides/min (one foot) and is always
doubled to steps/min. The plain ``Cadence`` element is the bike cadence of the
schema, but running exports (Polar, phone apps) put the running cadence there:
it follows the GPX rule (:func:`stridecheck.io.trackpoints.foot_cadence`): on foot or
unknown sport it is doubled when its median is below 120/min; for wheel and
water sports it is kept as ``cadence_rpm``. The decision is recorded in
``meta.extra["cadence_rule"]``.

Several activities in one file
------------------------------
They are concatenated into one Activity (their laps too), with a warning:
nothing in the file is dropped, and a caller who needs them apart can split by
``Activity.laps``. ``meta.extra["tcx_activities"]`` gives the count and ids.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from stridecheck.activity import LAP_COLUMNS, Activity, ActivityMeta
from stridecheck.errors import ErrorPolicy, TcxError, handle_problem
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
    iter_children,
    local_name,
    parse_tree_safe,
    prepare_xml,
    syntax_error,
)

__all__ = ["parse_tcx", "read_tcx"]

#: Fields of one trackpoint row.
_FIELDS: tuple[str, ...] = (
    "time", "lat", "lon", "alt", "dist", "hr", "cad", "speed", "runcad", "watts",
)  # fmt: skip
_EXT_FIELDS = {"speed": 7, "runcadence": 8, "watts": 9}


def _text(element: Any, name: str) -> str | None:
    """Text of the first child called ``name`` (local name), stripped."""
    for child_name, child in iter_children(element):
        if child_name == name:
            return child.text.strip() if child.text else None
    return None


def _trackpoint(tp: Any) -> tuple[str | None, ...]:
    row: list[str | None] = [None] * len(_FIELDS)
    for name, child in iter_children(tp):
        if name == "Time":
            row[0] = child.text
        elif name == "Position":
            row[1] = _text(child, "LatitudeDegrees")
            row[2] = _text(child, "LongitudeDegrees")
        elif name == "AltitudeMeters":
            row[3] = child.text
        elif name == "DistanceMeters":
            row[4] = child.text
        elif name == "HeartRateBpm":
            row[5] = _text(child, "Value")
        elif name == "Cadence":
            row[6] = child.text
        elif name == "Extensions":
            for node in child.iter():
                if not isinstance(node.tag, str) or len(node):
                    continue
                slot = _EXT_FIELDS.get(local_name(node.tag).lower())
                if slot is not None and row[slot] is None:
                    row[slot] = node.text
    return tuple(row)


class _Reader:
    """Walks the TCX tree, collecting trackpoint rows and lap facts."""

    def __init__(self) -> None:
        self.rows: list[tuple[str | None, ...]] = []
        self.laps: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []

    def read(self, root: Any) -> None:
        sections = [root] if local_name(root.tag) == "Activities" else root
        for section in sections:
            if isinstance(section.tag, str) and local_name(section.tag) == "Activities":
                for activity in section.iter("{*}Activity"):
                    self._activity(activity)

    def _activity(self, activity: Any) -> None:
        index = len(self.activities)
        info: dict[str, Any] = {"sport": activity.get("Sport"), "id": None, "creator": None}
        for name, child in iter_children(activity):
            if name == "Id":
                info["id"] = child.text.strip() if child.text else None
            elif name == "Creator":
                info["creator"] = _text(child, "Name")
                info["product_id"] = _text(child, "ProductID")
                for vname, version in iter_children(child):
                    if vname == "Version":
                        major = _text(version, "VersionMajor")
                        minor = _text(version, "VersionMinor")
                        info["version"] = f"{major}.{minor}" if major else None
            elif name == "Lap":
                self._lap(child, index)
        self.activities.append(info)

    def _lap(self, lap: Any, activity_index: int) -> None:
        first = len(self.rows)
        fields = {"StartTime": lap.get("StartTime")}
        for name, child in iter_children(lap):
            if name in ("TotalTimeSeconds", "DistanceMeters", "Intensity", "TriggerMethod"):
                fields[name] = child.text.strip() if child.text else None
            elif name == "Track":
                for tp_name, tp in iter_children(child):
                    if tp_name == "Trackpoint":
                        self.rows.append(_trackpoint(tp))
        fields["rows"] = (first, len(self.rows))
        fields["activity"] = activity_index
        self.laps.append(fields)


def _parse_root(data: bytes, path: str | None) -> tuple[Any, list[str]]:
    """Parse with the hardened parser; declare undeclared prefixes when that is all."""
    try:
        return parse_tree_safe(data), []
    except etree.XMLSyntaxError as exc:
        if not is_namespace_error(exc):
            raise syntax_error(exc, path, TcxError, "TCX") from None
        first = exc
    repaired, prefixes = declare_prefixes(data)
    if not prefixes:
        raise syntax_error(first, path, TcxError, "TCX") from None
    try:
        return parse_tree_safe(repaired), prefixes
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, path, TcxError, "TCX") from None


def _describe(root: Any, reader: _Reader, untimed: int) -> str:
    counts = {"Course": 0, "Workout": 0}
    for name, section in iter_children(root):
        if name in ("Courses", "Workouts"):
            kind = name[:-1]
            counts[kind] += sum(1 for n, _ in iter_children(section) if n == kind)
    parts = []
    if untimed:
        parts.append(f"{untimed} trackpoints without time")
    elif reader.laps:
        parts.append(f"{len(reader.laps)} laps without trackpoints")
    if counts["Course"]:
        parts.append(f"{counts['Course']} courses")
    if counts["Workout"]:
        parts.append(f"{counts['Workout']} workouts")
    if not parts:
        return "the file holds no activity"
    return "the file holds " + " / ".join(parts) + " only"


def _lap_frame(
    reader: _Reader,
    index: pd.DatetimeIndex,
    path: str | None,
    policy: ErrorPolicy,
    meta: ActivityMeta,
) -> pd.DataFrame:
    """One row per lap in :data:`~stridecheck.activity.LAP_COLUMNS`."""
    starts, _, _ = times_from_strings([lap["StartTime"] for lap in reader.laps])
    records = []
    skipped = 0
    for i, lap in enumerate(reader.laps):
        lo, hi = lap["rows"]
        lap_times = index[lo:hi].dropna()
        start = starts[i]
        if pd.isna(start):
            if not len(lap_times):
                skipped += 1
                continue
            start = lap_times.min()
        timer = to_float([lap.get("TotalTimeSeconds")])[0][0]
        records.append(
            {
                "start": start,
                "end": pd.NaT,
                "timer_s": timer,
                "distance_m": to_float([lap.get("DistanceMeters")])[0][0],
                "intensity": (lap.get("Intensity") or "").lower() or None,
                "trigger": (lap.get("TriggerMethod") or "").lower() or None,
                "wkt_step_index": None,
                "_activity": lap["activity"],
                "_last": lap_times.max() if len(lap_times) else pd.NaT,
            }
        )
    if skipped:
        handle_problem(
            policy,
            TcxError(path, f"{skipped} laps without start time or trackpoints skipped"),
            meta.warnings,
        )
    for i, rec in enumerate(records):
        nxt = records[i + 1] if i + 1 < len(records) else None
        if (
            nxt is not None
            and nxt["_activity"] == rec["_activity"]
            and nxt["start"] >= rec["start"]
        ):
            rec["end"] = nxt["start"]
        else:
            by_timer = (
                rec["start"] + pd.Timedelta(seconds=rec["timer_s"])
                if np.isfinite(rec["timer_s"])
                else pd.NaT
            )
            candidates = [t for t in (rec["_last"], by_timer) if not pd.isna(t)]
            rec["end"] = max(candidates) if candidates else rec["start"]
    frame = pd.DataFrame(records, columns=[*LAP_COLUMNS, "_activity", "_last"])
    frame["start"] = pd.to_datetime(frame["start"], utc=True).dt.as_unit("ns")
    frame["end"] = pd.to_datetime(frame["end"], utc=True).dt.as_unit("ns")
    frame["duration_s"] = (frame["end"] - frame["start"]).dt.total_seconds().astype(float)
    frame["timer_s"] = frame["timer_s"].astype(float)
    frame["distance_m"] = frame["distance_m"].astype(float)
    return frame[list(LAP_COLUMNS)].reset_index(drop=True)


def _activity_meta(reader: _Reader, path: str | None, policy: ErrorPolicy) -> ActivityMeta:
    infos = reader.activities
    sports = [i["sport"].strip().lower() for i in infos if i.get("sport")]
    creator = next((i for i in infos if i.get("creator")), {})
    meta = ActivityMeta(
        source_format="tcx",
        source_path=path,
        sport=sports[0] if sports else None,
        product=creator.get("creator"),
    )
    meta.extra.update(
        {
            "creator": creator.get("creator"),
            "creator_product_id": creator.get("product_id"),
            "creator_version": creator.get("version"),
            "tcx_activities": len(infos),
            "activity_ids": [i.get("id") for i in infos],
        }
    )
    if len(infos) > 1:
        kinds = ", ".join(sorted(set(sports))) or "no sport"
        handle_problem(
            policy,
            TcxError(path, f"file holds {len(infos)} activities ({kinds}); concatenated into one"),
            meta.warnings,
        )
    return meta


def _cadence_columns(
    col: dict[str, np.ndarray], sport: str | None, meta: ActivityMeta
) -> dict[str, np.ndarray]:
    """Cadence columns by the module's cadence rule."""
    out: dict[str, np.ndarray] = {}
    rules = {}
    # RunCadence first (it wins where both are present), then Cadence fills gaps
    for name, values, strides in (
        ("RunCadence", col.pop("runcad"), True),
        ("Cadence", col.pop("cad"), None),
    ):
        if not np.isfinite(values).any():
            continue
        rule = foot_cadence(values, sport, strides=strides)
        rules[name] = rule
        previous = out.get(rule.column)
        out[rule.column] = (
            rule.values
            if previous is None
            else np.where(np.isfinite(previous), previous, rule.values)
        )
    if rules:
        meta.extra["cadence_rule"] = {
            name: {"doubled": r.doubled, "reason": r.reason} for name, r in rules.items()
        }
    return out


def parse_tcx(
    data: bytes, *, errors: ErrorPolicy | str = "warn", source_path: str | None = None
) -> Activity:
    """**Read TCX bytes into an Activity.**

    Parameters
    ----------
    data
        The TCX document (any declared encoding, BOM or not).
    errors
        ``"raise"``, ``"warn"`` (default) or ``"ignore"`` for recoverable
        problems; every one is listed in ``meta.warnings``.
    source_path
        File name for messages and ``meta.source_path``.

    Returns
    -------
    Activity
        ``meta.source_format == "tcx"``, with laps.

    Raises
    ------
    TcxError
        For malformed XML (with line and column) and files without a timed
        trackpoint (courses, workouts).
    XmlSecurityError
        For documents declaring entities or external DTDs.
    """
    policy = ErrorPolicy.coerce(errors)
    path = source_path
    prepared = prepare_xml(bytes(data), path, TcxError)
    root, prefixes = _parse_root(prepared, path)
    root_name = local_name(root.tag) if isinstance(root.tag, str) else "?"
    if root_name not in ("TrainingCenterDatabase", "Activities"):
        raise TcxError(path, f"root element is <{root_name}>, not <TrainingCenterDatabase>")
    reader = _Reader()
    reader.read(root)
    index, unreadable, naive = times_from_strings([row[0] for row in reader.rows])
    keep = np.asarray(index.notna(), dtype=bool)
    if not keep.any():
        raise TcxError(
            path, f"no timed track points ({_describe(root, reader, len(reader.rows))})"
        )
    meta = _activity_meta(reader, path, policy)
    meta.extra["trackpoints"] = len(reader.rows)
    if root_name == "Activities":
        handle_problem(
            policy,
            TcxError(path, "the <TrainingCenterDatabase> root is missing; <Activities> read"),
            meta.warnings,
        )
    if prefixes:
        handle_problem(
            policy,
            TcxError(path, f"undeclared namespace prefixes {', '.join(prefixes)}; read anyway"),
            meta.warnings,
        )
    n = len(reader.rows)
    missing = n - int(keep.sum()) - unreadable
    for count, what in ((missing, "have no <Time>"), (unreadable, "have an unreadable <Time>")):
        if count:
            handle_problem(
                policy,
                TcxError(path, f"{count} of {n} trackpoints {what}; dropped"),
                meta.warnings,
            )
    if naive:
        handle_problem(
            policy,
            TcxError(path, f"{naive} times carry no time zone; taken as UTC"),
            meta.warnings,
        )
    columns = list(zip(*reader.rows, strict=True))
    col: dict[str, np.ndarray] = {}
    bad: dict[str, int] = {}
    for name, values in zip(_FIELDS[1:], columns[1:], strict=True):
        num, n_bad = to_float(values)
        col[name] = num[keep]
        if n_bad:
            bad[name] = n_bad
    if bad:
        listing = ", ".join(f"{k} {v}" for k, v in bad.items())
        handle_problem(
            policy, TcxError(path, f"unreadable numbers ignored: {listing}"), meta.warnings
        )
    frame_cols = {
        "lat_deg": col["lat"],
        "lon_deg": col["lon"],
        "altitude_m": col["alt"],
        "distance_m": col["dist"],
        "heart_rate_bpm": col["hr"],
        "speed_mps": col["speed"],
        "power_w": col["watts"],
    }
    frame_cols.update(_cadence_columns(col, meta.sport, meta))
    frame_cols = {k: v for k, v in frame_cols.items() if np.isfinite(v).any()}
    _blank_bad_positions(frame_cols, path, policy, meta)
    samples = assemble_samples(
        frame_cols, index[keep], meta, policy=policy, error_cls=TcxError, path=path
    )
    laps = _lap_frame(reader, index, path, policy, meta)
    return Activity(samples=samples, meta=meta, laps=laps)


def _blank_bad_positions(
    cols: dict[str, np.ndarray], path: str | None, policy: ErrorPolicy, meta: ActivityMeta
) -> None:
    if "lat_deg" not in cols or "lon_deg" not in cols:
        cols.pop("lat_deg", None)
        cols.pop("lon_deg", None)
        return
    lat, lon = cols["lat_deg"], cols["lon_deg"]
    with np.errstate(invalid="ignore"):
        ok = (np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0)
    outside = int((~ok & np.isfinite(lat) & np.isfinite(lon)).sum())
    if outside:
        handle_problem(
            policy, TcxError(path, f"{outside} positions out of range blanked"), meta.warnings
        )
    cols["lat_deg"] = np.where(ok, lat, np.nan)
    cols["lon_deg"] = np.where(ok, lon, np.nan)


def read_tcx(path: str | os.PathLike[str], *, errors: ErrorPolicy | str = "warn") -> Activity:
    """**Read a TCX file into an Activity** (see :func:`parse_tcx`).

    Raises
    ------
    InputError
        When the file cannot be read.
    TcxError, XmlSecurityError
        As :func:`parse_tcx`.
    """
    data = read_file_bytes(path)
    activity = parse_tcx(data, errors=errors, source_path=str(path))
    activity.meta.sha256 = hashlib.sha256(data).hexdigest()
    return activity
