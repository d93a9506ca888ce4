"""What the simulated body does each second: speed, cadence, heart rate, path.

Everything here is the *true* state on a 1 s grid; sensors (see
:mod:`stridecheck.simulate.sensors`) then measure it with their own errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from stridecheck.io.derive import EARTH_RADIUS_M
from stridecheck.simulate.profiles import AthleteProfile

__all__ = ["Motion", "ar1", "gps_error", "run_lengths", "simulate_motion", "to_lat_lon"]

#: Start of the simulated route (a riverside park). [degree]
DEFAULT_ORIGIN: tuple[float, float] = (-27.4766, 153.0166)
#: Altitude of the route's start. [m]
DEFAULT_ALTITUDE_M = 22.0


@dataclass
class Motion:
    """The true state, one value per second of the session.

    Attributes
    ----------
    labels
        What the person did during each second (``walk``/``run``/``stop``/``paused``).
    speed_mps
        Ground speed at the start of each second. [m/s]
    cadence_spm
        Step cadence. [steps/min]
    heart_rate_bpm
        Heart rate. [1/min]
    distance_m
        Distance covered since the start. [m]
    east_m, north_m
        Position relative to the origin. [m]
    altitude_m
        Altitude of the ground. [m]
    """

    labels: np.ndarray
    speed_mps: np.ndarray
    cadence_spm: np.ndarray
    heart_rate_bpm: np.ndarray
    distance_m: np.ndarray
    east_m: np.ndarray
    north_m: np.ndarray
    altitude_m: np.ndarray


def ar1(rng: np.random.Generator, n: int, sd: float, phi: float) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation ``sd``."""
    if n <= 0:
        return np.zeros(0)
    eps = rng.standard_normal(n) * sd * np.sqrt(1.0 - phi * phi)
    eps[0] = rng.standard_normal() * sd
    return np.asarray(lfilter([1.0], [1.0, -phi], eps), dtype=float)


def gps_error(rng: np.random.Generator, n: int, sd_m: float, phi: float = 0.95) -> np.ndarray:
    """Smooth, slowly wandering GPS error along one axis. [m]

    A second-order autoregressive process (two poles at ``phi``) with marginal
    standard deviation ``sd_m``: the error drifts over tens of seconds but
    hardly jumps from one second to the next, so a standing receiver seems to
    creep at about 0.06 x ``sd_m`` m/s, as real receivers do.
    """
    if n <= 0:
        return np.zeros(0)
    burn = int(5 / (1 - phi))
    e = rng.standard_normal(n + burn)
    x = lfilter([1.0], [1.0, -phi], lfilter([1.0], [1.0, -phi], e))[burn:]
    return np.asarray(x * sd_m / np.sqrt((1 + phi**2) / (1 - phi**2) ** 3), dtype=float)


