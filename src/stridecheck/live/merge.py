"""Sensor streams to the canonical 1 Hz activity.

:func:`activity_from_journal` is the one way a recording becomes an
:class:`~stridecheck.activity.Activity`, whether the recorder stopped cleanly
or crashed: it parses every journaled notification (counting and skipping the
malformed ones), applies the device profiles, and merges the streams:

* samples are 1-second bins since the journal's start (a bin holds the mean of
  the notifications that arrived in it; cumulative distance takes the last);
  bins without any notification are left out, never filled;
* heart rate from the strap, else the treadmill's HR field;
* speed and distance from the treadmill, else the footpod; distance from a
  sensor's running total (relative to its first value; a reset to zero is
  bridged), or
  else integrated from speed (said so in ``meta.warnings``);
* cadence from the footpod, times the profile's cadence factor (steps/min);
  ``"auto"`` decides it per session and says so in ``meta.warnings``;
* ``stride_length_m`` is the footpod's step length (halved when the pod counts
  strides, so that speed = cadence x length);
* ``rsc_running`` (1.0 running, 0.0 walking) when the footpod's walking /
  running bit is meaningful (RSC Feature bit 2, or the profile says so);
* RR intervals keep every beat: each notification's intervals end at its
  arrival time;
* link losses become ``events`` rows (``sensor_link`` ``lost`` / ``restored``),
  ``meta.extra["link_gaps"]`` and a warning; cues given become ``cue`` rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.activity import EVENT_COLUMNS, Activity, ActivityMeta, finalize_samples
from stridecheck.errors import GattParseError
from stridecheck.live import gatt
from stridecheck.live.journal import Journal
from stridecheck.live.profiles import DeviceProfile, SensorKind, load_profiles, match_profile

__all__ = [
    "AUTO_CADENCE_MIN_SPEED_MPS",
    "AUTO_CADENCE_STEPS_THRESHOLD_SPM",
    "DecodedStreams",
    "LinkGap",
    "activity_from_journal",
    "decode_journal",
    "merge_streams",
]

#: ``cadence_factor = "auto"``: speeds above this are surely running. [m/s] (6 km/h)
AUTO_CADENCE_MIN_SPEED_MPS = 6.0 / 3.6
#: ``cadence_factor = "auto"``: a running cadence below this is strides/min. [1/min]
AUTO_CADENCE_STEPS_THRESHOLD_SPM = 120.0

_MEASUREMENT_OF_ROLE = {
    "hr": gatt.HEART_RATE_MEASUREMENT,
    "footpod": gatt.RSC_MEASUREMENT,
    "treadmill": gatt.TREADMILL_DATA,
}


@dataclass(frozen=True)
class LinkGap:
    """A time a sensor was not connected during the session.

    Attributes
    ----------
    role
        Sensor role.
    lost_s, restored_s
        Start and end, since the session start (``restored_s`` is ``None``
        when the link never came back). [s]
    """

    role: str
    lost_s: float
    restored_s: float | None

    @property
    def duration_s(self) -> float | None:
        """Length of the gap. [s]"""
        return None if self.restored_s is None else self.restored_s - self.lost_s


@dataclass
class DecodedStreams:
    """Parsed notifications of one session, per sensor role.

    Attributes
    ----------
    start_time
        UTC time of ``t = 0``.
    hr, footpod, treadmill
        ``(t [s], parsed value)`` in arrival order.
    profiles
        Role -> device profile used.
    sensors
        Role -> what the ``sensor`` event said (name, address, battery, ...).
    malformed
        Role -> notifications that did not parse (skipped).
    gaps
        Link losses.
    cues
        Cues given: ``(t [s], kind, text)``.
    warnings
        Problems met, in plain words.
    """

    start_time: dt.datetime
    hr: list[tuple[float, gatt.HeartRateMeasurement]] = field(default_factory=list)
    footpod: list[tuple[float, gatt.RscMeasurement]] = field(default_factory=list)
    treadmill: list[tuple[float, gatt.TreadmillData]] = field(default_factory=list)
    profiles: dict[str, DeviceProfile] = field(default_factory=dict)
    sensors: dict[str, dict[str, Any]] = field(default_factory=dict)
    malformed: dict[str, int] = field(default_factory=dict)
    gaps: list[LinkGap] = field(default_factory=list)
    cues: list[tuple[float, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _profile_for(
    role: str, info: Mapping[str, Any], table: Mapping[str, DeviceProfile]
) -> DeviceProfile:
    kind: SensorKind = role  # type: ignore[assignment]
    key = info.get("profile")
    if isinstance(key, str) and key in table and table[key].kind == role:
        return table[key]
    return match_profile(kind, info.get("name"), table)


def _gaps(journal: Journal) -> list[LinkGap]:
    gaps: list[LinkGap] = []
    open_since: dict[str, float] = {}
    for event in journal.events:
        if event.event == "disconnected":
            open_since.setdefault(event.role, event.t)
        elif event.event == "connected" and event.role in open_since:
            gaps.append(LinkGap(event.role, open_since.pop(event.role), event.t))
    gaps += [LinkGap(role, t, None) for role, t in open_since.items()]
    return sorted(gaps, key=lambda g: g.lost_s)


def decode_journal(
    journal: Journal, profiles: Mapping[str, DeviceProfile] | None = None
) -> DecodedStreams:
    """Parse every notification of a journal; malformed ones are counted and skipped."""
    table = load_profiles() if profiles is None else profiles
    out = DecodedStreams(journal.start_time)
    out.warnings += [f"journal: {p}" for p in journal.problems]
    feature: dict[str, gatt.RscFeature | None] = {}
    for event in journal.events:
        if event.event == "sensor" and event.role in _MEASUREMENT_OF_ROLE:
            out.sensors[event.role] = dict(event.data)
            raw = event.data.get("rsc_feature")
            feature[event.role] = gatt.RscFeature.from_raw(int(raw)) if raw is not None else None
    for role in {n.role for n in journal.notifications} | set(out.sensors):
        if role in _MEASUREMENT_OF_ROLE:
            out.profiles[role] = _profile_for(role, out.sensors.get(role, {}), table)
    for n in journal.notifications:
        try:
            if n.role == "hr":
                out.hr.append((n.t, gatt.parse_heart_rate_measurement(n.payload)))
            elif n.role == "footpod":
                out.footpod.append((n.t, _parse_rsc(n.payload, feature.get("footpod"), out)))
            elif n.role == "treadmill":
                out.treadmill.append((n.t, gatt.parse_treadmill_data(n.payload)))
            else:
                out.malformed[n.role] = out.malformed.get(n.role, 0) + 1
        except GattParseError:
            out.malformed[n.role] = out.malformed.get(n.role, 0) + 1
    for role, count in sorted(out.malformed.items()):
        out.warnings.append(f"{role}: {count} malformed notification(s) skipped")
    out.gaps = _gaps(journal)
    failures: dict[str, list[str]] = defaultdict(list)
    for event in journal.events:
        if event.event == "connect_failed":
            failures[event.role].append(str(event.data.get("reason", "")))
    for role, reasons in sorted(failures.items()):
        out.warnings.append(
            f"{role}: {len(reasons)} failed connection attempt(s), last: {reasons[-1]}"
        )
    out.cues = [
        (e.t, str(e.data.get("kind", "")), str(e.data.get("text", "")))
        for e in journal.events
        if e.event == "cue"
    ]
    for gap in out.gaps:
        if gap.restored_s is None:
            out.warnings.append(f"{gap.role}: link lost at {gap.lost_s:.1f} s, never restored")
        else:
            out.warnings.append(
                f"{gap.role}: link lost at {gap.lost_s:.1f} s for {gap.duration_s:.1f} s"
            )
    return out


def _parse_rsc(
    payload: bytes, feature: gatt.RscFeature | None, out: DecodedStreams
) -> gatt.RscMeasurement:
    profile = out.profiles.get("footpod")
    if profile is not None and profile.walking_running is not None:
        # The profile overrides what the pod's RSC Feature claims.
        feature = gatt.RscFeature.from_raw(0b100 if profile.walking_running else 0)
    return gatt.parse_rsc_measurement(payload, feature)


def _binned(times: list[float], values: list[float | None], how: str = "mean") -> pd.Series:
    t = np.asarray(times, dtype=float)
    v = np.asarray([np.nan if x is None else x for x in values], dtype=float)
    keep = np.isfinite(v) & np.isfinite(t) & (t >= 0)
    if not keep.any():
        return pd.Series(dtype=float)
    frame = pd.DataFrame({"bin": np.floor(t[keep]).astype(np.int64), "v": v[keep]})
    grouped = frame.groupby("bin")["v"]
    return grouped.mean() if how == "mean" else grouped.last()


def _running_total(
    times: list[float], totals: list[float | None]
) -> tuple[list[float], list[float]]:
    """Session distance from a sensor's running total, relative to its first value.

    A decrease is a reset of the sensor's total to zero: the distance continues
    from the last value before it."""
    out_t: list[float] = []
    out_d: list[float] = []
    base: float | None = None
    previous: float | None = None
    offset = 0.0
    for t, total in zip(times, totals, strict=True):
        if total is None or not math.isfinite(total):
            continue
        if base is None:
            base = total
        elif previous is not None and total < previous:
            offset += previous - base  # the sensor reset its total to 0
            base = 0.0
        previous = total
        out_t.append(t)
        out_d.append(offset + total - base)
    return out_t, out_d


def _cadence_factor(streams: DecodedStreams) -> float:
    profile = streams.profiles.get("footpod")
    factor = 1.0 if profile is None else profile.cadence_factor
    if factor != "auto":
        return float(factor)
    running = [
        m.cadence_per_min
        for _, m in streams.footpod
        if m.speed_mps > AUTO_CADENCE_MIN_SPEED_MPS and m.cadence_per_min > 0
    ]
    if not running:
        streams.warnings.append(
            "footpod: cadence unit unknown (no running above 6 km/h); assumed steps/min"
        )
        return 1.0
    median = float(np.median(running))
    if median < AUTO_CADENCE_STEPS_THRESHOLD_SPM:
        streams.warnings.append(
            f"footpod: median running cadence {median:.0f}/min above 6 km/h looks like "
            "strides/min; doubled to steps/min"
        )
        return 2.0
    return 1.0


def _rr_frame(streams: DecodedStreams) -> pd.DataFrame | None:
    times: list[float] = []
    rr: list[float] = []
    for t, m in streams.hr:
        if not m.rr_intervals_s:
            continue
        end = t
        beats = []
        for interval in reversed(m.rr_intervals_s):
            beats.append((end, interval))
            end -= interval
        for beat_t, interval in reversed(beats):
            times.append(beat_t)
            rr.append(interval)
    if not rr:
        return None
    start = pd.Timestamp(streams.start_time)
    return pd.DataFrame({"time": start + pd.to_timedelta(np.asarray(times), unit="s"), "rr_s": rr})


def merge_streams(streams: DecodedStreams, meta: ActivityMeta | None = None) -> Activity:
    """Merge decoded streams into the canonical 1 Hz :class:`Activity`.

    Parameters
    ----------
    streams
        From :func:`decode_journal`.
    meta
        Metadata to complete (a new ``ActivityMeta("ble")`` by default).

    Raises
    ------
    stridecheck.errors.EmptyActivityError
        No notification parsed.
    """
    from stridecheck.errors import EmptyActivityError

    meta = meta if meta is not None else ActivityMeta(source_format="ble")
    columns: dict[str, pd.Series] = {}
    hr_t = [t for t, _ in streams.hr]
    columns["heart_rate_bpm"] = _binned(hr_t, [float(m.heart_rate_bpm) for _, m in streams.hr])
    tm_t = [t for t, _ in streams.treadmill]
    pod_t = [t for t, _ in streams.footpod]
    if streams.treadmill:
        tm_hr = _binned(tm_t, [_f(m.heart_rate_bpm) for _, m in streams.treadmill])
        columns["heart_rate_bpm"] = columns["heart_rate_bpm"].combine_first(tm_hr)
    speed = _binned(tm_t, [m.speed_mps for _, m in streams.treadmill])
    if speed.empty:
        speed = _binned(pod_t, [m.speed_mps for _, m in streams.footpod])
    columns["speed_mps"] = speed
    distance = pd.Series(dtype=float)
    for t_list, totals in (
        (tm_t, [_f(m.total_distance_m) for _, m in streams.treadmill]),
        (pod_t, [m.total_distance_m for _, m in streams.footpod]),
    ):
        if distance.empty:
            dt_list, d_list = _running_total(t_list, totals)
            distance = _binned(dt_list, list(map(float, d_list)), how="last")
    if streams.footpod:
        factor = _cadence_factor(streams)
        columns["cadence_spm"] = _binned(
            pod_t, [m.cadence_per_min * factor for _, m in streams.footpod]
        )
        columns["stride_length_m"] = _binned(
            pod_t,
            [
                None if m.stride_length_m is None else m.stride_length_m / factor
                for _, m in streams.footpod
            ],
        )
        running = _binned(pod_t, [_f(m.running) for _, m in streams.footpod], how="last")
        if not running.empty:
            columns["rsc_running"] = running
        meta.extra["cadence_factor"] = factor
    columns = {k: v for k, v in columns.items() if not v.empty}
    if not columns:
        raise EmptyActivityError(None, "no sensor notification could be parsed")
    frame = pd.DataFrame(columns)
    if distance.empty and "speed_mps" in frame:
        frame["distance_m"] = _integrate(frame["speed_mps"])
        streams.warnings.append("distance_m integrated from speed (no sensor sent a distance)")
    elif not distance.empty:
        frame["distance_m"] = distance.reindex(frame.index).ffill()
    start = pd.Timestamp(streams.start_time)
    frame.index = pd.DatetimeIndex(start + pd.to_timedelta(frame.index.to_numpy(), unit="s"))
    samples = finalize_samples(frame)
    meta.start_time = pd.Timestamp(samples.index[0]).to_pydatetime()
    meta.sport = meta.sport or "running"
    if streams.treadmill and meta.sub_sport is None:
        meta.sub_sport = "treadmill"
    meta.warnings += streams.warnings
    meta.extra["sensors"] = {
        role: {**streams.sensors.get(role, {}), "profile": p.key}
        for role, p in streams.profiles.items()
    }
    meta.extra["malformed_notifications"] = dict(streams.malformed)
    meta.extra["link_gaps"] = [
        {"sensor": g.role, "lost_s": g.lost_s, "restored_s": g.restored_s} for g in streams.gaps
    ]
    return Activity(
        samples=samples,
        meta=meta,
        events=_events(streams),
        rr_intervals=_rr_frame(streams),
    )


def _f(value: float | int | bool | None) -> float | None:
    return None if value is None else float(value)


def _integrate(speed: pd.Series) -> np.ndarray:
    t = speed.index.to_numpy(dtype=float)
    v = speed.to_numpy(dtype=float)
    v = np.where(np.isfinite(v), v, 0.0)
    steps = np.diff(t) * (v[1:] + v[:-1]) / 2.0
    return np.concatenate([[0.0], np.cumsum(steps)])


def _events(streams: DecodedStreams) -> pd.DataFrame:
    start = pd.Timestamp(streams.start_time)
    rows: list[dict[str, Any]] = []
    for gap in streams.gaps:
        rows.append(
            {
                "time": start + pd.Timedelta(seconds=gap.lost_s),
                "event": "sensor_link",
                "event_type": "lost",
                "data": gap.role,
            }
        )
        if gap.restored_s is not None:
            rows.append(
                {
                    "time": start + pd.Timedelta(seconds=gap.restored_s),
                    "event": "sensor_link",
                    "event_type": "restored",
                    "data": gap.role,
                }
            )
    for t_s, kind, text in streams.cues:
        rows.append(
            {
                "time": start + pd.Timedelta(seconds=t_s),
                "event": "cue",
                "event_type": kind,
                "data": text,
            }
        )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS})
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS)).sort_values("time", kind="stable")


def activity_from_journal(
    journal: Journal, profiles: Mapping[str, DeviceProfile] | None = None
) -> Activity:
    """Turn a journal (from a clean stop or a crash) into the canonical activity.

    Raises
    ------
    stridecheck.errors.EmptyActivityError
        No notification in the journal could be parsed.
    """
    streams = decode_journal(journal, profiles)
    meta = ActivityMeta(
        source_format="ble",
        source_path=str(journal.path),
        manufacturer="development",
        product="stridecheck live recorder",
    )
    meta.extra["journal"] = str(journal.path)
    meta.extra["journal_stopped_cleanly"] = journal.stopped_cleanly
    meta.extra["session"] = dict(journal.meta)
    if not journal.stopped_cleanly:
        meta.warnings.append("journal has no 'stopped' record: recovered after a crash")
    counts: dict[str, int] = defaultdict(int)
    for n in journal.notifications:
        counts[n.role] += 1
    meta.extra["notifications"] = dict(counts)
    return merge_streams(streams, meta)
