"""The simulated population: drawn from published ranges, deterministic, recorded every way."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pandas as pd
import pytest

from stridecheck.io.fit import parse_fit
from stridecheck.io.fit_write import write_fit
from stridecheck.simulate import simulate_session
from stridecheck.simulate.population import (
    FILE_VARIANTS,
    GAIT_TYPES,
    SENSOR_WEIGHTS,
    draw_population,
    simulate_person,
)
from stridecheck.simulate.sensors import DeviceSettings

PLAN = [("walk", 120.0)] + [("run", 60.0), ("walk", 90.0)] * 3


def test_population_is_deterministic_and_seed_dependent() -> None:
    a = draw_population(50, seed=3)
    b = draw_population(50, seed=3)
    c = draw_population(50, seed=4)
    assert a == b
    assert [p.athlete for p in a] != [p.athlete for p in c]
    assert len({p.person_id for p in a}) == 50


def test_population_covers_every_stratum() -> None:
    people = draw_population(600, seed=1)
    assert set(collections.Counter(p.gait_type for p in people)) == set(GAIT_TYPES)
    assert set(collections.Counter(p.sensors for p in people)) == set(SENSOR_WEIGHTS)
    assert {p.recording for p in people} == {"1hz", "smart", "distance"}
    variants = {p.file_variant for p in people}
    assert set(FILE_VARIANTS) <= variants
    assert {p.device.pause_style for p in people} == {"stop_sample", "no_records"}
    assert len({p.deviation for p in people}) >= 8


def test_drawn_gaits_follow_the_published_ranges() -> None:
    people = draw_population(600, seed=2)
    walk_c = np.array([p.athlete.walk_cadence_spm for p in people])
    walk_v = np.array([p.athlete.walk_speed_mps for p in people])
    novice = [p.athlete for p in people if p.gait_type == "novice"]
    # self-selected walking 117 +/- 9.3 steps/min; pedestrians 1.32 +/- 0.31 m/s
    assert 110 <= walk_c.mean() <= 125
    assert 1.2 <= walk_v.mean() <= 1.6
    # novices: 2.6 m/s at 154-160 steps/min
    assert 2.4 <= np.mean([a.run_speed_mps for a in novice]) <= 2.8
    assert 152 <= np.mean([a.run_cadence_spm for a in novice]) <= 162
    # heart-rate time constant 56-60 s
    assert 52 <= np.mean([p.athlete.hr_lag_s for p in people]) <= 64
    for p in people:
        if p.gait_type == "shuffle":
            gap = p.athlete.run_cadence_spm - p.athlete.walk_cadence_spm
            assert 8 <= gap <= 20
        if p.gait_type == "slow_jogger":
            assert 0.3 <= p.athlete.run_speed_mps - p.athlete.walk_speed_mps <= 0.6


@pytest.mark.parametrize("variant", list(FILE_VARIANTS))
def test_fit_variants_say_or_hide_the_sport(variant: str) -> None:
    people = [p for p in draw_population(300, seed=5) if p.file_variant == variant]
    person = next(p for p in people if p.sensors == "watch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = simulate_person(person, PLAN)
    meta = session.activity.meta
    assert meta.source_format == "fit"
    assert meta.extra["file_variant"] == variant
    assert meta.extra["person_id"] == person.person_id
    assert session.truth.index.equals(session.activity.samples.index)
    if variant == "no_sport":
        assert meta.sport is None
    else:
        assert meta.sport == "running"
        assert "cadence_spm" in session.activity.samples


def test_distance_filter_spaces_fixes_by_distance() -> None:
    device = DeviceSettings(recording="distance", distance_filter_m=4.0, gps_sd_m=1.0)
    s = simulate_session(PLAN, sensors="phone_gpx", device=device, random_state=3)
    times = s.activity.samples.index
    gaps = np.diff(times.asi8) / 1e9
    walking = s.truth.to_numpy()[:-1] == "walk"
    # walking at about 1.4 m/s with a 4 m filter: fixes mostly 2-5 s apart
    assert 2.0 <= np.median(gaps[walking]) <= 5.0
    assert len(times) < 0.6 * len(s.truth_1hz)


def test_smart_recording_is_irregular() -> None:
    s = simulate_session(PLAN, sensors="watch", device=DeviceSettings(recording="smart"))
    gaps = np.diff(s.activity.samples.index.asi8) / 1e9
    assert gaps.min() >= 1 and gaps.max() <= 7 and len(set(gaps)) > 3


def test_pause_without_records_writes_only_events() -> None:
    device = DeviceSettings(pause_style="no_records")
    s = simulate_session(PLAN, sensors="watch", deviations=["timer_pause"], device=device)
    pause = s.truth_intervals[s.truth_intervals["kind"] == "paused"].iloc[0]
    inside = s.activity.samples.loc[pause["start"] : pause["end"] - pd.Timedelta(seconds=1)]
    assert len(inside) == 0
    events = s.activity.events
    assert list(events["event_type"]) == ["start", "stop_all", "start", "stop_all"]
    assert events["time"].iloc[1] == pause["start"]
    assert events["time"].iloc[2] == pause["end"]
    # through a FIT file: the stop and start events survive, with no record between them
    data = write_fit(s.activity, timer_events="events")
    back = parse_fit(data)
    kinds = back.events[back.events["event"] == "timer"]
    assert list(kinds["event_type"]) == ["start", "stop_all", "start", "stop_all"]
    assert back.samples["timer_running"].all()


def test_new_sensor_setups() -> None:
    footpod = simulate_session(PLAN, sensors="watch_footpod").activity.samples
    assert {"lat_deg", "cadence_spm", "stride_length_m", "speed_mps"} <= set(footpod)
    gps_hr = simulate_session(PLAN, sensors="gps_hr").activity.samples
    assert "cadence_spm" not in gps_hr and "heart_rate_bpm" in gps_hr and "lat_deg" in gps_hr
    hr_only = simulate_session(PLAN, sensors="hr_only").activity.samples
    assert not {"lat_deg", "cadence_spm", "speed_mps", "distance_m"} & set(hr_only)


def test_device_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="recording"):
        DeviceSettings(recording="5hz")
    with pytest.raises(ValueError, match="pause_style"):
        DeviceSettings(pause_style="maybe")
    with pytest.raises(ValueError, match="distance_filter_m"):
        DeviceSettings(distance_filter_m=0)
