"""Known-truth checks of the run-walk session simulator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stridecheck
from conftest import assert_canonical, read_manifest
from stridecheck.simulate import (
    ATHLETES,
    DEVIATIONS,
    SENSORS,
    AthleteProfile,
    parse_duration,
    sample_data,
    simulate_session,
    truth_csv_path,
    write_session,
)
from stridecheck.simulate.motion import run_lengths

#: Week-1 style plan: warm-up, 10 x (run 0:15 / walk 0:45), cool-down (20 min).
PLAN_15 = [("walk", "5:00"), *[("run", "0:15"), ("walk", "0:45")] * 10, ("walk", "5:00")]
#: Later plan: warm-up, 6 x (run 1:00 / walk 1:00), cool-down (22 min).
PLAN_60 = [("walk", "5:00"), *[("run", 60), ("walk", 60)] * 6, ("walk", "5:00")]


def merged(plan: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Adjacent plan steps of the same kind merged, as truth intervals show them."""
    out: list[tuple[str, float]] = []
    for kind, seconds in plan:
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + seconds)
        else:
            out.append((kind, seconds))
    return out


def seconds_of(session: object, label: str) -> int:
    return int((session.truth_1hz == label).sum())  # type: ignore[attr-defined]


# --- parse_duration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0:15", 15.0),
        ("5:00", 300.0),
        ("1:02:30", 3750.0),
        ("90", 90.0),
        ("90s", 90.0),
        (" 2:30 ", 150.0),
        (45, 45.0),
        (12.5, 12.5),
        ("0:07.5", 7.5),
    ],
)
def test_parse_duration(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "abc", "1:75", "-5", "1:2:3:4", float("nan"), -1.0, True])
def test_parse_duration_rejects(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)  # type: ignore[arg-type]


# --- the contract -------------------------------------------------------------------------


@pytest.mark.parametrize("sensors", SENSORS)
def test_as_prescribed_truth_covers_session_and_matches_plan(sensors: str) -> None:
    s = simulate_session(PLAN_15, sensors=sensors)
    assert_canonical(s.activity)
    assert s.activity.meta.source_format == "simulated"
    assert s.condition == f"{sensors}/typical/as_prescribed"
    # truth_1hz: one label per second, from the first sample to the plan's end
    total = sum(parse_duration(d) for _, d in PLAN_15)
    assert len(s.truth_1hz) == total
    assert s.truth_1hz.index[0] == s.activity.start_time
    assert (s.truth_1hz.index.to_series().diff().iloc[1:] == pd.Timedelta(seconds=1)).all()
    assert str(s.truth_1hz.index.tz) == "UTC"
    assert set(s.truth_1hz) <= {"walk", "run"}
    # truth per sample has the samples' index
    assert s.truth.index.equals(s.activity.samples.index)
    assert (s.truth == s.truth_1hz.reindex(s.truth.index)).all()
    # intervals: contiguous, covering, equal to the plan within a second
    iv = s.truth_intervals
    assert list(iv.columns) == ["kind", "start", "end", "duration_s"]
    assert iv["start"].iloc[0] == s.truth_1hz.index[0]
    assert (iv["start"].iloc[1:].to_numpy() == iv["end"].iloc[:-1].to_numpy()).all()
    assert iv["duration_s"].sum() == total
    expected = merged([(k, parse_duration(d)) for k, d in PLAN_15])
    assert [k for k, _ in expected] == list(iv["kind"])
    assert np.allclose([d for _, d in expected], iv["duration_s"], atol=1.0)
    assert s.plan == [(k, parse_duration(d)) for k, d in PLAN_15]
    assert merged(s.performed) == s.performed == expected


def test_performed_matches_intervals() -> None:
    s = simulate_session(PLAN_60, deviations=["traffic_stops", "timer_pause", "late_start"])
    assert s.performed == list(
        zip(s.truth_intervals["kind"], s.truth_intervals["duration_s"], strict=True)
    )
    assert sum(d for _, d in s.performed) == len(s.truth_1hz)


def test_short_bouts_of_fifteen_seconds_are_kept() -> None:
    s = simulate_session([("walk", 30), *[("run", 15), ("walk", 15)] * 8], sensors="watch")
    runs = s.truth_intervals[s.truth_intervals["kind"] == "run"]
    assert len(runs) == 8
    assert (runs["duration_s"] == 15).all()
    # the run is visible in the data: cadence of every 15 s run bout passes 140 spm
    for row in runs.itertuples():
        part = s.activity.samples.loc[row.start : row.end - pd.Timedelta(seconds=1)]
        assert part["cadence_spm"].max() > 140


