"""Writing an :class:`~stridecheck.activity.Activity` as a FIT activity file.

Uses the official garmin-fit-sdk ``Encoder``, which takes physical values and
applies each field's scale and offset itself. Because the Encoder silently
drops unknown field names, masks integers that do not fit their base type and
reads naive datetimes as local time, every value is checked and clamped here
first and every time is passed as an aware UTC datetime.

What is written
---------------
``file_id`` (type ``activity``, manufacturer ``development`` (255), product
:data:`PRODUCT_ID`, product name ``"stridecheck"``), ``device_info`` (the
creator, then one per sensor a live recording used, from
``meta.extra["sensors"]``: Bluetooth LE source, device type, manufacturer where
the FIT profile names it, model, serial number when numeric, battery level),
``developer_data_id`` and ``field_description`` when a developer field is
written, ``event`` timer ``start`` at the first sample, ``stop_all`` where the
timer stops (stamped at the first sample with ``timer_running`` False: in
:mod:`stridecheck.io.fit`'s convention a sample's flag is the timer state from
that sample on), ``start`` at the first sample where it runs again,
``stop_all`` one second after the last sample; one ``record`` per sample; ``hrv`` messages when
the activity has RR intervals; ``lap`` messages (one per row of
``activity.laps``, or one for the whole activity); one ``session``; one
``activity``.

Record fields: ``timestamp``, ``position_lat``/``position_long`` (semicircles),
``distance``, ``enhanced_speed``, ``enhanced_altitude``, ``heart_rate``,
``cadence`` + ``fractional_cadence`` (FIT running cadence is strides/min, i.e.
``cadence_spm / 2``, split into its whole part and a fraction in 1/128),
``step_length`` (from ``stride_length_m``, in mm) and ``power``. Missing values
are left out of the record. The footpod's walking / running bit
(``rsc_running``: 1 running, 0 walking) is written as the developer field
``rsc_running`` (uint8, 255 where unknown), which :func:`stridecheck.read`
returns as the ``rsc_running`` column again. Other extra columns (``dev_*``,
``cadence_rpm``), non-timer events, device splits and workout steps are not
written.

Resolution and limits: timestamps are whole seconds (samples must not share a
second after rounding); distance 0.01 m; speed 0.001 m/s; altitude 0.2 m
(-500 to 8 589 434 m); heart rate 0-254 1/min; cadence 0-254.99 strides/min;
step length 0.1 mm; power 0-65 534 W. Values outside a field's range are
clamped to it (negative speeds and distances become 0).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from garmin_fit_sdk import Encoder, Profile

from stridecheck.activity import Activity

__all__ = ["APPLICATION_ID", "PRODUCT_ID", "PRODUCT_NAME", "RSC_RUNNING_FIELD", "write_fit"]

#: Product number written to ``file_id`` and ``device_info`` (manufacturer
#: ``development``, 255, which the FIT profile reserves for such tools).
PRODUCT_ID = 1
#: Product name written to ``file_id`` and ``device_info``.
PRODUCT_NAME = "stridecheck"
#: Software version written to ``device_info``.
SOFTWARE_VERSION = 0.1
#: Serial number written to ``file_id`` (uint32z: 0 would mean "invalid").
SERIAL_NUMBER = 1

_MESG = {name: num for num, name in Profile["types"]["mesg_num"].items()}
_TIMER_EVENT_TYPES = frozenset({"start", "stop", "stop_all", "stop_disable", "stop_disable_all"})
_SEMICIRCLES_PER_DEG = 2**31 / 180.0
_UINT8_MAX = 254
_UINT8_INVALID = 255
_UINT16_MAX = 65534
_UINT32_MAX = 4294967294
_SPORTS = set(Profile["types"]["sport"].values())
_SUB_SPORTS = set(Profile["types"]["sub_sport"].values())
_INTENSITIES = set(Profile["types"]["intensity"].values())
_LAP_TRIGGERS = set(Profile["types"]["lap_trigger"].values())
_MANUFACTURERS = set(Profile["types"]["manufacturer"].values())
#: ``ble_device_type`` numbers by name (a sub-field: the Encoder takes its number).
_BLE_DEVICE_TYPES = {name: num for num, name in Profile["types"]["ble_device_type"].items()}

#: FIT ``application_id`` of stridecheck's developer data (a fixed random UUID).
APPLICATION_ID = bytes.fromhex("5f0c8a1e6b2d4c7e9a3f1d2b7c4e8a60")
#: Name of the developer field that carries the footpod's walking / running bit.
RSC_RUNNING_FIELD = "rsc_running"
_RSC_KEY = 0
#: FIT Bluetooth LE device type of each live sensor role.
_ROLE_DEVICE_TYPE = {"hr": "heart_rate", "footpod": "footpod"}


def _utc(value: Any) -> dt.datetime:
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return ts.tz_convert("UTC").round("s").to_pydatetime()


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _clamp(value: float | None, lo: float, hi: float) -> float | None:
    return None if value is None else min(max(value, lo), hi)


def _column(samples: pd.DataFrame, name: str) -> np.ndarray:
    if name not in samples:
        return np.full(len(samples), np.nan)
    return pd.to_numeric(samples[name], errors="coerce").to_numpy(dtype=float)


def _semicircles(deg: float | None, limit: float) -> int | None:
    if deg is None or abs(deg) > limit:
        return None
    return round(deg * _SEMICIRCLES_PER_DEG)


def _cadence_fields(spm: float | None) -> dict[str, Any]:
    """Steps/min -> FIT ``cadence`` (whole strides/min) + ``fractional_cadence``."""
    if spm is None:
        return {}
    strides = min(max(spm / 2.0, 0.0), _UINT8_MAX + 127 / 128)
    ticks = round(strides * 128)
    whole, frac = divmod(ticks, 128)
    return {"cadence": int(whole), "fractional_cadence": frac / 128.0}


def _check_samples(activity: Activity) -> tuple[pd.DataFrame, list[dt.datetime]]:
    samples = activity.samples
    if len(samples) == 0:
        raise ValueError("cannot write an activity without samples")
    if not isinstance(samples.index, pd.DatetimeIndex) or samples.index.tz is None:
        raise ValueError("activity.samples needs a timezone-aware DatetimeIndex")
    times = [_utc(t) for t in samples.index]
    if any(b <= a for a, b in itertools.pairwise(times)):
        raise ValueError(
            "FIT records have 1 s resolution and need increasing times: two samples fall in "
            "the same second (or are out of order); resample the activity to >= 1 s first"
        )
    return samples, times


def _records(samples: pd.DataFrame, times: list[dt.datetime]) -> Iterator[dict[str, Any]]:
    rsc = _column(samples, RSC_RUNNING_FIELD) if RSC_RUNNING_FIELD in samples else None
    cols = {
        c: _column(samples, c)
        for c in (
            "lat_deg",
            "lon_deg",
            "distance_m",
            "speed_mps",
            "altitude_m",
            "heart_rate_bpm",
            "cadence_spm",
            "stride_length_m",
            "power_w",
        )
    }
    for i, t in enumerate(times):
        v = {c: _finite(a[i]) for c, a in cols.items()}
        rec: dict[str, Any] = {"mesg_num": _MESG["record"], "timestamp": t}
        lat = _semicircles(v["lat_deg"], 90.0)
        lon = _semicircles(v["lon_deg"], 180.0)
        if lat is not None and lon is not None:
            rec["position_lat"] = lat
            rec["position_long"] = lon
        if v["distance_m"] is not None:
            rec["distance"] = _clamp(v["distance_m"], 0.0, _UINT32_MAX / 100)
        if v["speed_mps"] is not None:
            rec["enhanced_speed"] = _clamp(v["speed_mps"], 0.0, 1000.0)
        if v["altitude_m"] is not None:
            rec["enhanced_altitude"] = _clamp(v["altitude_m"], -500.0, _UINT32_MAX / 5 - 500)
        if v["heart_rate_bpm"] is not None:
            rec["heart_rate"] = round(_clamp(v["heart_rate_bpm"], 0, _UINT8_MAX) or 0)
        rec.update(_cadence_fields(v["cadence_spm"]))
        if v["stride_length_m"] is not None:
            rec["step_length"] = _clamp(v["stride_length_m"] * 1000.0, 0.0, _UINT16_MAX / 10)
        if v["power_w"] is not None:
            rec["power"] = round(_clamp(v["power_w"], 0, _UINT16_MAX) or 0)
        if rsc is not None:
            bit = _finite(rsc[i])
            # 255 is uint8's invalid value: "unknown" without a new definition
            value = _UINT8_INVALID if bit is None else int(bit >= 0.5)
            rec["developer_fields"] = {_RSC_KEY: value}
        yield rec


def _rsc_descriptions() -> dict[int, dict[str, Any]]:
    """Developer data id and field description of the ``rsc_running`` field."""
    return {
        _RSC_KEY: {
            "developer_data_id_mesg": {
                "mesg_num": _MESG["developer_data_id"],
                "application_id": list(APPLICATION_ID),
                "developer_data_index": 0,
                "application_version": 1,
            },
            "field_description_mesg": {
                "mesg_num": _MESG["field_description"],
                "developer_data_index": 0,
                "field_definition_number": 0,
                "fit_base_type_id": 2,  # uint8 (the Encoder takes the number here)
                "field_name": RSC_RUNNING_FIELD,
                "native_mesg_num": _MESG["record"],
            },
        }
    }


def _manufacturer(text: Any) -> str | None:
    """The FIT profile's name for a manufacturer string, when it has one.

    ``"Polar Electro Oy"`` -> ``"polar_electro"`` (the longest leading run of
    words the profile names); ``None`` for names it does not know.
    """
    if not isinstance(text, str):
        return None
    words = text.lower().replace("-", " ").replace(".", " ").replace(",", " ").split()
    for n in range(len(words), 0, -1):
        candidate = "_".join(words[:n])
        if candidate in _MANUFACTURERS and candidate != "development":
            return candidate
    return None


def _sensor_device_infos(activity: Activity, time: dt.datetime) -> list[dict[str, Any]]:
    """One ``device_info`` per sensor of a live recording (``meta.extra["sensors"]``)."""
    sensors = activity.meta.extra.get("sensors")
    if not isinstance(sensors, dict):
        return []
    out = []
    for index, (role, info) in enumerate(sorted(sensors.items()), start=1):
        info = info if isinstance(info, dict) else {}
        mesg: dict[str, Any] = {
            "mesg_num": _MESG["device_info"],
            "timestamp": time,
            "device_index": index,
            "source_type": "bluetooth_low_energy",
            "descriptor": str(role)[:32],
        }
        device_type = _ROLE_DEVICE_TYPE.get(str(role))
        if device_type in _BLE_DEVICE_TYPES:
            mesg["device_type"] = _BLE_DEVICE_TYPES[device_type]
        manufacturer = _manufacturer(info.get("manufacturer"))
        if manufacturer is not None:
            mesg["manufacturer"] = manufacturer
        name = info.get("model") or info.get("name")
        if isinstance(name, str) and name:
            mesg["product_name"] = name[:64]
        serial = str(info.get("serial_number", ""))
        if serial.isdigit() and 0 < int(serial) <= _UINT32_MAX:
            mesg["serial_number"] = int(serial)
        battery = _finite(info.get("battery_pct"))
        if battery is not None:
            mesg["battery_level"] = round(_clamp(battery, 0, 100) or 0)
        out.append(mesg)
    return out


def _running(samples: pd.DataFrame) -> np.ndarray:
    if "timer_running" not in samples:
        return np.ones(len(samples), dtype=bool)
    return samples["timer_running"].fillna(True).to_numpy(dtype=bool)


def _timer_events(samples: pd.DataFrame) -> tuple[dict[int, list[str]], list[str]]:
    """Timer events to write before each record, and after the last one.

    ``start`` before the first record, ``stop_all`` before the first record of
    a stretch with the timer stopped, ``start`` before the record where it runs
    again, ``stop_all`` after the last record.
    """
    running = _running(samples)
    before: dict[int, list[str]] = {0: ["start"] if running[0] else ["start", "stop_all"]}
    for i in range(1, len(running)):
        if running[i - 1] and not running[i]:
            before[i] = ["stop_all"]
        elif running[i] and not running[i - 1]:
            before[i] = ["start"]
    return before, (["stop_all"] if running[-1] else [])


def _timer_s(samples: pd.DataFrame, times: list[dt.datetime], a: int, b: int) -> float:
    running = _running(samples)
    total = 0.0
    for i in range(a + 1, b + 1):
        if running[i - 1]:  # the flag holds from its sample on
            total += (times[i] - times[i - 1]).total_seconds()
    return total


def _summary(samples: pd.DataFrame, a: int, b: int) -> dict[str, Any]:
    """Averages and maxima over samples a..b for lap and session messages."""
    out: dict[str, Any] = {}
    part = samples.iloc[a : b + 1]
    speed = _column(part, "speed_mps")
    hr = _column(part, "heart_rate_bpm")
    cad = _column(part, "cadence_spm")
    if np.isfinite(speed).any():
        out["enhanced_avg_speed"] = float(np.clip(np.nanmean(speed), 0, 1000))
        out["enhanced_max_speed"] = float(np.clip(np.nanmax(speed), 0, 1000))
    if np.isfinite(hr).any():
        out["avg_heart_rate"] = int(np.clip(round(float(np.nanmean(hr))), 0, _UINT8_MAX))
        out["max_heart_rate"] = int(np.clip(round(float(np.nanmax(hr))), 0, _UINT8_MAX))
    if np.isfinite(cad).any():
        out["avg_cadence"] = int(np.clip(round(float(np.nanmean(cad)) / 2), 0, _UINT8_MAX))
        out["max_cadence"] = int(np.clip(round(float(np.nanmax(cad)) / 2), 0, _UINT8_MAX))
    return out


def _distance_between(samples: pd.DataFrame, a: int, b: int) -> float | None:
    dist = _column(samples, "distance_m")[a : b + 1]
    finite = dist[np.isfinite(dist)]
    if len(finite) == 0:
        return None
    return _clamp(float(finite[-1] - finite[0]), 0.0, _UINT32_MAX / 100)


def _lap_spans(activity: Activity, times: list[dt.datetime], laps: bool) -> list[dict[str, Any]]:
    """Sample index ranges and attributes of the laps to write."""
    whole = [{"a": 0, "b": len(times) - 1, "trigger": "session_end"}]
    if not laps or activity.laps is None or len(activity.laps) == 0:
        return whole
    stamps = np.array([t.timestamp() for t in times])
    spans: list[dict[str, Any]] = []
    for row in activity.laps.itertuples(index=False):
        start = getattr(row, "start", None)
        end = getattr(row, "end", None)
        if start is None or end is None or pd.isna(start) or pd.isna(end):
            continue
        a = int(np.searchsorted(stamps, _utc(start).timestamp(), side="left"))
        b = int(np.searchsorted(stamps, _utc(end).timestamp(), side="right")) - 1
        if a > b or a >= len(times):
            continue
        span: dict[str, Any] = {"a": a, "b": b}
        intensity = getattr(row, "intensity", None)
        if isinstance(intensity, str) and intensity in _INTENSITIES:
            span["intensity"] = intensity
        trigger = getattr(row, "trigger", None)
        if isinstance(trigger, str) and trigger in _LAP_TRIGGERS:
            span["trigger"] = trigger
        step = _finite(getattr(row, "wkt_step_index", None))
        if step is not None and 0 <= step <= 0x7FFF:
            span["wkt_step_index"] = int(step)
        spans.append(span)
    return spans or whole


def _position(samples: pd.DataFrame, i: int) -> dict[str, int]:
    lat = _semicircles(_finite(_column(samples, "lat_deg")[i]), 90.0)
    lon = _semicircles(_finite(_column(samples, "lon_deg")[i]), 180.0)
    return {} if lat is None or lon is None else {"lat": lat, "long": lon}


def _hrv_chunks(activity: Activity) -> list[tuple[float, list[float]]]:
    """RR intervals in groups of five, keyed by the time of the group's last beat."""
    rr = activity.rr_intervals
    if rr is None or len(rr) == 0 or "rr_s" not in rr:
        return []
    values = pd.to_numeric(rr["rr_s"], errors="coerce").to_numpy(dtype=float)
    if "time" in rr:
        when = [pd.Timestamp(t).timestamp() if not pd.isna(t) else math.nan for t in rr["time"]]
    else:
        when = [math.nan] * len(values)
    chunks: list[tuple[float, list[float]]] = []
    keep = [
        (w, float(np.clip(v, 0.0, _UINT16_MAX / 1000)))
        for w, v in zip(when, values, strict=True)
        if math.isfinite(v)
    ]
    for k in range(0, len(keep), 5):
        group = keep[k : k + 5]
        last = group[-1][0]
        chunks.append((last if math.isfinite(last) else math.inf, [v for _, v in group]))
    return chunks


