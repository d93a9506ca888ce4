"""Properties and edge cases of ``stridecheck.segment`` on small activities built inline."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.errors import EmptyActivityError, StrideCheckWarning
from stridecheck.segment import INTERVAL_COLUMNS, KINDS, METHODS, Segmentation, segment

START = pd.Timestamp("2026-03-01T08:00:00Z")
WALK_SPM, RUN_SPM = 112.0, 160.0
WALK_MPS, RUN_MPS = 1.4, 2.7


def make_activity(
    kinds: list[tuple[str, int]],
    *,
    step_s: float = 1.0,
    cadence: bool = True,
    speed: bool = True,
    heart_rate: bool = True,
    seed: int = 0,
    **columns: np.ndarray,
) -> tuple[Activity, np.ndarray]:
    """An activity from ``(kind, seconds)`` steps at a fixed sampling step, plus its labels."""
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.full(n, k, dtype=object) for k, n in kinds])
    labels = labels[:: max(1, round(step_s))]
    n = len(labels)
    level = {"walk": (WALK_SPM, WALK_MPS), "run": (RUN_SPM, RUN_MPS), "stop": (0.0, 0.0)}
    cad = np.array([level[k][0] for k in labels]) + rng.normal(0, 2, n)
    spd = np.array([level[k][1] for k in labels]) + rng.normal(0, 0.05, n)
    data: dict[str, np.ndarray] = {}
    if cadence:
        data["cadence_spm"] = np.maximum(cad, 0.0)
    if speed:
        data["speed_mps"] = np.maximum(spd, 0.0)
        step = np.zeros(n)
        step[1:] = np.maximum(spd, 0.0)[1:] * step_s
        data["distance_m"] = np.cumsum(step)
    if heart_rate:
        data["heart_rate_bpm"] = 100.0 + 40.0 * (labels == "run")
    data.update(columns)
    index = START + pd.to_timedelta(np.arange(n) * step_s, unit="s")
    samples = finalize_samples(pd.DataFrame(data, index=index))
    return Activity(samples=samples, meta=ActivityMeta(source_format="simulated")), labels


def quiet_segment(activity: Activity, method: str = "hmm", **params: float) -> Segmentation:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        return segment(activity, method=method, **params)


def assert_well_formed(seg: Segmentation, activity: Activity) -> None:
    """Labels cover the samples; intervals are contiguous, ordered and cover the activity."""
    assert len(seg.labels) == len(activity.samples)
    assert seg.labels.index.equals(activity.samples.index)
    assert set(seg.labels.unique()) <= set(KINDS)
    iv = seg.intervals
    assert list(iv.columns) == list(INTERVAL_COLUMNS)
    assert len(iv) >= 1
    assert set(iv["kind"]) <= set(KINDS)
    assert iv["start"].iloc[0] == activity.samples.index.min()
    assert iv["end"].iloc[-1] == activity.samples.index.max()
    assert (iv["start"].iloc[1:].to_numpy() == iv["end"].iloc[:-1].to_numpy()).all()
    assert (iv["duration_s"] >= 0).all()
    if len(iv) > 1:
        assert (iv["duration_s"] > 0).all()
        assert (iv["kind"].iloc[1:].to_numpy() != iv["kind"].iloc[:-1].to_numpy()).all()
    total = float(iv["duration_s"].sum())
    assert total == pytest.approx(activity.duration_s, abs=1e-6)
    conf = iv["confidence"].to_numpy(dtype=float)
    assert ((conf >= 0) & (conf <= 1)).all()


PLAN = [("walk", 120), ("run", 60), ("walk", 90), ("stop", 30), ("run", 15), ("walk", 60)]


@pytest.mark.parametrize("method", ["hmm", "threshold"])
def test_intervals_cover_and_follow_the_truth(method: str) -> None:
    activity, labels = make_activity(PLAN)
    seg = quiet_segment(activity, method)
    assert_well_formed(seg, activity)
    assert np.mean(seg.labels.to_numpy() == labels) > 0.97
    assert list(seg.intervals["kind"]) == ["walk", "run", "walk", "stop", "run", "walk"]


def test_deterministic() -> None:
    activity, _ = make_activity(PLAN)
    a = quiet_segment(activity)
    b = quiet_segment(activity)
    pd.testing.assert_series_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    assert a.methods_text == b.methods_text


@pytest.mark.parametrize("method", ["hmm", "threshold"])
def test_invariant_to_sample_order(method: str) -> None:
    activity, _ = make_activity(PLAN, seed=3)
    ordered = quiet_segment(activity, method)
    rng = np.random.default_rng(1)
    shuffled_samples = activity.samples.iloc[rng.permutation(len(activity.samples))]
    shuffled = Activity(samples=shuffled_samples, meta=activity.meta)
    result = quiet_segment(shuffled, method)
    assert result.labels.index.equals(shuffled_samples.index)
    pd.testing.assert_series_equal(result.labels.sort_index(), ordered.labels.sort_index())
    pd.testing.assert_frame_equal(result.intervals, ordered.intervals)


def test_fifteen_second_bout_survives_and_two_second_glitch_does_not() -> None:
    activity, _ = make_activity([("walk", 120), ("run", 15), ("walk", 120)])
    seg = quiet_segment(activity)
    runs = seg.intervals[seg.intervals["kind"] == "run"]
    assert len(runs) == 1
    assert runs["duration_s"].iloc[0] == pytest.approx(15, abs=2)

    glitch, _ = make_activity([("walk", 120), ("run", 2), ("walk", 120)])
    assert list(quiet_segment(glitch).intervals["kind"]) == ["walk"]
    # the baseline has no memory: it keeps the glitch
    assert "run" in set(quiet_segment(glitch, "threshold").intervals["kind"])


def test_all_walking_and_all_running() -> None:
    walk, _ = make_activity([("walk", 600)])
    assert list(quiet_segment(walk).intervals["kind"]) == ["walk"]
    run, _ = make_activity([("run", 600)])
    assert list(quiet_segment(run).intervals["kind"]) == ["run"]


def test_adapts_to_a_brisk_walker_and_a_shuffling_jogger() -> None:
    """Walking at 131 and jogging at 147 steps/min, both around the literature cut."""
    n = 600
    rng = np.random.default_rng(5)
    walker, _ = make_activity([("walk", n)], cadence_spm=131 + rng.normal(0, 1.5, n))
    walker_seg = quiet_segment(walker)
    assert list(walker_seg.intervals["kind"]) == ["walk"]
    jog_plan = [("walk", 120), ("run", 60)] * 4
    jog_cad = np.concatenate([np.full(120, 108.0), np.full(60, 147.0)] * 4)
    jogger, labels = make_activity(jog_plan, cadence_spm=jog_cad + rng.normal(0, 2, len(jog_cad)))
    jogger_seg = quiet_segment(jogger)
    assert np.mean(jogger_seg.labels.to_numpy() == labels) > 0.98
    assert jogger_seg.model is not None and jogger_seg.model.cadence is not None
    assert 120 < jogger_seg.model.cadence_boundary_spm() < 135


def test_two_minute_file() -> None:
    activity, _ = make_activity([("walk", 40), ("run", 30), ("walk", 30), ("run", 20)])
    seg = quiet_segment(activity)
    assert_well_formed(seg, activity)
    assert list(seg.intervals["kind"]) == ["walk", "run", "walk", "run"]


@pytest.mark.parametrize("method", ["hmm", "threshold"])
def test_single_sample(method: str) -> None:
    activity, _ = make_activity([("walk", 1)])
    seg = quiet_segment(activity, method)
    assert len(seg.labels) == 1
    assert len(seg.intervals) == 1
    assert seg.intervals["duration_s"].iloc[0] == 0.0
    assert seg.intervals["kind"].iloc[0] in KINDS


@pytest.mark.parametrize("method", ["hmm", "threshold"])
def test_no_speed_and_no_cadence_is_unknown_with_a_warning(method: str) -> None:
    activity, _ = make_activity(PLAN, cadence=False, speed=False)
    with pytest.warns(StrideCheckWarning, match="no speed, cadence"):
        seg = segment(activity, method=method)
    assert set(seg.labels) == {"unknown"}
    assert list(seg.intervals["kind"]) == ["unknown"]
    assert seg.intervals["confidence"].iloc[0] == 0.0
    assert any("no guess" in w for w in seg.warnings)


def test_empty_activity_is_an_input_error() -> None:
    activity, _ = make_activity([("walk", 10)])
    empty = Activity(samples=activity.samples.iloc[:0], meta=activity.meta)
    with pytest.raises(EmptyActivityError):
        segment(empty)


def test_method_dispatch() -> None:
    activity, _ = make_activity([("walk", 60), ("run", 60)])
    for alias, name in METHODS.items():
        assert quiet_segment(activity, alias.upper()).method == name
    with pytest.raises(ValueError, match="Must be one of") as info:
        segment(activity, method="kalman")
    assert "'hmm'" in str(info.value) and "'threshold'" in str(info.value)
    with pytest.raises(ValueError, match="unknown parameter"):
        segment(activity, method="hmm", nonsense=1.0)


def test_parameters_reach_the_methods_text() -> None:
    activity, _ = make_activity(PLAN)
    seg = quiet_segment(activity, run_walk_cost=12.5)
    assert seg.params["run_walk_cost"] == 12.5
    assert "12.5 nats" in seg.methods_text
    assert "Cadence clusters fitted to this activity" in seg.methods_text
    base = quiet_segment(activity, "threshold", cadence_cut_spm=140)
    assert "140 steps/min" in base.methods_text


def test_standing_still_is_stop_not_walk() -> None:
    activity, _ = make_activity([("walk", 60), ("stop", 40), ("walk", 60)])
    seg = quiet_segment(activity)
    assert list(seg.intervals["kind"]) == ["walk", "stop", "walk"]
    stop = seg.intervals[seg.intervals["kind"] == "stop"].iloc[0]
    assert stop["duration_s"] == pytest.approx(40, abs=2)
    assert np.isnan(stop["pace_s_per_km"])


def test_timer_pause_is_paused_and_gap_without_timer_info() -> None:
    activity, _ = make_activity([("walk", 300)])
    samples = activity.samples.copy()
    # the device stopped writing for 100 s, with the timer stopped at sample 99
    samples = samples[(samples["elapsed_s"] < 100) | (samples["elapsed_s"] >= 200)]
    samples.loc[samples.index[99], "timer_running"] = False
    paused = Activity(samples=samples, meta=activity.meta)
    seg = quiet_segment(paused)
    assert list(seg.intervals["kind"]) == ["walk", "paused", "walk"]
    assert seg.intervals["duration_s"].iloc[1] == pytest.approx(101, abs=1)

    # the same gap in a file without timer information, athlete moving: unknown
    moving = samples.copy()
    moving["timer_running"] = True
    seg = quiet_segment(Activity(samples=moving, meta=activity.meta))
    assert list(seg.intervals["kind"]) == ["walk", "unknown", "walk"]
    # ... and not moving across the gap (distance unchanged): a pause of the recording
    still = moving.copy()
    after = still["elapsed_s"] >= 200
    still.loc[after, "distance_m"] -= (
        still.loc[after, "distance_m"].iloc[0] - still.loc[~after, "distance_m"].iloc[-1]
    )
    seg = quiet_segment(Activity(samples=still, meta=activity.meta))
    assert list(seg.intervals["kind"]) == ["walk", "paused", "walk"]


def test_short_cadence_dropout_is_bridged() -> None:
    activity, _ = make_activity([("walk", 100), ("run", 80), ("walk", 100)])
    samples = activity.samples.copy()
    samples.iloc[120:140, list(samples.columns).index("cadence_spm")] = np.nan
    samples.iloc[150:160, list(samples.columns).index("cadence_spm")] = 0.0
    seg = quiet_segment(Activity(samples=samples, meta=activity.meta))
    assert list(seg.intervals["kind"]) == ["walk", "run", "walk"]


def test_long_stretch_without_data_is_unknown() -> None:
    activity, _ = make_activity([("walk", 100), ("run", 100), ("walk", 100)])
    samples = activity.samples.copy()
    samples.iloc[
        130:190, [list(samples.columns).index(c) for c in ("cadence_spm", "speed_mps")]
    ] = np.nan
    seg = quiet_segment(Activity(samples=samples, meta=activity.meta))
    assert "unknown" in set(seg.intervals["kind"])
    unknown = seg.intervals[seg.intervals["kind"] == "unknown"].iloc[0]
    assert unknown["duration_s"] == pytest.approx(60, abs=2)


def test_footpod_running_bit_is_evidence() -> None:
    """Speed alone is ambiguous at 2.0 m/s; the footpod's running bit decides."""
    n = 240
    truth = np.array(["walk"] * 120 + ["run"] * 120, dtype=object)
    speed = np.full(n, 2.0)
    bit = (truth == "run").astype(float)
    activity, _ = make_activity(
        [("walk", n)], cadence=False, speed=False, speed_mps=speed, rsc_running=bit
    )
    seg = quiet_segment(activity)
    assert np.mean(seg.labels.to_numpy() == truth) > 0.97
    assert "footpod walking/running bit" in seg.methods_text


