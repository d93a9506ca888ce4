"""Read FIT activity files into the canonical :class:`~stridecheck.activity.Activity`.

Decoding (bytes -> :class:`~stridecheck.io.fit.messages.FitMessages`) and mapping
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
  falls in (multisport files change sport per session). The sport comes from
  the ``session`` messages, else from an early ``sport`` message (mesg 12,
  which Garmin watches write at the start, so a file cut short still has it).
  A file that names no sport at all is judged by its data
  (:func:`foot_cadence_without_sport`): cadence whose cycle length (speed over
  cycles per second) is that of a walking or running stride, or that comes
  with a step length or a footpod's walking/running bit, is a foot cadence and
  becomes ``cadence_spm``; otherwise it stays ``cadence_rpm``. Either way the
  decision and its reason are in ``meta.warnings``.
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
  file names appended (``dev_leg_spring_stiffness_kn_m``), except a developer
  field named exactly ``rsc_running`` (any application id): the footpod's
  walking / running bit that :func:`stridecheck.io.fit_write.write_fit` writes
  (uint8: 1 running, 0 walking, 255 unknown). It becomes the column
  :data:`RSC_RUNNING_COLUMN` (``rsc_running``, float: 1.0 running, 0.0
  walking, NaN unknown or any other value), the column a live recording has and
  the segmenter reads as device evidence.
"""

from __future__ import annotations

import datetime as dt
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
from stridecheck.frames import frame_from_arrays
from stridecheck.io.derive import derive_speed
from stridecheck.io.files import read_file_bytes
from stridecheck.io.fit.decode import decode_fit
from stridecheck.io.fit.messages import FitMessages, snake_case
from stridecheck.io.fit.scan import read_fit_header
from stridecheck.io.fit.sdk import decode_fit_sdk
from stridecheck.io.plausible import plausible_samples

__all__ = [
    "METHODS",
    "RSC_RUNNING_COLUMN",
    "STEP_SPORTS",
    "STEP_SUB_SPORTS",
    "VARIABLE_MAP",
    "activity_from_messages",
    "parse_fit",
    "read_fit",
]

#: Decoders of :func:`parse_fit`: the vectorised one and Garmin's SDK.
METHODS: tuple[str, ...] = ("fast", "sdk")

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
_TIMER_TYPES = _TIMER_STOPS | {"start"}

#: Sample column of the footpod's walking / running bit (1.0 running, 0.0 walking,
#: NaN unknown), read from a record developer field of exactly this name.
RSC_RUNNING_COLUMN = "rsc_running"
_SEMICIRCLE_LIMIT = 2**31


# --------------------------------------------------------------------------- entry points


def read_fit(
    path: str | os.PathLike[str], errors: ErrorPolicy | str = "warn", *, method: str = "fast"
) -> Activity:
    """Read a FIT activity file.

    Parameters
    ----------
    path
        The ``.fit`` file (uncompressed; use :func:`stridecheck.io.read` for
        ``.fit.gz`` or zip archives).
    errors
        Error policy: ``"raise"``, ``"warn"`` (default) or ``"ignore"``.
    method
        Decoder: ``"fast"`` (default) or ``"sdk"`` (see :func:`parse_fit`).

    Returns
    -------
    Activity

    Raises
    ------
    StrideCheckError
        For unreadable or non-activity files (a subclass says what).
    """
    return parse_fit(read_file_bytes(path), errors=errors, source_path=str(path), method=method)