def test_determinism_and_seed_dependence() -> None:
    a = simulate_session(PLAN_15, sensors="watch_smart", deviations=["traffic_stops"])
    b = simulate_session(PLAN_15, sensors="watch_smart", deviations=["traffic_stops"])
    c = simulate_session(
        PLAN_15, sensors="watch_smart", deviations=["traffic_stops"], random_state=43
    )
    pd.testing.assert_frame_equal(a.activity.samples, b.activity.samples)
    pd.testing.assert_series_equal(a.truth_1hz, b.truth_1hz)
    assert a.performed == b.performed
    assert not a.activity.samples.index.equals(c.activity.samples.index)


def test_start_time() -> None:
    s = simulate_session(PLAN_15, start="2026-03-02T18:30:00+01:00")
    assert s.activity.start_time == pd.Timestamp("2026-03-02T17:30:00Z")
    s = simulate_session(PLAN_15, start=dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    assert s.truth_1hz.index[0] == pd.Timestamp("2026-03-02T06:00:00Z")
    with pytest.raises(ValueError, match="timezone-aware"):
        simulate_session(PLAN_15, start=dt.datetime(2026, 3, 2, 6, 0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"plan": []}, "at least one"),
        ({"plan": [("swim", 60)]}, "swim"),
        ({"plan": [("run", 0)]}, "> 0"),
        ({"plan": [("run", "1:xx")]}, "duration"),
        ({"athlete": "usain"}, "typical"),
        ({"sensors": "smartwatch"}, "watch_smart"),
        ({"deviations": ["napped"]}, "traffic_stops"),
        ({"deviations": {"traffic_stops": {"colour": 1}}}, "colour"),
    ],
)
def test_bad_arguments_say_what_is_valid(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"plan": PLAN_15, **kwargs}
    with pytest.raises(ValueError, match=match):
        simulate_session(**args)  # type: ignore[arg-type]


def test_athlete_profile_validation() -> None:
    base = ATHLETES["typical"]
    with pytest.raises(ValueError, match="run_speed_mps > walk_speed_mps"):
        AthleteProfile(**{**base.__dict__, "run_speed_mps": 1.0})
    custom = AthleteProfile(**{**base.__dict__, "name": "custom", "run_speed_mps": 3.0})
    s = simulate_session(PLAN_60, athlete=custom)
    assert s.condition == "watch/custom/as_prescribed"


# --- deviations produce the expected truth -----------------------------------------------


def test_every_deviation_is_known_and_runs() -> None:
    s = simulate_session(PLAN_60, deviations=list(DEVIATIONS))
    assert s.condition.endswith("+".join(DEVIATIONS))
    assert set(s.truth_1hz) <= {"walk", "run", "stop", "paused"}


def test_skipped_runs() -> None:
    plan_run = 6 * 60
    s = simulate_session(PLAN_60, deviations=["skipped_runs"])
    n_runs = (s.truth_intervals["kind"] == "run").sum()
    assert n_runs < 6
    assert seconds_of(s, "run") == n_runs * 60 < plan_run
    assert len(s.truth_1hz) == 22 * 60


def test_cut_short() -> None:
    s = simulate_session(PLAN_60, deviations={"cut_short": {"fraction": 1.0}})
    runs = s.truth_intervals[s.truth_intervals["kind"] == "run"]
    assert len(runs) == 6
    assert (runs["duration_s"] < 60).all()
    assert (runs["duration_s"] >= 0.35 * 60 - 1).all()
    assert len(s.truth_1hz) == 22 * 60


def test_ran_through_walks() -> None:
    s = simulate_session(PLAN_60, deviations=["ran_through_walks"])
    runs = s.truth_intervals[s.truth_intervals["kind"] == "run"]
    assert runs["duration_s"].max() >= 180  # run, walk break run through, run
    assert seconds_of(s, "run") > 6 * 60
    every = simulate_session(PLAN_60, deviations={"ran_through_walks": {"fraction": 1.0}})
    assert list(every.truth_intervals["kind"]) == ["walk", "run", "walk"]
    assert every.truth_intervals["duration_s"].tolist() == [300, 11 * 60, 360]


def test_walked_everything() -> None:
    s = simulate_session(PLAN_60, athlete="slow_jogger", deviations=["walked_everything"])
    assert list(s.truth_intervals["kind"]) == ["walk"]
    assert s.activity.samples["cadence_spm"].quantile(0.99) < 130