def _events_from_activity(
    activity: Activity, times: list[dt.datetime]
) -> tuple[dict[int, list[tuple[dt.datetime, str]]], list[tuple[dt.datetime, str]]]:
    """Timer events of ``activity.events``, each before the first record at or after it."""
    before: dict[int, list[tuple[dt.datetime, str]]] = {}
    after: list[tuple[dt.datetime, str]] = []
    events = activity.events
    if events is None or len(events) == 0:
        return before, after
    stamps = [t.timestamp() for t in times]
    for when, event, kind in zip(
        events["time"], events["event"], events["event_type"], strict=False
    ):
        kind_s = str(kind)
        if str(event) != "timer" or kind_s not in _TIMER_EVENT_TYPES:
            continue
        stamp = pd.Timestamp(when).tz_convert("UTC").floor("s").to_pydatetime()
        i = bisect.bisect_left(stamps, stamp.timestamp())
        if i < len(times):
            before.setdefault(i, []).append((stamp, kind_s))
        else:
            after.append((stamp, kind_s))
    return before, after


def write_fit(
    activity: Activity,
    path: str | os.PathLike[str] | None = None,
    *,
    laps: bool = True,
    summary: bool = True,
    sport_message: bool = False,
    timer_events: str = "samples",
) -> bytes:
    """Encode an activity as a FIT activity file.

    Parameters
    ----------
    activity
        The activity; its samples need a UTC-aware index with at most one sample
        per second.
    path
        Where to write the file; ``None`` only returns the bytes.
    laps
        Write one lap per row of ``activity.laps`` (True) or a single lap for the
        whole activity (False, also used when the activity has no laps).
    summary
        Write the ``lap``, ``session`` and ``activity`` messages. ``False``
        writes a file as a recorder that crashed or ran out of battery leaves it:
        records and events only, so nothing names the sport unless
        ``sport_message`` is set.
    sport_message
        Write an early ``sport`` message (mesg 12) naming the sport, as Garmin
        watches do.
    timer_events
        ``"samples"``: timer events where ``timer_running`` changes (see the
        module notes); ``"events"``: the timer events of ``activity.events`` at
        their own times, so a pause may hold no record at all (what Garmin
        watches write: a stop event, nothing, a start event).

    Returns
    -------
    bytes
        The FIT file.

    Raises
    ------
    ValueError
        When the activity has no samples, naive times, or two samples in one
        second, or for an unknown ``timer_events``.
    """
    if timer_events not in ("samples", "events"):
        raise ValueError(f"timer_events must be 'samples' or 'events', got {timer_events!r}")
    samples, times = _check_samples(activity)
    meta = activity.meta
    sport = meta.sport if meta.sport in _SPORTS else "running"
    sub_sport = meta.sub_sport if meta.sub_sport in _SUB_SPORTS else "generic"

    rsc = RSC_RUNNING_FIELD in samples and bool(np.isfinite(_column(samples, "rsc_running")).any())
    descriptions = _rsc_descriptions() if rsc else {}
    enc = Encoder(field_descriptions=descriptions or None)
    enc.write_mesg(
        {
            "mesg_num": _MESG["file_id"],
            "type": "activity",
            "manufacturer": "development",
            "product": PRODUCT_ID,
            "serial_number": SERIAL_NUMBER,
            "time_created": times[0],
            "product_name": PRODUCT_NAME,
        }
    )
    enc.write_mesg(
        {
            "mesg_num": _MESG["device_info"],
            "timestamp": times[0],
            "device_index": "creator",
            "manufacturer": "development",
            "product": PRODUCT_ID,
            "product_name": PRODUCT_NAME,
            "serial_number": SERIAL_NUMBER,
            "software_version": SOFTWARE_VERSION,
            "source_type": "local",
        }
    )
    for device in _sensor_device_infos(activity, times[0]):
        enc.write_mesg(device)
    for description in descriptions.values():
        enc.write_mesg(description["developer_data_id_mesg"])
        enc.write_mesg(description["field_description_mesg"])
    if sport_message:
        enc.write_mesg({"mesg_num": _MESG["sport"], "sport": sport, "sub_sport": sub_sport})
    if not rsc:
        samples = samples.drop(columns=[RSC_RUNNING_FIELD], errors="ignore")
    if timer_events == "events":
        before_at, after_at = _events_from_activity(activity, times)
    else:
        marks, tail = _timer_events(samples)
        before_at = {i: [(times[i], e) for e in es] for i, es in marks.items()}
        # the last record covers the second that starts at its stamp
        after_at = [(times[-1] + dt.timedelta(seconds=1), e) for e in tail]
    hrv = _hrv_chunks(activity)
    h = 0
    for i, rec in enumerate(_records(samples, times)):
        stamp = times[i].timestamp()
        while h < len(hrv) and hrv[h][0] <= stamp:
            enc.write_mesg({"mesg_num": _MESG["hrv"], "time": hrv[h][1]})
            h += 1
        for when, e in before_at.get(i, []):
            # stamped at the record it precedes: a sample stamped at a stop is the
            # first one of the pause (stridecheck.io.fit's timer convention)
            enc.write_mesg(_event(when, e))
        enc.write_mesg(rec)
    for when, e in after_at:
        enc.write_mesg(_event(when, e))
    for _, chunk in hrv[h:]:
        enc.write_mesg({"mesg_num": _MESG["hrv"], "time": chunk})
    if not summary:
        data = bytes(enc.close())
        if path is not None:
            Path(path).write_bytes(data)
        return data

    spans = _lap_spans(activity, times, laps)
    for k, span in enumerate(spans):
        a, b = span["a"], span["b"]
        lap: dict[str, Any] = {
            "mesg_num": _MESG["lap"],
            "message_index": k,
            "timestamp": times[b],
            "event": "lap",
            "event_type": "stop",
            "start_time": times[a],
            "total_elapsed_time": (times[b] - times[a]).total_seconds(),
            "total_timer_time": _timer_s(samples, times, a, b),
            "sport": sport,
            "sub_sport": sub_sport,
            "lap_trigger": span.get("trigger", "manual"),
        }
        for key in ("intensity", "wkt_step_index"):
            if key in span:
                lap[key] = span[key]
        dist = _distance_between(samples, a, b)
        if dist is not None:
            lap["total_distance"] = dist
        start_pos, end_pos = _position(samples, a), _position(samples, b)
        lap.update({f"start_position_{k2}": v for k2, v in start_pos.items()})
        lap.update({f"end_position_{k2}": v for k2, v in end_pos.items()})
        lap.update(_summary(samples, a, b))
        enc.write_mesg(lap)

    last = len(times) - 1
    timer_total = _timer_s(samples, times, 0, last)
    session: dict[str, Any] = {
        "mesg_num": _MESG["session"],
        "message_index": 0,
        "timestamp": times[last],
        "event": "session",
        "event_type": "stop",
        "start_time": times[0],
        "sport": sport,
        "sub_sport": sub_sport,
        "total_elapsed_time": (times[last] - times[0]).total_seconds(),
        "total_timer_time": timer_total,
        "first_lap_index": 0,
        "num_laps": len(spans),
        "trigger": "activity_end",
    }
    dist = _distance_between(samples, 0, last)
    if dist is not None:
        session["total_distance"] = dist
    session.update({f"start_position_{k}": v for k, v in _position(samples, 0).items()})
    session.update(_summary(samples, 0, last))
    enc.write_mesg(session)
    enc.write_mesg(
        {
            "mesg_num": _MESG["activity"],
            "timestamp": times[last],
            "total_timer_time": timer_total,
            "num_sessions": 1,
            "type": "manual",
            "event": "activity",
            "event_type": "stop",
        }
    )
    data = bytes(enc.close())
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _event(time: dt.datetime, event_type: str) -> dict[str, Any]:
    return {
        "mesg_num": _MESG["event"],
        "timestamp": time,
        "event": "timer",
        "event_type": event_type,
        "event_group": 0,
        "data": 0,
    }
