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
=====================  ===================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stridecheck.activity import EVENT_COLUMNS, LAP_COLUMNS, empty_frame, finalize_samples
from stridecheck.io.derive import derive_distance, derive_speed
from stridecheck.simulate.motion import Motion, ar1, gps_error, to_lat_lon

__all__ = ["SENSORS", "Recording", "record"]

#: Sensor set-ups the simulator knows.
SENSORS: tuple[str, ...] = (
    "watch",
    "watch_smart",
    "wrist_dropouts",
    "phone_gpx",
    "treadmill_footpod",
)

_WATCHES = ("watch", "watch_smart", "wrist_dropouts")
#: Smart recording: chance of each interval of 1..7 s between samples.
_SMART_INTERVAL_P = np.array([0.22, 0.2, 0.16, 0.13, 0.11, 0.1, 0.08])


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


def _sample_seconds(labels: np.ndarray, sensors: str, rng: np.random.Generator) -> np.ndarray:
    """Seconds at which the device writes a sample (pause starts included)."""
    n = len(labels)
    paused = labels == "paused"
    pause_starts = np.flatnonzero(paused & ~np.concatenate([[False], paused[:-1]]))
    recorded = ~paused
    if sensors == "watch_smart":
        keep = np.zeros(n, dtype=bool)
        k = 0
        while k < n:
            keep[k] = True
            k += int(rng.choice(7, p=_SMART_INTERVAL_P)) + 1
        # the watch also writes a sample when the timer stops and starts again
        resumes = np.flatnonzero(~paused & np.concatenate([[False], paused[:-1]]))
        keep[resumes] = True
        keep[n - 1] = True
        recorded &= keep
    elif sensors == "phone_gpx":
        for _ in range(max(1, n // 500)):
            length = int(rng.integers(4, 26))
            if n > length + 20:
                start = int(rng.integers(10, n - length - 10))
                recorded[start : start + length] = False
    if sensors != "phone_gpx":
        # a watch writes one (timer stopped) sample when it is paused; GPX knows no timer
        recorded[pause_starts] = True
    recorded[0] = True
    return np.flatnonzero(recorded)


def _watch_columns(m: Motion, rng: np.random.Generator, gps_sd_m: float) -> dict[str, np.ndarray]:
    n = len(m.labels)
    bias = rng.normal(-0.02, 0.008)  # GPS watches under-read distance a little
    lat, lon = to_lat_lon(
        m.east_m + gps_error(rng, n, gps_sd_m), m.north_m + gps_error(rng, n, gps_sd_m)
    )
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


def _phone_columns(m: Motion, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(m.labels)
    # urban GPS: a few metres of error that wanders slowly, plus multipath excursions
    jump_e, jump_n = _multipath(rng, n)
    lat, lon = to_lat_lon(
        m.east_m + gps_error(rng, n, 5.0) + jump_e, m.north_m + gps_error(rng, n, 5.0) + jump_n
    )
    return {
        "lat_deg": np.round(lat, 7),
        "lon_deg": np.round(lon, 7),
        "altitude_m": np.round(m.altitude_m + gps_error(rng, n, 3.0, 0.97), 1),
    }


def _events(samples: pd.DataFrame) -> pd.DataFrame:
    times = samples.index
    running = samples["timer_running"].to_numpy(dtype=bool)
    rows: list[dict[str, object]] = [
        {"time": times[0], "event": "timer", "event_type": "start", "data": None}
    ]
    for i in range(1, len(times)):
        if running[i - 1] and not running[i]:
            rows.append(
                {"time": times[i], "event": "timer", "event_type": "stop_all", "data": None}
            )
        elif running[i] and not running[i - 1]:
            rows.append({"time": times[i], "event": "timer", "event_type": "start", "data": None})
    if running[-1]:
        rows.append({"time": times[-1], "event": "timer", "event_type": "stop_all", "data": None})
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


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


def record(m: Motion, sensors: str, start: pd.Timestamp, rng: np.random.Generator) -> Recording:
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
    """
    if sensors in _WATCHES:
        cols = _watch_columns(m, rng, gps_sd_m=2.5)
        if sensors == "wrist_dropouts":
            cols["cadence_spm"] = _dropouts(cols["cadence_spm"], rng)
    elif sensors == "treadmill_footpod":
        cols = _footpod_columns(m, rng)
    elif sensors == "phone_gpx":
        cols = _phone_columns(m, rng)
    else:
        raise ValueError(f"unknown sensors {sensors!r}; choose one of {', '.join(SENSORS)}")
    seconds = _sample_seconds(m.labels, sensors, rng)
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
    laps = empty_frame(LAP_COLUMNS) if sensors == "phone_gpx" else _auto_laps(samples)
    events = empty_frame(EVENT_COLUMNS) if sensors == "phone_gpx" else _events(samples)
    return Recording(samples, seconds, laps, events, derived)