def test_late_start() -> None:
    s = simulate_session(PLAN_60, deviations=["late_start"])
    first = s.truth_intervals.iloc[0]
    assert first["kind"] == "stop"
    assert 60 <= first["duration_s"] <= 240
    assert len(s.truth_1hz) == 22 * 60 + first["duration_s"]
    standing = s.activity.samples.loc[: first["end"] - pd.Timedelta(seconds=1)]
    assert standing["speed_mps"].iloc[3:].max() < 0.3
    assert (standing["cadence_spm"] == 0).all()


def test_traffic_stops_are_standing_still() -> None:
    s = simulate_session(PLAN_60, deviations={"traffic_stops": {"count": 3}})
    stops = s.truth_intervals[s.truth_intervals["kind"] == "stop"]
    assert len(stops) == 3
    assert stops["duration_s"].between(10, 60).all()
    assert len(s.truth_1hz) == 22 * 60  # the interval timer keeps running
    samples = s.activity.samples
    for row in stops.itertuples():
        # after 3 s of slowing down the person stands: speed ~0, cadence 0
        still = samples.loc[row.start + pd.Timedelta(seconds=3) : row.end - pd.Timedelta(1, "s")]
        assert still["speed_mps"].max() < 0.3
        assert (still["cadence_spm"] == 0).all()


def test_stopped_halfway() -> None:
    s = simulate_session(PLAN_60, deviations=["stopped_halfway"])
    assert 0.4 * 22 * 60 - 1 <= len(s.truth_1hz) <= 0.6 * 22 * 60 + 1
    assert s.activity.end_time == s.truth_1hz.index[-1]


@pytest.mark.parametrize("sensors", ["watch", "watch_smart", "treadmill_footpod"])
def test_timer_pause(sensors: str) -> None:
    s = simulate_session(PLAN_60, sensors=sensors, deviations=["timer_pause"])
    pauses = s.truth_intervals[s.truth_intervals["kind"] == "paused"]
    assert len(pauses) == 1
    pause = pauses.iloc[0]
    assert 30 <= pause["duration_s"] <= 180
    samples = s.activity.samples
    inside = samples.loc[pause["start"] : pause["end"] - pd.Timedelta(seconds=1)]
    # one sample when the timer stops, flagged, then nothing until it runs again
    assert len(inside) == 1
    assert not inside["timer_running"].iloc[0]
    assert s.truth.loc[inside.index[0]] == "paused"
    assert samples["timer_running"].sum() == len(samples) - 1
    events = s.activity.events
    assert list(events["event_type"]) == ["start", "stop_all", "start", "stop_all"]
    # the plan's clock stops too: every prescribed second is still done
    assert len(s.truth_1hz) - pause["duration_s"] == 22 * 60
    assert s.activity.timer_s == pytest.approx(22 * 60 - 1, abs=8)


def test_timer_pause_on_a_phone_is_a_gap() -> None:
    s = simulate_session(PLAN_60, sensors="phone_gpx", deviations=["timer_pause"])
    pause = s.truth_intervals[s.truth_intervals["kind"] == "paused"].iloc[0]
    samples = s.activity.samples
    assert len(samples.loc[pause["start"] : pause["end"] - pd.Timedelta(seconds=1)]) == 0
    assert samples["timer_running"].all()
    assert "paused" not in set(s.truth)


# --- sensors -------------------------------------------------------------------------


def test_watch_fields_and_realism() -> None:
    s = simulate_session(PLAN_60, sensors="watch")
    smp = s.activity.samples
    assert s.activity.fields_present() == [
        "elapsed_s",
        "distance_m",
        "speed_mps",
        "lat_deg",
        "lon_deg",
        "altitude_m",
        "heart_rate_bpm",
        "cadence_spm",
        "timer_running",
    ]
    assert (np.diff(smp["elapsed_s"]) == 1).all()
    # watch distance under-reads the true distance a little (about 2 %)
    true_m = (600 + 360) * 1.45 + 360 * 2.6  # typical athlete: walk and run speeds
    assert 0.9 * true_m < s.activity.distance_m < 1.03 * true_m
    assert np.diff(smp["distance_m"]).min() >= 0
    # altitude is gentle
    assert smp["altitude_m"].max() - smp["altitude_m"].min() < 15
    # transitions take 2-4 s: no jump of more than 1 m/s between consecutive seconds
    assert np.abs(np.diff(smp["speed_mps"])).max() < 1.0