def parse_fit(
    data: bytes,
    *,
    errors: ErrorPolicy | str = "warn",
    source_path: str | None = None,
    method: str = "fast",
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
    method
        Decoder of the bytes: ``"fast"`` (default), the vectorised decoder of
        :mod:`stridecheck.io.fit.decode`, or ``"sdk"``, the reference decoder on
        Garmin's ``garmin-fit-sdk`` (:mod:`stridecheck.io.fit.sdk`; slower, and it
        cannot read compressed-timestamp headers). Both give the same messages.

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
    ValueError
        For an unknown ``method``.
    """
    method = method.lower()
    if method not in METHODS:
        raise ValueError(f"`method` {method!r} not found. Must be one of 'fast' or 'sdk'.")
    policy = ErrorPolicy.coerce(errors)
    data = bytes(data)
    decode = decode_fit if method == "fast" else decode_fit_sdk
    msgs = decode(data, errors=policy, source_path=source_path)
    activity = activity_from_messages(msgs, policy=policy, source_path=source_path)
    header = read_fit_header(data)
    if header is not None:
        activity.meta.extra["fit_protocol_version"] = header.protocol_version
        activity.meta.extra["fit_profile_version"] = header.profile_version
    return activity


# --------------------------------------------------------------------------- message tables


class _Rows:
    """The rows of one message type in file (``_seq``) order, read column by column.

    A thin view on a :class:`FitMessages` frame: columns are taken out only when
    asked for, as arrays, so the few-row message types (``file_id``, ``session``,
    ``event`` ...) cost a handful of lookups instead of DataFrame operations.
    """

    __slots__ = ("_cells", "frame", "n", "names", "order")

    def __init__(self, frame: pd.DataFrame | None) -> None:
        self.frame = frame if frame is not None else _EMPTY
        self.n = len(self.frame)
        #: Column name -> position (a dict: lookups in a pandas Index are slow).
        self.names: dict[str, int] = {
            name: i for i, name in enumerate(self.frame.columns.tolist())
        }
        self.order: np.ndarray | None = None
        self._cells: np.ndarray | None = None
        if self.n > 1 and "_seq" in self.names:
            seq = self.frame["_seq"].to_numpy()
            if not bool((seq[1:] > seq[:-1]).all()):
                self.order = np.argsort(seq, kind="stable")

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def __len__(self) -> int:
        return self.n

    def series(self, name: str) -> pd.Series:
        """Column ``name`` in file order, on a fresh ``RangeIndex``."""
        column = self.frame[name]
        if self.order is not None:
            column = column.take(self.order)
        if not isinstance(column.index, pd.RangeIndex) or column.index.start != 0:
            column = column.reset_index(drop=True)
        return column

    def values(self, name: str) -> list[Any]:
        """Column ``name`` in file order as Python objects (``None`` when absent)."""
        if name not in self.names:
            return [None] * self.n
        if self.n <= _SMALL_ROWS:
            if self._cells is None:  # one conversion for all columns of a small table
                cells = self.frame.to_numpy(dtype=object)
                self._cells = cells if self.order is None else cells[self.order]
            return list(self._cells[:, self.names[name]])
        return self.series(name).tolist()

    def floats(self, name: str) -> np.ndarray:
        """Column ``name`` in file order as float64 (NaN where not a number)."""
        column = self.series(name)
        if column.dtype == np.float64:
            return column.to_numpy()
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)

    def ns(self, name: str) -> np.ndarray:
        """Column ``name`` (times) in file order as UTC nanoseconds (NaT as int64 min)."""
        column = self.series(name)
        if column.dtype.kind == "M":  # datetime64, naive (taken as UTC) or aware
            return column.to_numpy(dtype="datetime64[ns]").view(np.int64)
        return pd.DatetimeIndex(pd.to_datetime(column, utc=True)).as_unit("ns").asi8

    def first(self, name: str) -> Any:
        """The first non-missing value of ``name`` in the frame's own row order."""
        if name not in self.names:
            return None
        values = self.values(name) if self.order is None else self.frame[name].tolist()
        for value in values:
            if not _missing(value):
                return value
        return None


_EMPTY = pd.DataFrame({"_seq": pd.Series(dtype="int64")})
#: Tables with at most this many rows are read as one block of Python objects.
_SMALL_ROWS = 64


