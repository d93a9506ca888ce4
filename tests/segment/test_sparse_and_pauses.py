"""Sparse fixes and timer pauses without records, on simulated truth (issue #13)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from stridecheck.activity import Activity
from stridecheck.io.fit import parse_fit
from stridecheck.io.fit_write import write_fit
from stridecheck.segment import segment
from stridecheck.segment.features import extract_evidence
from stridecheck.simulate import DeviceSettings, SimulatedSession, simulate_session

PLAN = [("walk", 240.0)] + [("run", 60.0), ("walk", 90.0)] * 6 + [("walk", 180.0)]


def _labels(activity: Activity, session: SimulatedSession) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment(activity)
    return seg.label_at(pd.DatetimeIndex(session.truth_1hz.index)).to_numpy(dtype=object)


def _accuracy(activity: Activity, session: SimulatedSession) -> float:
    return float(np.mean(_labels(activity, session) == session.truth_1hz.to_numpy(dtype=object)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gpx_thinned_to_every_third_fix_is_still_segmented(seed: int) -> None:
    session = simulate_session(PLAN, sensors="phone_gpx", random_state=seed)
    full = session.activity
    samples = full.samples.iloc[::3].drop(columns=["speed_mps", "distance_m"])
    thinned = dataclasses.replace(full, samples=samples)
    labels = _labels(thinned, session)
    assert np.mean(labels == "unknown") < 0.01
    assert _accuracy(thinned, session) >= 0.93
    assert _accuracy(thinned, session) >= _accuracy(full, session) - 0.03


@pytest.mark.parametrize("filter_m", [3.0, 5.0])
def test_distance_filtered_phone_track(filter_m: float) -> None:
    device = DeviceSettings(recording="distance", distance_filter_m=filter_m, gps_sd_m=2.0)
    session = simulate_session(PLAN, sensors="phone_gpx", device=device, random_state=4)
    gaps = np.diff(session.activity.samples.index.asi8) / 1e9
    assert np.median(gaps) >= 2.0
    labels = _labels(session.activity, session)
    assert np.mean(labels == "unknown") < 0.02
    assert _accuracy(session.activity, session) >= 0.93


@pytest.mark.parametrize("recording", ["1hz", "smart"])
@pytest.mark.parametrize("seed", [5, 6])
def test_timer_pause_without_records_is_paused(recording: str, seed: int) -> None:
    device = DeviceSettings(recording=recording, pause_style="no_records")
    session = simulate_session(
        PLAN,
        sensors="watch",
        deviations={"timer_pause": {"count": 2, "min_s": 40, "max_s": 150}},
        device=device,
        random_state=seed,
    )
    fit = parse_fit(write_fit(session.activity, timer_events="events"))
    # the file holds no record inside a pause: only the stop and start events show it
    assert fit.samples["timer_running"].all()
    truth = session.truth_1hz.to_numpy(dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment(fit)
    labels = seg.label_at(pd.DatetimeIndex(session.truth_1hz.index)).to_numpy(dtype=object)
    paused = truth == "paused"
    assert paused.sum() >= 80
    assert (labels[paused] == "paused").all()
    assert not (labels[~paused] == "paused").any()
    iv = seg.intervals
    pauses = iv[iv["kind"] == "paused"]
    assert len(pauses) == 2
    assert (pauses["distance_m"] == 0).all()
    # no distance charged across the pause: the walk/run distance adds up to the watch's
    moving = iv[iv["kind"].isin(["walk", "run", "stop"])]["distance_m"].sum()
    assert moving == pytest.approx(fit.samples["distance_m"].iloc[-1], rel=0.01)


@pytest.mark.parametrize("seed", [1, 2])
def test_standing_still_behind_a_distance_filter_is_a_stop(seed: int) -> None:
    # the phone writes no fix while its user stands at a crossing: a stop, not a pause
    device = DeviceSettings(recording="distance", distance_filter_m=4.0, gps_sd_m=1.5)
    session = simulate_session(
        PLAN,
        sensors="phone_gpx",
        deviations={"traffic_stops": {"count": 3, "min_s": 40, "max_s": 60}},
        device=device,
        random_state=seed,
    )
    labels = _labels(session.activity, session)
    stop = session.truth_1hz.to_numpy(dtype=object) == "stop"
    assert np.mean(labels[stop] == "stop") >= 0.6
    assert not (labels == "paused").any()
    # an unfiltered 1 Hz track with the same stops is not taken as distance-filtered
    plain = simulate_session(PLAN, sensors="phone_gpx", random_state=seed)
    assert not extract_evidence(plain.activity).distance_filtered
    assert extract_evidence(session.activity).distance_filtered
