"""Simulated run-walk sessions with per-second ground truth."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stridecheck.activity import Activity, ActivityMeta
from stridecheck.simulate.deviations import apply_deviations, normalize_deviations
from stridecheck.simulate.motion import run_lengths, simulate_motion
from stridecheck.simulate.plans import PlanStep, normalize_plan
from stridecheck.simulate.profiles import AthleteProfile, get_athlete
from stridecheck.simulate.sensors import SENSORS, DeviceSettings, record

__all__ = ["DEFAULT_START", "SimulatedSession", "simulate_session", "write_session"]

#: Start time used when none is given (so sessions are reproducible).
DEFAULT_START = pd.Timestamp("2026-01-05T07:00:00Z")

#: Truth labels.
TRUTH_LABELS: tuple[str, ...] = ("walk", "run", "stop", "paused")


@dataclass
class SimulatedSession:
    """A simulated session and exactly what the simulated person did.

    Attributes
    ----------
    activity
        The recording, as an importer would produce it
        (``meta.source_format == "simulated"``).
    truth
        Label per sample of ``activity.samples`` (``walk``, ``run``, ``stop``,
        ``paused``), same index.
    truth_1hz
        Label per second over the whole session, pauses and recording gaps
        included (UTC ``DatetimeIndex`` at 1 s, named ``time``). Second ``k``
        covers ``[start + k s, start + (k + 1) s)``.
    truth_intervals
        Contiguous intervals covering the session: ``kind``, ``start``, ``end``
        (UTC), ``duration_s`` [s].
    plan
        The plan as prescribed, ``(kind, seconds)``.
    performed
        What was actually done, ``(kind, seconds)``, including ``("stop", s)``
        and ``("paused", s)`` bouts.
    condition
        ``"<sensors>/<athlete>/<deviations joined by +, or as_prescribed>"``.
    """

    activity: Activity
    truth: pd.Series
    truth_1hz: pd.Series
    truth_intervals: pd.DataFrame
    plan: list[PlanStep]
    performed: list[PlanStep]
    condition: str


def _start_time(start: dt.datetime | str | None) -> pd.Timestamp:
    if start is None:
        return DEFAULT_START
    ts = pd.Timestamp(start)
    if ts.tzinfo is None:
        raise ValueError(f"start must be timezone-aware (e.g. '2026-01-05T07:00Z'), got {start!r}")
    return ts.tz_convert("UTC").floor("s")


def _expand(plan: list[PlanStep]) -> tuple[np.ndarray, np.ndarray]:
    """Per-second labels and plan-step indices; durations rounded to whole seconds."""
    counts = [max(1, round(seconds)) for _, seconds in plan]
    labels = np.concatenate(
        [np.full(c, k, dtype=object) for (k, _), c in zip(plan, counts, strict=True)]
    )
    step_of = np.repeat(np.arange(len(plan)), counts)
    return labels, step_of


def _intervals(labels: np.ndarray, start: pd.Timestamp) -> pd.DataFrame:
    rows = []
    for kind, first, length in run_lengths(labels):
        rows.append(
            {
                "kind": kind,
                "start": start + pd.Timedelta(seconds=first),
                "end": start + pd.Timedelta(seconds=first + length),
                "duration_s": float(length),
            }
        )
    frame = pd.DataFrame(rows, columns=["kind", "start", "end", "duration_s"])
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.as_unit("ns")
    return frame


def simulate_session(
    plan: Sequence[tuple[str, float | str]],
    *,
    athlete: str | AthleteProfile = "typical",
    sensors: str = "watch",
    deviations: Sequence[str] | Mapping[str, Mapping[str, float] | None] | str = (),
    start: dt.datetime | str | None = None,
    random_state: int | None = 42,
    device: DeviceSettings | None = None,
) -> SimulatedSession:
    """Simulate one run-walk session as a device would record it, with ground truth.

    Parameters
    ----------
    plan
        Prescribed steps ``("walk" | "run", duration)``; durations in seconds or
        ``"M:SS"`` text, rounded to whole seconds.
    athlete
        Name from :data:`~stridecheck.simulate.ATHLETES` or an
        :class:`~stridecheck.simulate.AthleteProfile`.
    sensors
        One of :data:`~stridecheck.simulate.SENSORS`.
    deviations
        Names from :data:`~stridecheck.simulate.DEVIATIONS`, or a mapping from
        name to parameter overrides (e.g. ``{"traffic_stops": {"count": 2}}``).
    start
        Start time (timezone-aware, or an ISO 8601 string with offset);
        default 2026-01-05 07:00 UTC.
    random_state
        Seed; the same seed gives the same session.
    device
        How the device samples (1 Hz, smart, distance filter), its GPS error
        and what it writes in a timer pause
        (:class:`~stridecheck.simulate.sensors.DeviceSettings`); default: the
        set-up's own.

    Returns
    -------
    SimulatedSession

    Raises
    ------
    ValueError
        For an invalid plan, athlete, sensor set-up, deviation or start time.
    """
    steps = normalize_plan(plan)
    profile = get_athlete(athlete)
    sensor_key = str(sensors).strip().lower()
    if sensor_key not in SENSORS:
        raise ValueError(f"unknown sensors {sensors!r}; choose one of {', '.join(SENSORS)}")
    devs = normalize_deviations(deviations)
    t0 = _start_time(start)
    rng = np.random.default_rng(random_state)

    labels, step_of = _expand(steps)
    performed_labels = apply_deviations(labels, step_of, [k for k, _ in steps], devs, rng)
    motion = simulate_motion(performed_labels, profile, rng)
    rec = record(motion, sensor_key, t0, rng, device)

    truth_index = pd.DatetimeIndex(
        t0 + pd.to_timedelta(np.arange(len(performed_labels)), unit="s"), name="time"
    ).as_unit("ns")
    truth_1hz = pd.Series(performed_labels.astype(str), index=truth_index, name="label")
    truth = pd.Series(
        performed_labels[rec.seconds].astype(str), index=rec.samples.index, name="label"
    )
    condition = f"{sensor_key}/{profile.name}/{'+'.join(devs) or 'as_prescribed'}"
    meta = ActivityMeta(
        source_format="simulated",
        sport="running",
        sub_sport="treadmill" if sensor_key == "treadmill_footpod" else "generic",
        manufacturer="development",
        product="stridecheck-simulator",
        start_time=t0.to_pydatetime(),
        speed_derived=rec.speed_derived,
        extra={
            "condition": condition,
            "athlete": profile.name,
            "sensors": sensor_key,
            "deviations": list(devs),
            "random_state": random_state,
            "recording": (device or DeviceSettings()).mode(sensor_key),
        },
    )
    activity = Activity(samples=rec.samples, meta=meta, laps=rec.laps, events=rec.events)
    return SimulatedSession(
        activity=activity,
        truth=truth,
        truth_1hz=truth_1hz,
        truth_intervals=_intervals(performed_labels, t0),
        plan=steps,
        performed=[(k, float(n)) for k, _, n in run_lengths(performed_labels)],
        condition=condition,
    )


def truth_csv_path(path: str | os.PathLike[str]) -> Path:
    """Where :func:`write_session` puts the truth next to an activity file."""
    p = Path(path)
    return p.with_name(p.stem + ".truth.csv")


def write_session(
    session: SimulatedSession, path: str | os.PathLike[str], fmt: str = "fit"
) -> Path:
    """Write the session's recording and its per-second truth.

    Parameters
    ----------
    session
        From :func:`simulate_session`.
    path
        Activity file to write (``.fit`` or ``.gpx``).
    fmt
        ``"fit"`` or ``"gpx"``.

    Returns
    -------
    pathlib.Path
        The activity file. Its truth is beside it as ``<stem>.truth.csv`` with
        columns ``time`` (ISO 8601, UTC) and ``label``, one row per second.
    """
    out = Path(path)
    kind = fmt.strip().lower()
    if kind == "fit":
        from stridecheck.io.fit_write import write_fit

        write_fit(session.activity, out)
    elif kind == "gpx":
        from stridecheck.io.gpx_write import write_gpx

        activity = session.activity
        if activity.meta.speed_derived:
            # a derived speed is the importer's, not the file's: keep the file positions-only
            activity = dataclasses.replace(
                activity, samples=activity.samples.drop(columns=["speed_mps"], errors="ignore")
            )
        write_gpx(activity, out)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose 'fit' or 'gpx'")
    truth = pd.DataFrame(
        {
            "time": pd.DatetimeIndex(session.truth_1hz.index).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "label": session.truth_1hz.to_numpy(),
        }
    )
    truth.to_csv(truth_csv_path(out), index=False, lineterminator="\n")
    return out