def _missing(value: Any) -> bool:
    """Whether pandas counts ``value`` as missing (``None``, NaN, NaT, NA)."""
    if value is None:
        return True
    if isinstance(value, float | np.floating | np.datetime64 | np.timedelta64):
        return bool(pd.isna(value))
    return value is pd.NaT or value is pd.NA


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
    file_id = _Rows(msgs.frames.get("file_id"))
    file_type = _file_type(file_id)
    sessions = _Rows(msgs.frames.get("session"))
    records = _Records(msgs.frames.get("record"))
    n_untimed = records.n_untimed
    if file_type not in (None, "activity"):
        what = "a planned route" if file_type == "course" else "no activity samples"
        raise EmptyActivityError(source_path, f"FIT file of type {file_type} holds {what}")
    if records.n == 0:
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
    events = _Rows(msgs.frames.get("event"))
    samples = _samples(
        records,
        msgs,
        sessions=sessions,
        events=events,
        sport=sport,
        sub_sport=sub_sport,
        warnings_=warnings_,
    )
    samples = plausible_samples(samples, path=source_path, policy=policy, sink=warnings_)
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
    if sport is None and sub_sport is None and "cadence_rpm" in samples.columns:
        samples, note = foot_cadence_without_sport(samples)
        warnings_.append(f"{_name(source_path)}: {note}")
    _fill_device(meta, file_id)
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
    created = file_id.first("time_created")
    if isinstance(created, pd.Timestamp) and not pd.isna(created):
        meta.extra["time_created"] = created.to_pydatetime()
    offset = _utc_offset_s(_Rows(msgs.frames.get("activity")))
    if offset is not None:
        meta.extra["utc_offset_s"] = offset  # local time of the activity (reports show it)
    return Activity(
        samples=samples,
        meta=meta,
        laps=_side_table(_Rows(msgs.frames.get("lap")), LAP_MAP, LAP_COLUMNS),
        events=_side_table(events, EVENT_MAP, EVENT_COLUMNS),
        device_splits=_side_table(_Rows(msgs.frames.get("split")), SPLIT_MAP, SPLIT_COLUMNS),
        workout=_workout(msgs),
        rr_intervals=_rr_intervals(msgs, records),
    )


#: FIT times count seconds from 1989-12-31 00:00 UTC; as a Unix time. [s]
_FIT_EPOCH_S = 631065600


def _utc_offset_s(activity: _Rows) -> int | None:
    """The activity's UTC offset from its ``local_timestamp`` (whole quarter hours), or None."""
    if "local_timestamp" not in activity or "timestamp" not in activity:
        return None
    local = activity.first("local_timestamp")
    stamp = activity.first("timestamp")
    if not isinstance(stamp, pd.Timestamp) or pd.isna(stamp) or isinstance(local, bool):
        return None
    try:
        local_s = float(local)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(local_s) or local_s <= 0:
        return None
    offset = local_s - (stamp.timestamp() - _FIT_EPOCH_S)
    quarter = round(offset / 900.0) * 900
    if abs(offset - quarter) > 60 or abs(quarter) > 14 * 3600:
        return None
    return int(quarter)


def _name(source_path: str | None) -> str:
    return source_path if source_path is not None else "<bytes>"


def _file_type(file_id: _Rows) -> str | None:
    value = file_id.first("type")
    if value is None:
        return None
    return str(value)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _unique(values: list[Any]) -> list[str]:
    """The distinct non-missing values in order of appearance, as text."""
    seen: dict[Any, None] = {}
    for value in values:
        if not _missing(value):
            seen.setdefault(value, None)
    return [str(value) for value in seen]


def _sport(msgs: FitMessages, sessions: _Rows) -> tuple[str | None, str | None]:
    """Sport and sub-sport: the sessions' when they agree, else ``multisport``."""
    for source in (sessions, "sport"):
        rows = source if isinstance(source, _Rows) else _Rows(msgs.frames.get(source))
        if "sport" not in rows:
            continue
        sports = _unique(rows.values("sport"))
        if not sports:
            continue
        sub = _unique(rows.values("sub_sport")) if "sub_sport" in rows else []
        if len(sports) == 1:
            return sports[0], sub[0] if len(sub) == 1 else None
        return "multisport", None
    return None, None


def _session_summaries(sessions: _Rows) -> list[dict[str, Any]]:
    columns = {
        key: sessions.values(field)
        for key, field in (
            ("sport", "sport"),
            ("sub_sport", "sub_sport"),
            ("start", "start_time"),
            ("end", "timestamp"),
            ("duration_s", "total_elapsed_time"),
            ("timer_s", "total_timer_time"),
            ("distance_m", "total_distance"),
        )
    }
    return [
        {
            "sport": _text(columns["sport"][i]),
            "sub_sport": _text(columns["sub_sport"][i]),
            "start": _ts(columns["start"][i]),
            "end": _ts(columns["end"][i]),
            "duration_s": _num(columns["duration_s"][i]),
            "timer_s": _num(columns["timer_s"][i]),
            "distance_m": _num(columns["distance_m"][i]),
        }
        for i in range(len(sessions))
    ]


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


