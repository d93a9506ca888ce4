"""Evidence extraction: device labels, timer events, speed sources."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.segment.features import (
    DEVICE_RUN,
    DEVICE_WALK,
    NO_DEVICE_LABEL,
    extract_evidence,
)

START = pd.Timestamp("2026-03-01T08:00:00Z")


def activity(n: int = 120, **extra: object) -> Activity:
    index = START + pd.to_timedelta(np.arange(n), unit="s")
    samples = finalize_samples(
        pd.DataFrame({"cadence_spm": np.full(n, 112.0), "speed_mps": np.full(n, 1.4)}, index=index)
    )
    return Activity(samples=samples, meta=ActivityMeta(source_format="simulated"), **extra)  # type: ignore[arg-type]


def test_workout_step_laps_become_labels() -> None:
    laps = pd.DataFrame(
        {
            "start": [START, START + pd.Timedelta(seconds=60)],
            "end": [START + pd.Timedelta(seconds=60), START + pd.Timedelta(seconds=120)],
            "duration_s": [60.0, 60.0],
            "timer_s": [60.0, 60.0],
            "distance_m": [np.nan, np.nan],
            "intensity": ["active", "recovery"],
            "trigger": ["time", "time"],
            "wkt_step_index": [1, 2],
        }
    )
    ev = extract_evidence(activity(laps=laps))
    assert (ev.lap_label[:60] == DEVICE_RUN).all()
    assert (ev.lap_label[60:] == DEVICE_WALK).all()
    assert "workout-step laps" in ev.sources
    # auto laps (no workout step) say nothing about the gait
    auto = laps.assign(wkt_step_index=np.full(2, np.nan))
    assert (extract_evidence(activity(laps=auto)).lap_label == NO_DEVICE_LABEL).all()


def test_timer_events_mark_pauses() -> None:
    events = pd.DataFrame(
        {
            "time": [START, START + pd.Timedelta(seconds=30), START + pd.Timedelta(seconds=50)],
            "event": ["timer", "timer", "timer"],
            "event_type": ["start", "stop_all", "start"],
            "data": [None, None, None],
        }
    )
    ev = extract_evidence(activity(events=events))
    assert ev.timer_info
    assert not ev.paused[30]  # the sample at the stop itself was still recorded
    assert ev.paused[31:50].all()
    assert not ev.paused[50:].any()
    assert not extract_evidence(activity()).timer_info


def test_speed_sources() -> None:
    ev = extract_evidence(activity())
    assert ev.speed_source == "footpod"  # no positions: footpod or treadmill
    n = 120
    index = START + pd.to_timedelta(np.arange(n), unit="s")
    lat = 48.2 + np.arange(n) * 1.4 / 111_195.0
    samples = finalize_samples(
        pd.DataFrame({"lat_deg": lat, "lon_deg": np.full(n, 16.37)}, index=index)
    )
    gps = extract_evidence(Activity(samples=samples, meta=ActivityMeta(source_format="gpx")))
    assert gps.speed_source == "positions"
    assert abs(np.nanmedian(gps.speed_mps) - 1.4) < 0.05
    assert any("derived from positions" in w for w in gps.warnings)


def test_out_of_range_values_are_ignored_with_a_note() -> None:
    act = activity()
    act.samples.iloc[5, list(act.samples.columns).index("cadence_spm")] = 900.0
    act.samples.iloc[6, list(act.samples.columns).index("speed_mps")] = 40.0
    ev = extract_evidence(act)
    assert np.isnan(ev.cadence_spm[5]) and np.isnan(ev.speed_mps[6])
    assert len(ev.warnings) == 2


def test_speed_from_positions_is_a_local_fit_across_gaps_and_turns() -> None:
    """Exact on a straight track, unbiased around a corner, NaN only where fixes are too few."""
    t = np.concatenate([np.arange(0, 60), np.arange(75, 140)]).astype(float)  # a 15 s gap
    speed = np.where(t < 100, 1.4, 2.6)
    heading = np.where(t < 40, 0.0, np.pi / 2)  # a right-angle turn at 40 s
    step = np.concatenate([[0.0], np.diff(t) * speed[1:]])
    north = np.cumsum(step * np.cos(heading))
    east = np.cumsum(step * np.sin(heading))
    index = START + pd.to_timedelta(t, unit="s")
    samples = finalize_samples(
        pd.DataFrame(
            {
                "lat_deg": 48.2 + np.degrees(north / 6_371_008.8),
                "lon_deg": 16.37 + np.degrees(east / (6_371_008.8 * np.cos(np.radians(48.2)))),
            },
            index=index,
        )
    )
    ev = extract_evidence(Activity(samples=samples, meta=ActivityMeta(source_format="gpx")))
    v = ev.speed_mps
    assert np.isfinite(v).all()
    steady_walk = (np.abs(t - 20) < 15) | ((t > 80) & (t < 96))
    assert np.allclose(v[steady_walk], 1.4, atol=0.02)
    assert np.allclose(v[t > 105], 2.6, atol=0.02)
    # a 4 s window resolves the change of speed within a few seconds
    assert v[t == 98][0] < 1.8 < v[t == 102][0]
    assert any("local linear fit" in w for w in ev.warnings)
