"""Virtual sensors: their notification timelines (pure) decode to the frame they replay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("bumble")

from stridecheck.live import gatt
from stridecheck.live.virtual import (
    VirtualFootpod,
    VirtualHeartRateStrap,
    VirtualTreadmill,
)


def _frame(n: int = 120) -> pd.DataFrame:
    index = pd.date_range("2026-01-05 07:00", periods=n, freq="1s", tz="UTC", name="time")
    t = np.arange(n, dtype=float)
    run = (t // 30) % 2 == 1
    speed = np.where(run, 2.6, 1.4)
    return pd.DataFrame(
        {
            "heart_rate_bpm": np.where(run, 150.0, 110.0),
            "speed_mps": speed,
            "cadence_spm": np.where(run, 164.0, 112.0),
            "distance_m": np.cumsum(speed),
        },
        index=index,
    )


def test_hr_timeline_carries_hr_and_consistent_rr() -> None:
    frame = _frame()
    timeline = VirtualHeartRateStrap("SC-HR t", "F0:5C:00:00:00:09").timeline(frame)
    assert [t for t, _ in timeline] == list(range(120))
    parsed = [gatt.parse_heart_rate_measurement(p) for _, p in timeline]
    assert [m.heart_rate_bpm for m in parsed] == frame["heart_rate_bpm"].astype(int).tolist()
    assert all(m.sensor_contact is gatt.SensorContact.CONTACT for m in parsed)
    rr = np.concatenate([m.rr_intervals_s or () for m in parsed])
    # Beats over 119 s at 110/150 bpm: their sum covers the session to within a beat.
    assert abs(rr.sum() - 119) < 0.6
    assert set(np.round(60 / rr)) <= {110.0, 150.0}


def test_hr_timeline_skips_missing_and_restarts_after_gaps() -> None:
    frame = _frame(20)
    frame.iloc[5:10, 0] = np.nan
    timeline = VirtualHeartRateStrap("SC-HR t", "F0:5C:00:00:00:09").timeline(frame)
    assert [t for t, _ in timeline] == [*range(5), *range(10, 20)]
    first_after = gatt.parse_heart_rate_measurement(timeline[5][1])
    assert first_after.rr_intervals_s == ()


def test_footpod_timeline_steps_strides_and_running_bit() -> None:
    frame = _frame()
    pod = VirtualFootpod("SC-POD t", "F0:5C:00:00:00:0A")
    feature = pod.feature
    parsed = [gatt.parse_rsc_measurement(p, feature) for _, p in pod.timeline(frame)]
    assert [m.cadence_per_min for m in parsed] == frame["cadence_spm"].astype(int).tolist()
    assert [m.running for m in parsed] == (frame["cadence_spm"] >= 140).tolist()
    assert (
        max(abs(m.speed_mps - s) for m, s in zip(parsed, frame["speed_mps"], strict=True))
        <= 1 / 512
    )
    steps = [m.stride_length_m for m in parsed]
    assert steps[0] == pytest.approx(1.4 / (112 / 60), abs=0.005)
    assert parsed[-1].total_distance_m == pytest.approx(frame["distance_m"].iloc[-1], abs=0.05)
    strides = VirtualFootpod("SC-STRIDEPOD t", "F0:5C:00:00:00:0B", report_strides=True)
    halved = [gatt.parse_rsc_measurement(p) for _, p in strides.timeline(frame)]
    assert [m.cadence_per_min for m in halved] == (frame["cadence_spm"] // 2).astype(int).tolist()


def test_footpod_uses_rsc_running_column_when_present() -> None:
    frame = _frame(4)
    frame["rsc_running"] = [1.0, 0.0, np.nan, 1.0]
    pod = VirtualFootpod("SC-POD t", "F0:5C:00:00:00:0A")
    parsed = [gatt.parse_rsc_measurement(p, pod.feature) for _, p in pod.timeline(frame)]
    assert [m.running for m in parsed] == [True, False, False, True]


def test_treadmill_timeline() -> None:
    frame = _frame()
    mill = VirtualTreadmill("SC-TREAD t", "F0:5C:00:00:00:0C", with_hr=True)
    parsed = [gatt.parse_treadmill_data(p) for _, p in mill.timeline(frame)]
    assert [m.elapsed_time_s for m in parsed] == list(range(120))
    assert parsed[40].speed_mps == pytest.approx(2.6, abs=0.01 / 3.6)
    assert parsed[-1].total_distance_m == int(frame["distance_m"].iloc[-1])
    assert parsed[0].heart_rate_bpm == 110
    assert parsed[0].inclination_pct == 0.0