def _fill_device(meta: ActivityMeta, file_id: _Rows) -> None:
    if len(file_id) == 0:
        return

    def first_row(column: str) -> Any:
        return file_id.values(column)[0]

    meta.manufacturer = _id_text(first_row("manufacturer"))
    product: str | None = None
    for column in file_id.names:
        if column.endswith("_product"):
            value = first_row(column)
            if isinstance(value, str):
                product = value
                break
    if product is None:
        product = _id_text(first_row("product"))
        if product is None:
            product = _id_text(first_row("product_name"))
    meta.product = product
    meta.serial_number = _id_text(first_row("serial_number"))


def _id_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else str(int(value))
    return str(value)


# --------------------------------------------------------------------------- samples


class _Records(_Rows):
    """``record`` rows with a timestamp, in file order."""

    __slots__ = ("n_untimed", "seq", "time_ns")

    def __init__(self, frame: pd.DataFrame | None) -> None:
        super().__init__(frame)
        self.n_untimed = 0
        self.time_ns = np.zeros(0, dtype=np.int64)
        self.seq = np.zeros(0, dtype=np.int64)
        if "timestamp" not in self:
            self.n_untimed = self.n
            self.n = 0
            self.order = np.zeros(0, dtype=np.intp)
            return
        time_ns = self.ns("timestamp")
        timed = time_ns != np.iinfo(np.int64).min
        if not timed.all():
            self.n_untimed = int((~timed).sum())
            keep = np.flatnonzero(timed)
            self.order = keep if self.order is None else self.order[keep]
            self.n = len(keep)
            time_ns = time_ns[keep]
        self.time_ns = time_ns
        if "_seq" in self:
            self.seq = self.series("_seq").to_numpy()


def _samples(
    records: _Records,
    msgs: FitMessages,
    *,
    sessions: _Rows,
    events: _Rows,
    sport: str | None,
    sub_sport: str | None,
    warnings_: list[str],
) -> pd.DataFrame:
    index = pd.DatetimeIndex(records.time_ns.view("datetime64[ns]")).tz_localize("UTC")
    columns: dict[str, np.ndarray] = {}
    for field, column in VARIABLE_MAP.items():
        if field not in records:
            continue
        values = records.floats(field)
        factor = _UNIT_FACTOR.get(field)
        if factor is not None:
            values = values * factor
        if column in columns:
            current = columns[column]
            columns[column] = np.where(np.isnan(current), values, current)
        else:
            columns[column] = values
    _clean_positions(columns, warnings_)
    _cadence(columns, records, index=index, sessions=sessions, sport=sport, sub_sport=sub_sport)
    for name in records.names:
        if not name.startswith("dev_"):
            continue
        dev = msgs.developer_fields.get(name)
        if dev is not None and dev.name == RSC_RUNNING_COLUMN:
            columns[RSC_RUNNING_COLUMN] = _rsc_running(records.floats(name))
            continue
        column = name
        if dev is not None and dev.units:
            unit = snake_case(dev.units.replace("%", " percent ").lower())
            column = f"{name}_{unit}" if unit != "field" else name
        if column in columns:
            column = name
        columns[column] = records.series(name).to_numpy()
    columns["timer_running"] = _timer_running(records.time_ns, events)
    index = index.rename("time")
    if all(values.dtype.kind in "biuf" for values in columns.values()):
        # own copies: some arrays are (read-only) views of the decoder's frames
        frame = frame_from_arrays(tuple(columns), list(columns.values()), index, copy=True)
    else:  # object columns go through pandas' inference (strings become ``str``)
        frame = pd.DataFrame(columns, index=index)
    frame = _merge_duplicates(frame, warnings_)
    return finalize_samples(frame)


def _rsc_running(values: np.ndarray) -> np.ndarray:
    """The footpod's walking / running bit: 1.0 running, 0.0 walking, NaN unknown."""
    return np.where((values == 0.0) | (values == 1.0), values, np.nan)


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
    index: pd.DatetimeIndex, sessions: _Rows, sport: str | None, sub_sport: str | None
) -> np.ndarray:
    """Whether each sample belongs to a foot sport, by the session it falls in."""
    default = _is_step_sport(sport, sub_sport)
    out = np.full(len(index), default)
    if len(sessions) < 2 or "start_time" not in sessions or "sport" not in sessions:
        return out
    start_ns = sessions.ns("start_time")
    order = np.argsort(start_ns, kind="stable")
    valid = order[start_ns[order] != np.iinfo(np.int64).min]
    if len(valid) == 0:
        return out
    pos = np.searchsorted(start_ns[valid], index.as_unit("ns").asi8, side="right") - 1
    pos = np.clip(pos, 0, len(valid) - 1)
    sports = sessions.values("sport")
    subs = sessions.values("sub_sport")
    flags = np.array([_is_step_sport(_text(sports[i]), _text(subs[i])) for i in valid])
    return flags[pos]