def test_heart_rate_lags_behind_speed() -> None:
    s = simulate_session([("walk", 300), ("run", 300), ("walk", 300)], random_state=1)
    hr = s.activity.samples["heart_rate_bpm"]
    t_run = s.truth_intervals.iloc[1]["start"]
    before = hr.loc[t_run - pd.Timedelta(seconds=10) : t_run].mean()
    after_10 = hr.loc[t_run + pd.Timedelta(seconds=8) : t_run + pd.Timedelta(seconds=12)].mean()
    after_120 = hr.loc[t_run + pd.Timedelta(seconds=115) : t_run + pd.Timedelta(seconds=125)]
    assert after_10 - before < 0.5 * (after_120.mean() - before)
    assert after_120.mean() - before > 25
    assert hr.between(40, 210).all()
    assert (hr == hr.round()).all()


def test_smart_recording_has_irregular_intervals_of_1_to_7_s() -> None:
    s = simulate_session(PLAN_60, sensors="watch_smart")
    steps = np.diff(s.activity.samples["elapsed_s"].to_numpy())
    assert steps.min() >= 1
    assert steps.max() <= 7
    assert len(set(steps.tolist())) >= 5
    assert 2.0 < steps.mean() < 5.0


def test_wrist_dropouts_lose_cadence_for_stretches() -> None:
    s = simulate_session(PLAN_60, sensors="wrist_dropouts")
    cad = s.activity.samples["cadence_spm"]
    moving = s.truth.isin(["walk", "run"])
    assert cad.isna().sum() >= 15
    assert ((cad == 0) & moving).sum() >= 15
    # stretches, not single samples
    runs = run_lengths(cad.isna().to_numpy())
    assert max(n for v, _, n in runs if v == "True") >= 15


def test_phone_gpx_has_positions_only() -> None:
    s = simulate_session(PLAN_60, sensors="phone_gpx")
    smp = s.activity.samples
    assert "cadence_spm" not in smp
    assert "heart_rate_bpm" not in smp
    assert {"lat_deg", "lon_deg", "altitude_m"} <= set(smp.columns)
    assert s.activity.meta.speed_derived  # distance and speed come from positions
    steps = np.diff(smp["elapsed_s"].to_numpy())
    assert steps.max() >= 4  # GPS gaps of several seconds
    assert len(s.truth_1hz) > len(smp)


def test_treadmill_footpod_has_no_positions() -> None:
    s = simulate_session(PLAN_60, sensors="treadmill_footpod")
    smp = s.activity.samples
    assert "lat_deg" not in smp
    assert "lon_deg" not in smp
    assert {"speed_mps", "distance_m", "cadence_spm", "heart_rate_bpm", "stride_length_m"} <= set(
        smp.columns
    )
    assert s.activity.meta.sub_sport == "treadmill"
    run = smp[s.truth == "run"]
    stride = run["stride_length_m"].median()
    assert stride == pytest.approx(2.6 / (158 / 60), rel=0.1)


# --- athletes --------------------------------------------------------------------------


def steady(s: object, label: str, column: str) -> pd.Series:
    """Values of a column during a label, skipping each bout's first 5 s of transition."""
    smp = s.activity.samples  # type: ignore[attr-defined]
    keep = []
    for row in s.truth_intervals.itertuples():  # type: ignore[attr-defined]
        if row.kind == label:
            keep.append(
                smp.loc[
                    row.start + pd.Timedelta(seconds=5) : row.end - pd.Timedelta(seconds=1), column
                ]
            )
    return pd.concat(keep)


@pytest.mark.parametrize(
    ("athlete", "walk_speed", "run_speed", "walk_cadence", "run_cadence"),
    [
        ("typical", (1.3, 1.6), (2.3, 2.9), (104, 120), (150, 166)),
        ("slow_jogger", (1.2, 1.5), (1.9, 2.2), (100, 116), (142, 152)),
        ("brisk_walker", (1.78, 1.92), (2.4, 3.0), (127, 135), (154, 170)),
        ("fit_runner", (1.4, 1.7), (3.0, 3.8), (108, 124), (164, 180)),
    ],
)
def test_athlete_speed_and_cadence_in_range(
    athlete: str,
    walk_speed: tuple[float, float],
    run_speed: tuple[float, float],
    walk_cadence: tuple[float, float],
    run_cadence: tuple[float, float],
) -> None:
    s = simulate_session(PLAN_60, athlete=athlete, random_state=3)
    for label, speed, cadence in (
        ("walk", walk_speed, walk_cadence),
        ("run", run_speed, run_cadence),
    ):
        assert speed[0] < steady(s, label, "speed_mps").median() < speed[1], label
        assert cadence[0] < steady(s, label, "cadence_spm").median() < cadence[1], label