def test_irregular_sampling() -> None:
    """Smart recording: samples 1-7 s apart, boundaries still within a few seconds."""
    rng = np.random.default_rng(2)
    activity, labels = make_activity(PLAN)
    keep = np.zeros(len(labels), dtype=bool)
    i = 0
    while i < len(keep):
        keep[i] = True
        i += int(rng.integers(1, 8))
    keep[-1] = True
    sparse = Activity(samples=activity.samples[keep], meta=activity.meta)
    seg = quiet_segment(sparse)
    assert_well_formed(seg, sparse)
    assert list(seg.intervals["kind"]) == ["walk", "run", "walk", "stop", "run", "walk"]
    truth_starts = np.cumsum([0] + [n for _, n in PLAN[:-1]])
    got = (seg.intervals["start"] - START).dt.total_seconds().to_numpy()
    assert np.max(np.abs(got - truth_starts)) <= 5


def test_to_dict_is_json_with_utc_times() -> None:
    activity, _ = make_activity(PLAN)
    seg = quiet_segment(activity)
    doc = seg.to_dict()
    text = json.dumps(doc, allow_nan=False)
    back = json.loads(text)
    assert set(back) >= {"intervals", "summary"}
    first = back["intervals"][0]
    assert set(first) == set(INTERVAL_COLUMNS)
    assert first["start"].endswith("+00:00")
    for a, b in zip(back["intervals"][:-1], back["intervals"][1:], strict=True):
        assert a["end"] == b["start"]
    summary = back["summary"]
    assert summary["run_bouts"] == 2
    assert summary["time_s"]["run"] == pytest.approx(75, abs=3)
    assert summary["method"] == "hmm"
    assert "methods_text" in summary