def _cadence(
    columns: dict[str, np.ndarray],
    records: _Records,
    *,
    index: pd.DatetimeIndex,
    sessions: _Rows,
    sport: str | None,
    sub_sport: str | None,
) -> None:
    if "cadence" not in records:
        return
    cadence = records.floats("cadence")
    if "fractional_cadence" in records:
        frac = records.floats("fractional_cadence")
        cadence = cadence + np.where(np.isnan(frac), 0.0, frac)
    steps = _sample_sports(index, sessions, sport, sub_sport)
    if steps.any():
        columns["cadence_spm"] = np.where(steps, 2.0 * cadence, np.nan)
    if not steps.all():
        columns["cadence_rpm"] = np.where(steps, np.nan, cadence)


#: Length of one cycle of a limb (one stride: two steps) when walking or
#: running, as speed over cycles per second: walking strides are about
#: 1.1-1.7 m, running strides 1.6-3.2 m; a crank turn of a bicycle covers
#: 3-8 m. [m]
FOOT_CYCLE_M: tuple[float, float] = (0.5, 3.3)
#: Median moving speed above which the activity is not on foot. [m/s]
MAX_FOOT_MEDIAN_SPEED_MPS = 6.0


def foot_cadence_without_sport(samples: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Decide whether the cadence of a file that names no sport counts strides.

    Parameters
    ----------
    samples
        Samples with a ``cadence_rpm`` column (FIT ``cadence`` plus
        ``fractional_cadence``, cycles of one limb per minute) and, where the
        file has them, ``speed_mps``, ``stride_length_m`` and ``rsc_running``.

    Returns
    -------
    samples, note
        The samples, with ``cadence_rpm`` turned into ``cadence_spm`` (doubled:
        steps of both feet) when the cadence is judged to be a foot cadence;
        and a sentence saying what was decided and why, for ``meta.warnings``.

    Notes
    -----
    A foot cadence when the file carries a step length or a footpod's
    walking/running bit (only foot sensors write them), or when the median
    cycle length while moving (``speed / (cadence / 60)``) lies in
    :data:`FOOT_CYCLE_M` and the median moving speed is at most
    :data:`MAX_FOOT_MEDIAN_SPEED_MPS`. Without speed or a foot sensor's field
    nothing tells a stride from a crank turn, and the cadence stays
    ``cadence_rpm``.
    """
    rpm = samples["cadence_rpm"].to_numpy(dtype=float)
    moving = np.isfinite(rpm) & (rpm > 10.0)

    def has(column: str) -> bool:
        return column in samples.columns and bool(samples[column].notna().any())

    foot: bool | None = None
    if not moving.any():
        return samples, "no sport named and no cadence while moving; cadence kept as cadence_rpm"
    if has("stride_length_m") or has("rsc_running"):
        foot = True
        why = "the file carries a footpod's step length or walking/running bit"
    elif has("speed_mps"):
        speed = samples["speed_mps"].to_numpy(dtype=float)
        ok = moving & np.isfinite(speed) & (speed > 0.3)
        if ok.sum() >= 10:
            cycle = float(np.median(speed[ok] / (rpm[ok] / 60.0)))
            v = float(np.median(speed[ok]))
            foot = FOOT_CYCLE_M[0] <= cycle <= FOOT_CYCLE_M[1] and v <= MAX_FOOT_MEDIAN_SPEED_MPS
            why = (
                f"its median cycle length is {cycle:.2f} m at {v:.2f} m/s "
                f"({'a walking or running stride' if foot else 'not a stride'})"
            )
    if foot is None:
        return samples, (
            "no sport named and nothing tells strides from crank turns (no speed or "
            "footpod); cadence kept as cadence_rpm"
        )
    if not foot:
        return samples, f"no sport named; cadence kept as cadence_rpm: {why}"
    out = samples.copy()
    spm = 2.0 * out.pop("cadence_rpm").to_numpy(dtype=float)
    if "cadence_spm" in out.columns:
        out["cadence_spm"] = np.where(np.isfinite(out["cadence_spm"]), out["cadence_spm"], spm)
    else:
        out["cadence_spm"] = spm
    return finalize_samples(out), (
        f"no sport named; cadence read as steps of a foot activity (cadence_spm): {why}"
    )


def _timer_running(sample_ns: np.ndarray, events: _Rows) -> np.ndarray:
    running = np.ones(len(sample_ns), dtype=bool)
    if not ("event" in events and "event_type" in events and "timestamp" in events):
        return running
    kinds = events.values("event")
    types = events.values("event_type")
    keep = [
        i
        for i, (kind, what) in enumerate(zip(kinds, types, strict=True))
        if isinstance(kind, str)
        and kind == "timer"
        and isinstance(what, str)
        and what in _TIMER_TYPES
    ]
    if not keep:
        return running
    times = events.ns("timestamp")[keep]
    stamped = times != np.iinfo(np.int64).min
    if not stamped.all():
        keep = [i for i, ok in zip(keep, stamped, strict=True) if ok]
        times = times[stamped]
        if not keep:
            return running
    order = np.argsort(times, kind="stable")  # equal stamps stay in file order
    times = times[order]
    is_start = np.array([types[keep[i]] == "start" for i in order], dtype=bool)
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


def _side_column(rows: _Rows, field: str, kind: str) -> Any:
    """One side-table column as an array: the field's values, or all missing."""
    if field in rows:
        column = rows.series(field)
        if kind == "time":
            dtype = column.dtype
            if not (isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"):
                column = pd.to_datetime(column, utc=True)
            return column.array
        if isinstance(column.dtype, np.dtype):
            return column.to_numpy()
        return column.array
    if kind == "time":
        nat = np.full(rows.n, np.datetime64("NaT", "ns"))
        return pd.DatetimeIndex(nat).tz_localize("UTC").array
    if kind == "num":
        return np.full(rows.n, np.nan)
    return np.full(rows.n, None, dtype=object)


def _side_table(
    rows: _Rows,
    variable_map: dict[str, tuple[str, str]],
    columns: tuple[str, ...],
) -> pd.DataFrame:
    """One row per message in file order, renamed through ``variable_map``."""
    if len(rows) == 0:
        return empty_frame(columns)
    arrays = [_side_column(rows, *variable_map[ours]) for ours in columns]
    return frame_from_arrays(columns, arrays, pd.RangeIndex(rows.n))


def _workout(msgs: FitMessages) -> pd.DataFrame | None:
    """Workout steps carried by the file, with the workout's name and sport in ``.attrs``."""
    steps = msgs.frames.get("workout_step")
    if steps is None or len(steps) == 0:
        return None
    steps = steps.sort_values("_seq", kind="stable").reset_index(drop=True)
    out = steps.drop(columns=[c for c in ("_seq", "_file") if c in steps.columns])
    workout = _Rows(msgs.frames.get("workout"))
    name = workout.first("wkt_name")
    if name is not None:
        out.attrs["name"] = str(name)
    sport = workout.first("sport")
    if sport is not None:
        out.attrs["sport"] = str(sport)
    return out


def _rr_intervals(msgs: FitMessages, records: _Records) -> pd.DataFrame | None:
    """Beat-to-beat intervals of ``hrv`` messages with estimated beat times.

    The beat times are estimates: FIT ``hrv`` messages carry no timestamp. The
    running sum of the intervals starts at the timestamp of the record preceding
    the first ``hrv`` message, and is moved forward to the timestamp of the record
    preceding an ``hrv`` message whenever it has fallen behind it (missed beats or
    gaps in recording). Invalid intervals (missing, not positive) are dropped.
    """
    hrv = _Rows(msgs.frames.get("hrv"))
    if len(hrv) == 0 or "time" not in hrv or records.n == 0:
        return None
    before = np.searchsorted(records.seq, hrv.series("_seq").to_numpy(), side="right") - 1
    anchors = records.time_ns[np.clip(before, 0, None)]
    clock: int | None = None
    times: list[int] = []
    values: list[float] = []
    for anchor, value in zip(anchors.tolist(), hrv.values("time"), strict=True):
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