def test_slow_jogger_speed_overlaps_brisk_walker_but_cadence_does_not() -> None:
    jog = steady(simulate_session(PLAN_60, athlete="slow_jogger"), "run", "speed_mps")
    walk = steady(simulate_session(PLAN_60, athlete="brisk_walker"), "walk", "speed_mps")
    assert abs(jog.median() - walk.median()) < 0.35
    jog_c = steady(simulate_session(PLAN_60, athlete="slow_jogger"), "run", "cadence_spm")
    walk_c = steady(simulate_session(PLAN_60, athlete="brisk_walker"), "walk", "cadence_spm")
    assert jog_c.median() - walk_c.median() > 10


# --- write_session and the committed sample data -------------------------------------


@pytest.mark.parametrize("fmt", ["fit", "gpx"])
def test_write_session_writes_file_and_truth(tmp_path: Path, fmt: str) -> None:
    sensors = "watch" if fmt == "fit" else "phone_gpx"
    s = simulate_session(PLAN_15, sensors=sensors, deviations=["traffic_stops"])
    path = write_session(s, tmp_path / f"x.{fmt}", fmt=fmt)
    assert path == tmp_path / f"x.{fmt}"
    assert truth_csv_path(path) == tmp_path / "x.truth.csv"
    truth = pd.read_csv(truth_csv_path(path))
    assert list(truth.columns) == ["time", "label"]
    assert len(truth) == len(s.truth_1hz)
    assert (pd.to_datetime(truth["time"], utc=True) == s.truth_1hz.index).all()
    assert (truth["label"].to_numpy() == s.truth_1hz.to_numpy()).all()
    back = stridecheck.read(path, errors="raise")
    assert back.samples.index.equals(s.activity.samples.index)
    if fmt == "gpx":  # a phone's GPX holds positions and time only
        assert "cadence_spm" not in back.samples
        assert back.meta.speed_derived
    with pytest.raises(ValueError, match="fit"):
        write_session(s, tmp_path / "x.tcx", fmt="tcx")


def test_sample_data_manifest_is_reproduced(sample_data_dir: Path) -> None:
    committed = read_manifest(sample_data_dir / "manifest.csv")
    assert committed == sample_data.manifest_rows()
    # the program of the sample data: 3 weeks x 3 sessions x 2 athletes, one missed
    assert len(committed) == 18
    assert sum(1 for r in committed if r["deviations"] == "missed") == 1
    for deviation in ("cut_short", "ran_through_walks", "traffic_stops"):
        assert any(deviation in r["deviations"] for r in committed)
    assert {r["sensors"] for r in committed} >= {"watch", "phone_gpx", "treadmill_footpod"}
    size = sum(p.stat().st_size for p in sample_data_dir.rglob("*") if p.is_file())
    assert size < 5_000_000


@pytest.mark.parametrize("session_id", ["athlete_a/W1S3", "athlete_b/W1S2", "athlete_b/W2S2"])
def test_sample_data_files_are_reproduced(
    tmp_path: Path, sample_data_dir: Path, session_id: str
) -> None:
    (sess,) = [s for s in sample_data.SESSIONS if f"{s.athlete}/{s.session_id}" == session_id]
    path = sample_data.write_activity(sess, tmp_path)
    rel = path.relative_to(tmp_path)
    assert path.read_bytes() == (sample_data_dir / rel).read_bytes()
    truth = truth_csv_path(path)
    assert truth.read_bytes() == (sample_data_dir / truth.relative_to(tmp_path)).read_bytes()


def test_sample_data_files_read_and_match_their_truth(sample_data_dir: Path) -> None:
    for row in read_manifest(sample_data_dir / "manifest.csv"):
        if not row["file"]:
            continue
        activity = stridecheck.read(sample_data_dir / row["file"], errors="raise")
        truth = pd.read_csv(sample_data_dir / row["truth_file"])
        times = pd.to_datetime(truth["time"], utc=True)
        assert times.iloc[0] == activity.start_time == pd.Timestamp(row["start_time"])
        assert times.iloc[-1] == activity.end_time, row["file"]
        assert set(truth["label"]) <= {"walk", "run", "stop", "paused"}
        if row["deviations"] == "as_prescribed":
            assert set(truth["label"]) == {"walk", "run"}


def test_deviations_fit_short_sessions() -> None:
    short = [("walk", 40), ("run", 15), ("walk", 45), ("run", 15), ("walk", 40)]
    s = simulate_session(short, deviations={"traffic_stops": {"count": 1}})
    stops = s.truth_intervals[s.truth_intervals["kind"] == "stop"]
    assert len(stops) == 1
    assert len(s.truth_1hz) == 155
    none = simulate_session(short, deviations={"skipped_runs": {"fraction": 0}})
    assert seconds_of(none, "run") == 30
