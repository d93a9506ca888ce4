"""What a recording device makes of the true motion: sampling, fields and errors.

=====================  ===================================================================
sensors                what the recording holds
=====================  ===================================================================
``watch``              1 Hz GPS watch: positions, distance, speed, barometric altitude,
                       wrist cadence, optical heart rate
``watch_smart``        the same watch with "smart recording": a sample every 1-7 s
``wrist_dropouts``     1 Hz watch whose wrist cadence drops out (NaN or 0) for stretches
``phone_gpx``          GPS-only phone app: positions, GPS altitude and time (distance and
                       speed derived from positions, as the GPX importer does), urban GPS
                       error correlated over time, multi-second gaps; a timer pause is
                       only a gap (GPX has no timer)
``treadmill_footpod``  footpod speed, distance, cadence and step length with heart rate;
                       no positions
``watch_footpod``      1 Hz GPS watch paired with a footpod: positions and GPS distance,
                       footpod speed and cadence (clean, step by step), heart rate
``gps_hr``             GPS watch with a heart-rate strap and no cadence at all (an older
                       watch): positions, GPS speed, heart rate, timer events
``hr_only``            a heart-rate strap recorded alone (no positions, speed or cadence):
                       nothing tells walking from running, the honest answer is ``unknown``
=====================  ===================================================================

How a device samples (:class:`DeviceSettings`, ``recording``):

- ``"1hz"``: one sample per second.
- ``"smart"``: Garmin's "smart recording" "records key points where you change
  direction, speed, or heart rate" (Garmin Edge 820 manual, Data Recording), so
  samples come 1-7 s apart, closer together at changes; ``watch_smart`` is
  ``watch`` recorded this way.
- ``"distance"``: a phone app's distance filter writes a fix only once the
  *measured* position has moved ``distance_filter_m`` (3-5 m in real apps) from
  the last one written: fixes come 2-5 s apart while walking slowly, and
  standing still writes only what the GPS error wanders.

GPS error (:class:`DeviceSettings` ``gps_sd_m``, ``gps_correlation_s``) is a
smooth second-order autoregressive process per axis, correlated for about a
minute (Wilson, "Correlation of errors"; Sensors 2020;20:6050), with a
per-axis spread of about 1.5-1.7 m for a watch in the open (1.9-2.4 m RMSE,
Tomastik et al., Forestry 2017;90:187-198) and 5-9 m for a phone in a city
(7-13 m average error, Merry & Bettinger, PLOS ONE 2019;14:e0219890).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stridecheck.activity import EVENT_COLUMNS, LAP_COLUMNS, empty_frame, finalize_samples
from stridecheck.io.derive import derive_distance, derive_speed
from stridecheck.simulate.motion import Motion, ar1, gps_error, to_lat_lon

__all__ = ["PAUSE_STYLES", "RECORDING_MODES", "SENSORS", "DeviceSettings", "Recording", "record"]

#: Sensor set-ups the simulator knows.
SENSORS: tuple[str, ...] = (
    "watch",
    "watch_smart",
    "wrist_dropouts",
    "phone_gpx",
    "treadmill_footpod",
    "watch_footpod",
    "gps_hr",
    "hr_only",
)

#: How a device spaces its samples (see the module notes).
RECORDING_MODES: tuple[str, ...] = ("1hz", "smart", "distance")

#: What a watch writes during a timer pause: ``"stop_sample"`` one sample (timer
#: stopped) at the stop, then nothing; ``"no_records"`` nothing at all between
#: the stop and start events.
PAUSE_STYLES: tuple[str, ...] = ("stop_sample", "no_records")

_WATCHES = ("watch", "watch_smart", "wrist_dropouts")
_GPS = (*_WATCHES, "watch_footpod", "gps_hr", "phone_gpx")
#: Set-ups whose recording has a timer (and so timer events); GPX has none.
_TIMED = (
    "watch",
    "watch_smart",
    "wrist_dropouts",
    "treadmill_footpod",
    "watch_footpod",
    "gps_hr",
    "hr_only",
)
#: Per-axis GPS error of each set-up when :class:`DeviceSettings` gives none. [m]
_DEFAULT_GPS_SD_M = {"phone_gpx": 5.0, "gps_hr": 2.5}
#: Smart recording: chance of each interval of 1..7 s between samples.
_SMART_INTERVAL_P = np.array([0.22, 0.2, 0.16, 0.13, 0.11, 0.1, 0.08])


@dataclass(frozen=True)
class DeviceSettings:
    """How the device of one simulated person records.

    Attributes
    ----------
    recording
        One of :data:`RECORDING_MODES`. ``None`` takes the set-up's own
        (``smart`` for ``watch_smart``, else ``1hz``).
    distance_filter_m
        Distance filter of ``recording="distance"``. [m]
    gps_sd_m
        Per-axis standard deviation of the GPS position error; ``None`` takes
        the set-up's default (2.5 m watch, 5 m phone). [m]
    gps_correlation_s
        Time over which the GPS error stays correlated; ``None`` about 40 s. [s]
    distance_bias
        Relative error of a watch's GPS distance and speed (-0.02 reads 2 %
        short); ``None`` draws one near -2 %.
    pause_style
        One of :data:`PAUSE_STYLES`.
    """

    recording: str | None = None
    distance_filter_m: float = 4.0
    gps_sd_m: float | None = None
    gps_correlation_s: float | None = None
    distance_bias: float | None = None
    pause_style: str = "stop_sample"

    def __post_init__(self) -> None:
        if self.recording is not None and self.recording not in RECORDING_MODES:
            modes = ", ".join(RECORDING_MODES)
            raise ValueError(f"unknown recording {self.recording!r}; choose one of {modes}")
        if self.pause_style not in PAUSE_STYLES:
            styles = ", ".join(PAUSE_STYLES)
            raise ValueError(f"unknown pause_style {self.pause_style!r}; choose one of {styles}")
        if not self.distance_filter_m > 0:
            raise ValueError(f"distance_filter_m must be > 0, got {self.distance_filter_m!r}")
        if self.gps_correlation_s is not None and not self.gps_correlation_s > 0:
            raise ValueError(f"gps_correlation_s must be > 0, got {self.gps_correlation_s!r}")
        if self.gps_sd_m is not None and not self.gps_sd_m >= 0:
            raise ValueError(f"gps_sd_m must be >= 0, got {self.gps_sd_m!r}")

    def mode(self, sensors: str) -> str:
        """The recording mode used for ``sensors``."""
        if self.recording is not None:
            return self.recording
        return "smart" if sensors == "watch_smart" else "1hz"

    def gps_phi(self) -> float:
        """Pole of the GPS error process for ``gps_correlation_s``.

        The error is two first-order lags in series; their combined correlation
        time is about twice that of one, so each pole has time constant
        ``gps_correlation_s / 2`` (0.95 when it is ``None``).
        """
        if self.gps_correlation_s is None:
            return 0.95
        return math.exp(-2.0 / self.gps_correlation_s)


class Recording:
    """A device's recording: samples, the second each sample was taken at, laps, events."""

    def __init__(
        self,
        samples: pd.DataFrame,
        seconds: np.ndarray,
        laps: pd.DataFrame,
        events: pd.DataFrame,
        speed_derived: bool,
    ) -> None:
        self.samples = samples
        self.seconds = seconds
        self.laps = laps
        self.events = events
        self.speed_derived = speed_derived


