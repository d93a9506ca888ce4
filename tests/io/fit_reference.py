"""Frozen reference: the FIT mapping of stridecheck.io.fit at commit 98d1e35 (test oracle).

Do not edit: tests/io/test_fit_mapping.py checks that the optimised mapping in
:mod:`stridecheck.io.fit` gives exactly what this plain-pandas version gives.
Original module docstring follows.

Read FIT activity files into the canonical :class:`~stridecheck.activity.Activity`.

Decoding (bytes -> :class:`~stridecheck.io.fit_messages.FitMessages`) and mapping
(:class:`FitMessages` -> :class:`Activity`, :func:`activity_from_messages`) are
separate steps, so any decoder that honours the ``FitMessages`` conventions can
feed the mapping.

Mapping rules
-------------
- Record fields become sample columns through :data:`VARIABLE_MAP`; where two
  FIT fields carry one quantity the first present in :data:`VARIABLE_MAP`'s order
  wins row by row (``enhanced_speed`` over ``speed``, ``enhanced_altitude`` over
  ``altitude``). Positions are semicircles in FIT and become degrees
  (``x * 180 / 2**31``); ``step_length`` is millimetres and becomes metres. A
  position of exactly (0, 0) is a device's "no fix" placeholder and becomes NaN.
- Cadence: FIT ``record.cadence`` counts cycles of one limb (strides/min for
  running, crank rpm for cycling) with ``fractional_cadence`` adding 1/128
  steps. For samples of a foot sport (:data:`STEP_SPORTS`, or a sub-sport in
  :data:`STEP_SUB_SPORTS`) ``cadence_spm = 2 * (cadence + fractional_cadence)``,
  steps of both feet per minute. For every other sport (cycling, swimming,
  rowing, generic ...) the value is *not* a step rate and goes to an extra column
  ``cadence_rpm`` unchanged. The sport of a sample is that of the session it
  falls in (multisport files change sport per session).
- ``timer_running`` follows ``event`` messages with ``event == "timer"``:
  ``start`` starts it, ``stop``, ``stop_all``, ``stop_disable`` and
  ``stop_disable_all`` stop it. A sample's flag is the timer state *from that
  sample on*: the state after every timer event stamped at or before it (events
  with equal stamps in file order). So a sample stamped at a start is True and a
  sample stamped at a stop is False, and a pause without any sample inside it
  still shows (Garmin writes a record at the stop and one at the restart).
  Before the first timer event the timer is taken as stopped if that event is a
  start, else as running; with no timer events at all it runs throughout.
- Several records with the same timestamp are merged into one sample, the last
  non-missing value of each column winning.
- Speed: when the file records no speed but has positions or distance, speed is
  computed with :func:`~stridecheck.io.derive.derive_speed` and
  ``meta.speed_derived`` is set.
- Developer fields of records become ``dev_<name>`` columns with the unit the
  file names appended (``dev_leg_spring_stiffness_kn_m``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.activity import (
    EVENT_COLUMNS,
    LAP_COLUMNS,
    SPLIT_COLUMNS,
    Activity,
    ActivityMeta,
    empty_frame,
    finalize_samples,
)
from stridecheck.errors import (
    EmptyActivityError,
    ErrorPolicy,
    InputError,
    handle_problem,
)
from stridecheck.io.derive import derive_speed
from stridecheck.io.files import read_file_bytes
from stridecheck.io.fit_messages import FitMessages
from stridecheck.io.fit_sdk import decode_fit_sdk, read_fit_header, snake_case

__all__ = [
    "STEP_SPORTS",
    "STEP_SUB_SPORTS",
    "VARIABLE_MAP",
    "activity_from_messages",
    "parse_fit",
    "read_fit",
]

#: FIT record field -> sample column. Order matters: for a column fed by several
#: fields, the earlier field wins where both are present.
VARIABLE_MAP: dict[str, str] = {
    "distance": "distance_m",
    "enhanced_speed": "speed_mps",
    "speed": "speed_mps",
    "position_lat": "lat_deg",
    "position_long": "lon_deg",
    "enhanced_altitude": "altitude_m",
    "altitude": "altitude_m",
    "heart_rate": "heart_rate_bpm",
    "step_length": "stride_length_m",
    "power": "power_w",
}

#: Factors turning the FIT unit of a field into the column's SI unit.
_UNIT_FACTOR: dict[str, float] = {
    "position_lat": 180.0 / 2**31,  # semicircles -> degree
    "position_long": 180.0 / 2**31,
    "step_length": 1e-3,  # mm -> m
}

#: Sports whose FIT cadence counts strides (one foot), doubled to steps/min.
STEP_SPORTS: frozenset[str] = frozenset(
    {
        "running",
        "walking",
        "hiking",
        "mountaineering",
        "snowshoeing",
        "wheelchair_push_walk",
        "wheelchair_push_run",
    }
)

#: Sub-sports that are foot sports whatever the sport says (e.g. a treadmill
#: under ``fitness_equipment``).
STEP_SUB_SPORTS: frozenset[str] = frozenset(
    {
        "treadmill",
        "street",
        "trail",
        "track",
        "indoor_running",
        "indoor_walking",
        "casual_walking",
        "speed_walking",
        "ultra",
    }
)

_TIMER_STOPS = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})
_SEMICIRCLE_LIMIT = 2**31


# --------------------------------------------------------------------------- entry points


def read_fit(path: str | os.PathLike[str], errors: ErrorPolicy | str = "warn") -> Activity:
    """Read a FIT activity file.

    Parameters
    ----------
    path
        The ``.fit`` file (uncompressed; use :func:`stridecheck.io.read` for
        ``.fit.gz`` or zip archives).
    errors
        Error policy: ``"raise"``, ``"warn"`` (default) or ``"ignore"``.

    Returns
    -------
    Activity

    Raises
    ------
    StrideCheckError
        For unreadable or non-activity files (a subclass says what).
    """
    return parse_fit(read_file_bytes(path), errors=errors, source_path=str(path))


def parse_fit(
    data: bytes, *, errors: ErrorPolicy | str = "warn", source_path: str | None = None
) -> Activity:
    """Parse the bytes of a FIT activity file.

    Parameters
    ----------
    data
        FIT bytes (one file or chained files).
    errors
        Error policy for recoverable problems (CRC mismatch, truncation ...):
        ``"raise"``, ``"warn"`` (default) or ``"ignore"``; each problem is also
        listed in ``activity.meta.warnings``.
    source_path
        File name for messages and ``meta.source_path``.

    Returns
    -------
    Activity

    Raises
    ------
    FitHeaderError
        When the bytes are not FIT.
    FitDecodeError
        When they cannot be decoded (or, under ``"raise"``, at the first problem).
    EmptyActivityError
        When the file holds no timed samples (e.g. a workout, settings or
        course file).
    """
    policy = ErrorPolicy.coerce(errors)
    data = bytes(data)
    msgs = _decode(data, policy, source_path)
    activity = activity_from_messages(msgs, policy=policy, source_path=source_path)
    header = read_fit_header(data)
    if header is not None:
        activity.meta.extra["fit_protocol_version"] = header.protocol_version
        activity.meta.extra["fit_profile_version"] = header.profile_version
    return activity


def _decode(data: bytes, policy: ErrorPolicy, source_path: str | None) -> FitMessages:
    """Decode with the fast decoder when it is available, else with garmin-fit-sdk."""
    try:
        fast = importlib.import_module("stridecheck.io.fit_decode")
        decode_fit = fast.decode_fit
    except (ImportError, AttributeError):
        return decode_fit_sdk(data, errors=policy, source_path=source_path)
    try:
        msgs: FitMessages = decode_fit(data, errors=policy, source_path=source_path)
    except NotImplementedError:
        return decode_fit_sdk(data, errors=policy, source_path=source_path)
    return msgs


# --------------------------------------------------------------------------- mapping


def activity_from_messages(
    msgs: FitMessages, *, policy: ErrorPolicy | str = "warn", source_path: str | None = None
) -> Activity:
    """Map decoded FIT messages to an :class:`Activity` (rules in the module docs).

    Parameters
    ----------
    msgs
        Decoded FIT content.
    policy
        Error policy for recoverable problems met while mapping.
    source_path
        File name for messages.

    Returns
    -------
    Activity

    Raises
    ------
    EmptyActivityError
        When the file is not an activity file, or holds no record with a timestamp.
    """
    policy = ErrorPolicy.coerce(policy)
    warnings_: list[str] = list(msgs.warnings)
    file_type = _file_type(msgs)
    sessions = _sessions(msgs)
    records = msgs.frame("record")
    if file_type not in (None, "activity"):
        what = "a planned route" if file_type == "course" else "no activity samples"
        raise EmptyActivityError(source_path, f"FIT file of type {file_type} holds {what}")
    if "timestamp" in records.columns:
        n_untimed = int(records["timestamp"].isna().sum())
        records = records[records["timestamp"].notna()]
    else:
        n_untimed = len(records)
        records = records.iloc[0:0]
    if len(records) == 0:
        found = (
            f"{n_untimed} record messages, none with a timestamp"
            if n_untimed
            else "no record messages"
        )
        summary = " (only session/lap summaries)" if len(sessions) or "lap" in msgs else ""
        raise EmptyActivityError(
            source_path, f"FIT activity has {found}{summary}, so no timed samples"
        )
    if n_untimed:
        handle_problem(
            policy,
            InputError(source_path, f"{n_untimed} record messages without a timestamp ignored"),
            warnings_,
        )
    if file_type is None:
        warnings_.append(f"{_name(source_path)}: FIT file has no file_id; read as an activity")
    sport, sub_sport = _sport(msgs, sessions)
    samples = _samples(
        records, msgs, sessions=sessions, sport=sport, sub_sport=sub_sport, warnings_=warnings_
    )
    meta = ActivityMeta(
        source_format="fit", source_path=source_path, sport=sport, sub_sport=sub_sport
    )
    if "speed_mps" not in samples.columns or samples["speed_mps"].isna().all():
        has_pos = "lat_deg" in samples.columns and samples["lat_deg"].notna().any()
        has_dist = "distance_m" in samples.columns and samples["distance_m"].notna().any()
        if has_pos or has_dist:
            samples["speed_mps"] = derive_speed(samples)
            samples = finalize_samples(samples)
            meta.speed_derived = True
    _fill_device(meta, msgs)
    meta.start_time = pd.Timestamp(samples.index[0]).to_pydatetime()
    meta.warnings = warnings_
    meta.extra.update(
        {
            "file_type": file_type,
            "n_sessions": len(sessions),
            "sessions": _session_summaries(sessions),
            "n_fit_files": msgs.n_files,
            "decoder_profile_version": msgs.profile_version,
        }
    )
    created = _first(msgs.frame("file_id"), "time_created")
    if isinstance(created, pd.Timestamp) and not pd.isna(created):
        meta.extra["time_created"] = created.to_pydatetime()
    return Activity(
        samples=samples,
        meta=meta,
        laps=_side_table(msgs, "lap", LAP_MAP, LAP_COLUMNS),
        events=_side_table(msgs, "event", EVENT_MAP, EVENT_COLUMNS),
        device_splits=_side_table(msgs, "split", SPLIT_MAP, SPLIT_COLUMNS),
        workout=_workout(msgs),
        rr_intervals=_rr_intervals(msgs),
    )


def _name(source_path: str | None) -> str:
    return source_path if source_path is not None else "<bytes>"


def _first(frame: pd.DataFrame, column: str) -> Any:
    if column not in frame.columns:
        return None
    values = frame[column].dropna()
    return values.iloc[0] if len(values) else None


def _file_type(msgs: FitMessages) -> str | None:
    value = _first(msgs.frame("file_id"), "type")
    if value is None:
        return None
    return str(value)


def _sessions(msgs: FitMessages) -> pd.DataFrame:
    sessions = msgs.frame("session")
    return sessions.sort_values("_seq", kind="stable").reset_index(drop=True)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _sport(msgs: FitMessages, sessions: pd.DataFrame) -> tuple[str | None, str | None]:
    """Sport and sub-sport: the sessions' when they agree, else ``multisport``."""
    for frame in (sessions, msgs.frame("sport")):
        if "sport" not in frame.columns or frame["sport"].dropna().empty:
            continue
        sports = [str(s) for s in frame["sport"].dropna().unique()]
        sub = (
            [str(s) for s in frame["sub_sport"].dropna().unique()]
            if "sub_sport" in frame.columns
            else []
        )
        if len(sports) == 1:
            return sports[0], sub[0] if len(sub) == 1 else None
        return "multisport", None
    return None, None