def test_label_at() -> None:
    activity, _ = make_activity([("walk", 60), ("run", 60)])
    seg = quiet_segment(activity)
    times = pd.DatetimeIndex([START + pd.Timedelta(seconds=s) for s in (-5, 10, 100, 500)])
    assert list(seg.label_at(times)) == ["unknown", "walk", "run", "unknown"]


kinds_strategy = st.lists(
    st.tuples(st.sampled_from(["walk", "run", "stop"]), st.integers(1, 90)),
    min_size=1,
    max_size=8,
)


@given(
    plan=kinds_strategy,
    step=st.sampled_from([1.0, 2.0, 5.0]),
    drop=st.floats(0.0, 0.5),
    pause=st.booleans(),
    seed=st.integers(0, 10_000),
    method=st.sampled_from(["hmm", "threshold"]),
)
def test_property_well_formed_on_random_activities(
    plan: list[tuple[str, int]], step: float, drop: float, pause: bool, seed: int, method: str
) -> None:
    activity, _ = make_activity(plan, step_s=step, seed=seed)
    samples = activity.samples.copy()
    rng = np.random.default_rng(seed)
    n = len(samples)
    for col in ("cadence_spm", "speed_mps"):
        holes = rng.random(n) < drop
        samples.loc[samples.index[holes], col] = np.nan
    if pause and n > 4:
        samples.loc[samples.index[n // 2], "timer_running"] = False
    activity = Activity(samples=samples, meta=activity.meta)
    seg = quiet_segment(activity, method)
    assert_well_formed(seg, activity)
    json.dumps(seg.to_dict(), allow_nan=False)


def test_top_level_api() -> None:
    import stridecheck

    activity, _ = make_activity([("walk", 60), ("run", 60)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        seg = stridecheck.segment(activity, method="hmm")
    assert isinstance(seg, stridecheck.Segmentation)
    assert list(seg.intervals["kind"]) == ["walk", "run"]


@pytest.mark.parametrize("device_kind", ["rwd_run", "rwd_walk"])
def test_device_splits_are_evidence_where_signals_are_missing(device_kind: str) -> None:
    """A 28 s cadence dropout is bridged from what surrounds it, unless the device says not."""
    activity, _ = make_activity(
        [("walk", 120), ("run", 120), ("walk", 120)], speed=False, heart_rate=False
    )
    samples = activity.samples.copy()
    # a dropout inside the walking (for rwd_run) or inside the running (for rwd_walk)
    first = 40 if device_kind == "rwd_run" else 160
    gap = slice(first, first + 28)
    samples.iloc[gap, list(samples.columns).index("cadence_spm")] = np.nan
    plain = quiet_segment(Activity(samples=samples, meta=activity.meta))
    around = "walk" if device_kind == "rwd_run" else "run"
    assert (plain.labels.iloc[gap] == around).all()
    splits = pd.DataFrame(
        {
            "split_type": [device_kind],
            "start": [samples.index[first]],
            "end": [samples.index[first + 28]],
            "duration_s": [28.0],
            "timer_s": [28.0],
            "distance_m": [np.nan],
            "avg_speed_mps": [np.nan],
        }
    )
    seg = quiet_segment(Activity(samples=samples, meta=activity.meta, device_splits=splits))
    expected = "run" if device_kind == "rwd_run" else "walk"
    assert (seg.labels.iloc[first + 2 : first + 26] == expected).all()
    assert "device run/walk splits" in seg.methods_text