def _smart_keep(n: int, speed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smart recording: 1-7 s apart, and a key point wherever the speed changes."""
    keep = np.zeros(n, dtype=bool)
    k = 0
    while k < n:
        keep[k] = True
        k += int(rng.choice(7, p=_SMART_INTERVAL_P)) + 1
    if n > 2:
        # "records key points where you change ... speed": a change of gait
        change = np.abs(np.diff(speed, prepend=speed[0])) > 0.25
        keep |= change
    return keep


def _distance_keep(east: np.ndarray, north: np.ndarray, filter_m: float) -> np.ndarray:
    """A distance filter: keep a fix once it is ``filter_m`` from the last one kept."""
    n = len(east)
    keep = np.zeros(n, dtype=bool)
    if n == 0:
        return keep
    keep[0] = True
    last_e, last_n = east[0], north[0]
    limit = filter_m * filter_m
    for k in range(1, n):
        de, dn = east[k] - last_e, north[k] - last_n
        if de * de + dn * dn >= limit:
            keep[k] = True
            last_e, last_n = east[k], north[k]
    return keep


def _sample_seconds(
    m: Motion,
    sensors: str,
    device: DeviceSettings,
    rng: np.random.Generator,
    measured: tuple[np.ndarray, np.ndarray] | None,
) -> np.ndarray:
    """Seconds at which the device writes a sample (pause starts included)."""
    labels = m.labels
    n = len(labels)
    paused = labels == "paused"
    pause_starts = np.flatnonzero(paused & ~np.concatenate([[False], paused[:-1]]))
    resumes = np.flatnonzero(~paused & np.concatenate([[False], paused[:-1]]))
    recorded = ~paused
    mode = device.mode(sensors)
    if mode == "smart":
        recorded &= _smart_keep(n, m.speed_mps, rng)
    elif mode == "distance" and measured is not None:
        recorded &= _distance_keep(measured[0], measured[1], device.distance_filter_m)
    if sensors == "phone_gpx":
        for _ in range(max(1, n // 500)):
            length = int(rng.integers(4, 26))
            if n > length + 20:
                start = int(rng.integers(10, n - length - 10))
                recorded[start : start + length] = False
    if sensors in _TIMED:
        # the watch writes a sample when the timer starts again, and (depending
        # on the device) one with the timer stopped when it is paused
        recorded[resumes] = True
        if device.pause_style == "stop_sample":
            recorded[pause_starts] = True
    recorded[0] = True
    if not paused[n - 1]:
        recorded[n - 1] = True
    return np.flatnonzero(recorded)


def _measured_positions(
    m: Motion, rng: np.random.Generator, sd_m: float, phi: float, multipath: bool
) -> tuple[np.ndarray, np.ndarray]:
    """True positions plus slowly wandering GPS error (and urban multipath). [m]"""
    n = len(m.labels)
    jump_e, jump_n = _multipath(rng, n) if multipath else (0.0, 0.0)
    east = m.east_m + gps_error(rng, n, sd_m, phi) + jump_e
    north = m.north_m + gps_error(rng, n, sd_m, phi) + jump_n
    return east, north


def _watch_columns(
    m: Motion, rng: np.random.Generator, position: tuple[np.ndarray, np.ndarray], bias: float
) -> dict[str, np.ndarray]:
    n = len(m.labels)
    lat, lon = to_lat_lon(*position)
    moving = np.minimum(1.0, m.speed_mps / 0.5)
    speed = m.speed_mps * (1.0 + bias) + ar1(rng, n, 0.06, 0.8) * moving
    cadence = m.cadence_spm + rng.normal(0.0, 2.0, n) * (m.cadence_spm > 0)
    return {
        "distance_m": np.round(m.distance_m * (1.0 + bias), 2),
        "speed_mps": np.round(np.maximum(speed, 0.0), 3),
        "lat_deg": lat,
        "lon_deg": lon,
        "altitude_m": np.round(m.altitude_m + ar1(rng, n, 0.3, 0.95), 1),
        "heart_rate_bpm": np.round(m.heart_rate_bpm + ar1(rng, n, 1.5, 0.7)),
        "cadence_spm": np.round(np.maximum(cadence, 0.0), 1),
    }


def _dropouts(cadence: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = cadence.copy()
    n = len(out)
    for i in range(max(2, n // 400)):
        length = int(rng.integers(15, 91))
        if n <= length + 2:
            break
        start = int(rng.integers(1, n - length))
        out[start : start + length] = np.nan if i % 2 == 0 else 0.0
    return out


def _footpod_columns(m: Motion, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(m.labels)
    calibration = 1.0 + rng.normal(0.0, 0.02)
    moving = np.minimum(1.0, m.speed_mps / 0.5)
    speed = np.maximum(m.speed_mps * calibration + rng.normal(0.0, 0.03, n) * moving, 0.0)
    cadence = np.maximum(m.cadence_spm + rng.normal(0.0, 0.8, n) * (m.cadence_spm > 0), 0.0)
    step = np.zeros(n)
    step[1:] = 0.5 * (speed[1:] + speed[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        step_length = np.where(cadence > 40.0, speed / (cadence / 60.0), np.nan)
    return {
        "distance_m": np.round(np.cumsum(step), 2),
        "speed_mps": np.round(speed, 3),
        "heart_rate_bpm": np.round(m.heart_rate_bpm + ar1(rng, n, 1.5, 0.7)),
        "cadence_spm": np.round(cadence, 1),
        "stride_length_m": np.round(step_length, 3),
    }


def _multipath(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Urban multipath: now and then the fix drifts 5-15 m off and back over 20-40 s."""
    east, north = np.zeros(n), np.zeros(n)
    for _ in range(n // 600):
        length = int(rng.integers(20, 41))
        if n <= length:
            break
        start = int(rng.integers(0, n - length))
        bump = rng.uniform(5.0, 15.0) * 0.5 * (1 - np.cos(2 * np.pi * np.arange(length) / length))
        angle = rng.uniform(0, 2 * np.pi)
        east[start : start + length] += bump * np.sin(angle)
        north[start : start + length] += bump * np.cos(angle)
    return east, north


def _phone_columns(
    m: Motion, rng: np.random.Generator, position: tuple[np.ndarray, np.ndarray]
) -> dict[str, np.ndarray]:
    n = len(m.labels)
    lat, lon = to_lat_lon(*position)
    return {
        "lat_deg": np.round(lat, 7),
        "lon_deg": np.round(lon, 7),
        "altitude_m": np.round(m.altitude_m + gps_error(rng, n, 3.0, 0.97), 1),
    }


def _events(labels: np.ndarray, start: pd.Timestamp) -> pd.DataFrame:
    """Timer events from what the person did: a stop at each pause, a start after it."""
    n = len(labels)
    paused = labels == "paused"
    rows: list[dict[str, object]] = [
        {"time": start, "event": "timer", "event_type": "start", "data": None}
    ]
    for k in range(1, n):
        if paused[k] and not paused[k - 1]:
            kind = "stop_all"
        elif paused[k - 1] and not paused[k]:
            kind = "start"
        else:
            continue
        rows.append(
            {
                "time": start + pd.Timedelta(seconds=k),
                "event": "timer",
                "event_type": kind,
                "data": None,
            }
        )
    if not paused[-1]:
        # the last second ends when the recording is stopped
        rows.append(
            {
                "time": start + pd.Timedelta(seconds=n),
                "event": "timer",
                "event_type": "stop_all",
                "data": None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], utc=True).dt.as_unit("ns")
    return frame


def _auto_laps(samples: pd.DataFrame, every_m: float = 1000.0) -> pd.DataFrame:
    """Laps as a watch's auto-lap makes them: one per ``every_m`` of distance."""
    if "distance_m" not in samples or len(samples) < 2:
        return empty_frame(LAP_COLUMNS)
    dist = samples["distance_m"].to_numpy(dtype=float)
    elapsed = samples["elapsed_s"].to_numpy(dtype=float)
    running = samples["timer_running"].to_numpy(dtype=bool)
    lap_no = np.floor(np.nan_to_num(dist) / every_m).astype(int)
    cuts = [0, *(np.flatnonzero(np.diff(lap_no) > 0) + 1).tolist(), len(samples) - 1]
    cuts = sorted(set(cuts))
    rows = []
    for j in range(len(cuts) - 1):
        a, b = cuts[j], cuts[j + 1]
        dt_s = np.diff(elapsed[a : b + 1])
        timer = float(np.sum(dt_s[running[a:b] & running[a + 1 : b + 1]]))
        last = j == len(cuts) - 2
        rows.append(
            {
                "start": samples.index[a],
                "end": samples.index[b],
                "duration_s": float(elapsed[b] - elapsed[a]),
                "timer_s": timer,
                "distance_m": float(dist[b] - dist[a]),
                "intensity": "active",
                "trigger": "session_end" if last else "distance",
                "wkt_step_index": None,
            }
        )
    return pd.DataFrame(rows, columns=list(LAP_COLUMNS))


def _hr_columns(m: Motion, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(m.labels)
    return {"heart_rate_bpm": np.round(m.heart_rate_bpm + ar1(rng, n, 1.0, 0.7))}


def record(
    m: Motion,
    sensors: str,
    start: pd.Timestamp,
    rng: np.random.Generator,
    device: DeviceSettings | None = None,
) -> Recording:
    """Measure the true motion with a device.

    Parameters
    ----------
    m
        The true state per second.
    sensors
        One of :data:`SENSORS`.
    start
        Time of the session's first second (UTC).
    rng
        Random generator.
    device
        How the device samples and how good its GPS is; default
        :class:`DeviceSettings()` (the set-up's own mode and error).
    """
    dev = device or DeviceSettings()
    if sensors not in SENSORS:
        raise ValueError(f"unknown sensors {sensors!r}; choose one of {', '.join(SENSORS)}")
    bias = 0.0
    if sensors in _GPS and sensors != "phone_gpx":
        # GPS watches under-read distance a little (3.2-6.1 % MAPE, Gilgen-Ammann
        # et al., JMIR mHealth uHealth 2020;8:e17118)
        bias = dev.distance_bias if dev.distance_bias is not None else rng.normal(-0.02, 0.008)
    position: tuple[np.ndarray, np.ndarray] | None = None
    if sensors in _GPS:
        sd = dev.gps_sd_m if dev.gps_sd_m is not None else _DEFAULT_GPS_SD_M.get(sensors, 2.5)
        position = _measured_positions(m, rng, sd, dev.gps_phi(), sensors == "phone_gpx")
    if sensors in _WATCHES:
        assert position is not None
        cols = _watch_columns(m, rng, position, bias)
        if sensors == "wrist_dropouts":
            cols["cadence_spm"] = _dropouts(cols["cadence_spm"], rng)
    elif sensors == "treadmill_footpod":
        cols = _footpod_columns(m, rng)
    elif sensors == "watch_footpod":
        assert position is not None
        gps = _watch_columns(m, rng, position, bias)
        cols = _footpod_columns(m, rng)
        cols.update({k: gps[k] for k in ("lat_deg", "lon_deg", "altitude_m")})
    elif sensors == "gps_hr":
        assert position is not None
        cols = _watch_columns(m, rng, position, bias)
        del cols["cadence_spm"]
    elif sensors == "hr_only":
        cols = _hr_columns(m, rng)
    else:  # phone_gpx
        assert position is not None
        cols = _phone_columns(m, rng, position)
    seconds = _sample_seconds(m, sensors, dev, rng, position)
    index = pd.DatetimeIndex(start + pd.to_timedelta(seconds, unit="s"), name="time")
    frame = pd.DataFrame({k: v[seconds] for k, v in cols.items()}, index=index)
    paused = m.labels[seconds] == "paused"
    frame["timer_running"] = ~paused
    derived = False
    if sensors == "phone_gpx":
        frame["distance_m"] = derive_distance(frame)
        frame["speed_mps"] = derive_speed(frame)
        derived = True
    samples = finalize_samples(frame)
    timed = sensors in _TIMED
    laps = _auto_laps(samples) if timed and "distance_m" in samples else empty_frame(LAP_COLUMNS)
    events = _events(m.labels, start) if timed else empty_frame(EVENT_COLUMNS)
    return Recording(samples, seconds, laps, events, derived)