def _session_summaries(sessions: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _, row in sessions.iterrows():
        out.append(
            {
                "sport": _text(row.get("sport")),
                "sub_sport": _text(row.get("sub_sport")),
                "start": _ts(row.get("start_time")),
                "end": _ts(row.get("timestamp")),
                "duration_s": _num(row.get("total_elapsed_time")),
                "timer_s": _num(row.get("total_timer_time")),
                "distance_m": _num(row.get("total_distance")),
            }
        )
    return out


def _ts(value: Any) -> dt.datetime | None:
    if isinstance(value, pd.Timestamp) and not pd.isna(value):
        return value.to_pydatetime()
    return None


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def _fill_device(meta: ActivityMeta, msgs: FitMessages) -> None:
    file_id = msgs.frame("file_id")
    if len(file_id) == 0:
        return
    row = file_id.sort_values("_seq").iloc[0]
    meta.manufacturer = _id_text(row.get("manufacturer"))
    product: str | None = None
    for column in file_id.columns:
        if column.endswith("_product") and isinstance(row.get(column), str):
            product = str(row[column])
            break
    if product is None:
        product = _id_text(row.get("product"))
        if product is None:
            product = _id_text(row.get("product_name"))
    meta.product = product
    meta.serial_number = _id_text(row.get("serial_number"))


def _id_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else str(int(value))
    return str(value)


# --------------------------------------------------------------------------- samples


def _samples(
    records: pd.DataFrame,
    msgs: FitMessages,
    *,
    sessions: pd.DataFrame,
    sport: str | None,
    sub_sport: str | None,
    warnings_: list[str],
) -> pd.DataFrame:
    records = records.sort_values("_seq", kind="stable")
    index = pd.DatetimeIndex(records["timestamp"]).tz_convert("UTC")
    columns: dict[str, np.ndarray] = {}
    for field, column in VARIABLE_MAP.items():
        if field not in records.columns:
            continue
        values = pd.to_numeric(records[field], errors="coerce").to_numpy(dtype=float)
        values = values * _UNIT_FACTOR.get(field, 1.0)
        if column in columns:
            current = columns[column]
            columns[column] = np.where(np.isnan(current), values, current)
        else:
            columns[column] = values
    _clean_positions(columns, warnings_)
    _cadence(columns, records, index=index, sessions=sessions, sport=sport, sub_sport=sub_sport)
    for name in records.columns:
        if not name.startswith("dev_"):
            continue
        dev = msgs.developer_fields.get(name)
        column = name
        if dev is not None and dev.units:
            unit = snake_case(dev.units.replace("%", " percent ").lower())
            column = f"{name}_{unit}" if unit != "field" else name
        if column in columns:
            column = name
        columns[column] = records[name].to_numpy()
    frame = pd.DataFrame(columns, index=index)
    frame["timer_running"] = _timer_running(index, msgs)
    frame.index.name = "time"
    frame = _merge_duplicates(frame, warnings_)
    return finalize_samples(frame)


def _clean_positions(columns: dict[str, np.ndarray], warnings_: list[str]) -> None:
    if "lat_deg" not in columns or "lon_deg" not in columns:
        columns.pop("lat_deg", None)
        columns.pop("lon_deg", None)
        return
    lat, lon = columns["lat_deg"], columns["lon_deg"]
    null_island = (lat == 0.0) & (lon == 0.0)
    bad = null_island | (np.abs(lat) > 90.0) | (np.abs(lon) > 180.0)
    if bad.any():
        warnings_.append(
            f"{int(bad.sum())} positions at (0, 0) or out of range treated as missing"
        )
        columns["lat_deg"] = np.where(bad, np.nan, lat)
        columns["lon_deg"] = np.where(bad, np.nan, lon)


def _is_step_sport(sport: str | None, sub_sport: str | None) -> bool:
    return sport in STEP_SPORTS or sub_sport in STEP_SUB_SPORTS


def _sample_sports(
    index: pd.DatetimeIndex, sessions: pd.DataFrame, sport: str | None, sub_sport: str | None
) -> np.ndarray:
    """Whether each sample belongs to a foot sport, by the session it falls in."""
    default = _is_step_sport(sport, sub_sport)
    out = np.full(len(index), default)
    if len(sessions) < 2 or "start_time" not in sessions or "sport" not in sessions:
        return out
    starts = pd.DatetimeIndex(sessions["start_time"])
    order = np.argsort(starts.asi8, kind="stable")
    valid = [i for i in order if not pd.isna(starts[i])]
    if not valid:
        return out
    start_ns = starts.asi8[valid]
    pos = np.searchsorted(start_ns, index.asi8, side="right") - 1
    pos = np.clip(pos, 0, len(valid) - 1)
    flags = np.array(
        [
            _is_step_sport(
                _text(sessions["sport"].iloc[i]),
                _text(sessions["sub_sport"].iloc[i]) if "sub_sport" in sessions else None,
            )
            for i in valid
        ]
    )
    return flags[pos]


def _cadence(
    columns: dict[str, np.ndarray],
    records: pd.DataFrame,
    *,
    index: pd.DatetimeIndex,
    sessions: pd.DataFrame,
    sport: str | None,
    sub_sport: str | None,
) -> None:
    if "cadence" not in records.columns:
        return
    cadence = pd.to_numeric(records["cadence"], errors="coerce").to_numpy(dtype=float)
    if "fractional_cadence" in records.columns:
        frac = pd.to_numeric(records["fractional_cadence"], errors="coerce").to_numpy(float)
        cadence = cadence + np.where(np.isnan(frac), 0.0, frac)
    steps = _sample_sports(index, sessions, sport, sub_sport)
    if steps.any():
        columns["cadence_spm"] = np.where(steps, 2.0 * cadence, np.nan)
    if not steps.all():
        columns["cadence_rpm"] = np.where(steps, np.nan, cadence)


def _timer_running(index: pd.DatetimeIndex, msgs: FitMessages) -> np.ndarray:
    events = msgs.frame("event")
    running = np.ones(len(index), dtype=bool)
    if not {"event", "event_type", "timestamp"} <= set(events.columns):
        return running
    timer = events[(events["event"] == "timer") & events["timestamp"].notna()]
    timer = timer[timer["event_type"].isin(_TIMER_STOPS | {"start"})]
    if len(timer) == 0:
        return running
    timer = timer.sort_values(["timestamp", "_seq"], kind="stable")
    times = pd.DatetimeIndex(timer["timestamp"]).tz_convert("UTC").as_unit("ns").asi8
    is_start = (timer["event_type"] == "start").to_numpy(dtype=bool)
    sample_ns = index.as_unit("ns").asi8
    last = np.searchsorted(times, sample_ns, side="right") - 1
    state = np.where(last >= 0, is_start[np.clip(last, 0, None)], not is_start[0])
    return np.asarray(state, dtype=bool)


def _merge_duplicates(frame: pd.DataFrame, warnings_: list[str]) -> pd.DataFrame:
    duplicated = frame.index.duplicated(keep=False)
    if not duplicated.any():
        return frame
    n = int(frame.index.duplicated().sum())
    warnings_.append(f"{n} records share a timestamp with another; merged (last value wins)")
    frame = frame.sort_index(kind="stable")
    merged = frame.groupby(level=0, sort=True).last()
    merged["timer_running"] = frame["timer_running"].groupby(level=0).any()
    return merged


# --------------------------------------------------------------------------- side tables


def _utc(series: pd.Series) -> pd.Series:
    return pd.Series(pd.to_datetime(series, utc=True), index=series.index)


def _col(frame: pd.DataFrame, name: str, kind: str = "num") -> pd.Series:
    if name in frame.columns:
        if kind == "time":
            return _utc(frame[name])
        return frame[name]
    if kind == "time":
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    if kind == "num":
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.Series(None, index=frame.index, dtype=object)


#: Side tables: our column -> (FIT field, kind), pvlib-style variable maps.
LAP_MAP: dict[str, tuple[str, str]] = {
    "start": ("start_time", "time"),
    "end": ("timestamp", "time"),
    "duration_s": ("total_elapsed_time", "num"),
    "timer_s": ("total_timer_time", "num"),
    "distance_m": ("total_distance", "num"),
    "intensity": ("intensity", "obj"),
    "trigger": ("lap_trigger", "obj"),
    "wkt_step_index": ("wkt_step_index", "num"),
}
EVENT_MAP: dict[str, tuple[str, str]] = {
    "time": ("timestamp", "time"),
    "event": ("event", "obj"),
    "event_type": ("event_type", "obj"),
    "data": ("data", "num"),
}
SPLIT_MAP: dict[str, tuple[str, str]] = {
    "split_type": ("split_type", "obj"),
    "start": ("start_time", "time"),
    "end": ("end_time", "time"),
    "duration_s": ("total_elapsed_time", "num"),
    "timer_s": ("total_timer_time", "num"),
    "distance_m": ("total_distance", "num"),
    "avg_speed_mps": ("avg_speed", "num"),
}


def _side_table(
    msgs: FitMessages,
    message: str,
    variable_map: dict[str, tuple[str, str]],
    columns: tuple[str, ...],
) -> pd.DataFrame:
    """One row per ``message`` in file order, renamed through ``variable_map``."""
    frame = msgs.frame(message)
    if len(frame) == 0:
        return empty_frame(columns)
    frame = frame.sort_values("_seq", kind="stable").reset_index(drop=True)
    out = pd.DataFrame(
        {ours: _col(frame, field, kind) for ours, (field, kind) in variable_map.items()}
    )
    return out[list(columns)]


def _workout(msgs: FitMessages) -> pd.DataFrame | None:
    """Workout steps carried by the file, with the workout's name and sport in ``.attrs``."""
    steps = msgs.frame("workout_step")
    if len(steps) == 0:
        return None
    steps = steps.sort_values("_seq", kind="stable").reset_index(drop=True)
    out = steps.drop(columns=[c for c in ("_seq", "_file") if c in steps.columns])
    workout = msgs.frame("workout")
    name = _first(workout, "wkt_name")
    if name is not None:
        out.attrs["name"] = str(name)
    sport = _first(workout, "sport")
    if sport is not None:
        out.attrs["sport"] = str(sport)
    return out


def _rr_intervals(msgs: FitMessages) -> pd.DataFrame | None:
    """Beat-to-beat intervals of ``hrv`` messages with estimated beat times.

    The beat times are estimates: FIT ``hrv`` messages carry no timestamp. The
    running sum of the intervals starts at the timestamp of the record preceding
    the first ``hrv`` message, and is moved forward to the timestamp of the record
    preceding an ``hrv`` message whenever it has fallen behind it (missed beats or
    gaps in recording). Invalid intervals (missing, not positive) are dropped.
    """
    hrv = msgs.frame("hrv")
    if len(hrv) == 0 or "time" not in hrv.columns:
        return None
    records = msgs.frame("record")
    if "timestamp" not in records.columns:
        return None
    records = records[records["timestamp"].notna()].sort_values("_seq", kind="stable")
    if len(records) == 0:
        return None
    rec_seq = records["_seq"].to_numpy()
    rec_ns = pd.DatetimeIndex(records["timestamp"]).tz_convert("UTC").as_unit("ns").asi8
    hrv = hrv.sort_values("_seq", kind="stable")
    before = np.searchsorted(rec_seq, hrv["_seq"].to_numpy(), side="right") - 1
    anchors = rec_ns[np.clip(before, 0, None)]
    clock: int | None = None
    times: list[int] = []
    values: list[float] = []
    for anchor, value in zip(anchors, hrv["time"], strict=True):
        items = value if isinstance(value, tuple) else (value,)
        for rr in items:
            rr_f = _num(rr)
            if rr_f is None or rr_f <= 0.0 or rr_f >= 65.535:
                continue
            if clock is None or clock < anchor:
                clock = int(anchor)
            clock += round(rr_f * 1e9)
            times.append(clock)
            values.append(rr_f)
    if not values:
        return None
    return pd.DataFrame(
        {
            "time": pd.DatetimeIndex(np.asarray(times, dtype="datetime64[ns]")).tz_localize("UTC"),
            "rr_s": np.asarray(values, dtype="float64"),
        }
    )