def run_lengths(labels: np.ndarray) -> list[tuple[str, int, int]]:
    """Split a label array into ``(label, start index, length)`` runs."""
    if len(labels) == 0:
        return []
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(labels)]])
    return [(str(labels[s]), int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def _smoothstep(t: np.ndarray, duration: float) -> np.ndarray:
    f = np.clip(t / duration, 0.0, 1.0)
    return f * f * (3.0 - 2.0 * f)


def _levels(kind: str, athlete: AthleteProfile, rng: np.random.Generator) -> tuple[float, float]:
    if kind == "walk":
        speed = rng.normal(athlete.walk_speed_mps, athlete.walk_speed_sd_mps)
        cadence = rng.normal(athlete.walk_cadence_spm, athlete.walk_cadence_sd_spm)
        return float(np.clip(speed, 0.6, 2.3)), float(np.clip(cadence, 80.0, 140.0))
    if kind == "run":
        speed = rng.normal(athlete.run_speed_mps, athlete.run_speed_sd_mps)
        cadence = rng.normal(athlete.run_cadence_spm, athlete.run_cadence_sd_spm)
        return float(np.clip(speed, 1.5, 7.0)), float(np.clip(cadence, 135.0, 210.0))
    return 0.0, 0.0


def _speed_and_cadence(
    labels: np.ndarray, athlete: AthleteProfile, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n = len(labels)
    speed = np.zeros(n)
    cadence = np.zeros(n)
    prev_v, prev_c = 0.0, 0.0
    for kind, start, length in run_lengths(labels):
        level_v, level_c = _levels(kind, athlete, rng)
        moving = level_v > 0
        wobble_v = ar1(rng, length, 0.035 * level_v, 0.9) if moving else np.zeros(length)
        wobble_c = ar1(rng, length, 1.0, 0.8) if moving else np.zeros(length)
        t = np.arange(length, dtype=float)
        # a step change with realistic acceleration: 2-4 s to the new speed
        w_v = _smoothstep(t, rng.uniform(2.0, 4.0) if moving else rng.uniform(1.5, 3.0))
        w_c = _smoothstep(t, rng.uniform(1.0, 2.0) if moving else rng.uniform(1.5, 3.0))
        v = (1.0 - w_v) * prev_v + w_v * (level_v + wobble_v)
        c = (1.0 - w_c) * prev_c + w_c * (level_c + wobble_c)
        speed[start : start + length] = np.maximum(v, 0.0)
        cadence[start : start + length] = np.maximum(c, 0.0)
        prev_v, prev_c = float(speed[start + length - 1]), float(cadence[start + length - 1])
    return speed, cadence


def _heart_rate(
    speed: np.ndarray, athlete: AthleteProfile, rng: np.random.Generator
) -> np.ndarray:
    """First-order lag of heart rate towards a speed-dependent target."""
    a = athlete
    slope = (a.hr_run_bpm - a.hr_walk_bpm) / (a.run_speed_mps - a.walk_speed_mps)
    top = a.run_speed_mps + 2.0
    target = np.interp(
        speed,
        [0.0, a.walk_speed_mps, a.run_speed_mps, top],
        [a.hr_rest_bpm + 12.0, a.hr_walk_bpm, a.hr_run_bpm, a.hr_run_bpm + 2.0 * slope],
    )
    n = len(speed)
    # cardiovascular drift: about 5 beats/min over half an hour of effort
    effort = np.cumsum(speed > 0.5) / 1800.0
    target = np.minimum(target + 5.0 * effort, 200.0)
    hr = np.empty(n)
    hr_now = a.hr_rest_bpm + 10.0 + rng.normal(0.0, 3.0)
    up = 1.0 - np.exp(-1.0 / a.hr_lag_s)
    down = 1.0 - np.exp(-1.0 / (1.3 * a.hr_lag_s))
    for k in range(n):
        hr[k] = hr_now
        gap = target[k] - hr_now
        hr_now += gap * (up if gap > 0 else down)
    return hr


def _path(
    speed: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(speed)
    step = np.zeros(n)
    step[1:] = 0.5 * (speed[1:] + speed[:-1])
    distance = np.cumsum(step)
    # heading wanders gently and turns at corners (about every 150 m)
    turn = np.zeros(n)
    moving = speed > 0.3
    corners = np.flatnonzero(moving & (rng.random(n) < speed / 150.0))
    for k in corners:
        turn[k : k + 5] += rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.6) / 5.0
    heading = rng.uniform(0, 2 * np.pi) + np.cumsum(turn[:n] + rng.normal(0.0, 0.02, n) * moving)
    east = np.cumsum(step * np.sin(heading))
    north = np.cumsum(step * np.cos(heading))
    phase = rng.uniform(0, 2 * np.pi)
    altitude = (
        DEFAULT_ALTITUDE_M
        + 3.0 * np.sin(2 * np.pi * distance / 900.0 + phase)
        + 1.5 * np.sin(2 * np.pi * distance / 2700.0 + 2 * phase)
    )
    return distance, np.vstack([east, north]), altitude


def simulate_motion(
    labels: np.ndarray, athlete: AthleteProfile, rng: np.random.Generator
) -> Motion:
    """Turn a per-second timeline into the true state of the body.

    Parameters
    ----------
    labels
        One label per second: ``walk``, ``run``, ``stop`` or ``paused``.
    athlete
        Who moves.
    rng
        Random generator.
    """
    speed, cadence = _speed_and_cadence(labels, athlete, rng)
    hr = _heart_rate(speed, athlete, rng)
    distance, en, altitude = _path(speed, rng)
    return Motion(
        labels=labels,
        speed_mps=speed,
        cadence_spm=cadence,
        heart_rate_bpm=hr,
        distance_m=distance,
        east_m=en[0],
        north_m=en[1],
        altitude_m=altitude,
    )


def to_lat_lon(
    east_m: np.ndarray, north_m: np.ndarray, origin: tuple[float, float] = DEFAULT_ORIGIN
) -> tuple[np.ndarray, np.ndarray]:
    """Local east/north offsets to latitude/longitude. [degree]"""
    lat0, lon0 = origin
    lat = lat0 + np.degrees(north_m / EARTH_RADIUS_M)
    lon = lon0 + np.degrees(east_m / (EARTH_RADIUS_M * np.cos(np.radians(lat0))))
    return lat, lon
