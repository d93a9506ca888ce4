"""Plausible sample times: clocks dated 2085, before 1990 or jumping years are cut, and the
per-second stages refuse spans they cannot hold instead of exhausting memory."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stridecheck
from stridecheck.activity import Activity, ActivityMeta
from stridecheck.compliance.timeline import MAX_TIMELINE_S, build_timeline
from stridecheck.errors import (
    ActivityTooLongError,
    EmptyActivityError,
    InputError,
    StrideCheckError,
    StrideCheckWarning,
)
from stridecheck.io.fit_write import write_fit
from stridecheck.io.gpx_write import write_gpx
from stridecheck.io.plausible import MAX_GAP, MAX_SPAN, plausible_time_mask
from stridecheck.simulate import simulate_session

START = "2024-05-04T07:00:00Z"


def _simulated() -> Activity:
    from stridecheck.programs import load_program

    plan = load_program("asteroid-12wk").sessions[0].to_plan()
    return simulate_session(plan, start=START, random_state=3).activity


def _with_times(activity: Activity, index: pd.DatetimeIndex) -> Activity:
    samples = activity.samples.copy()
    samples.index = index
    samples.index.name = "time"
    return Activity(samples=samples, meta=ActivityMeta(source_format="fit", sport="running"))


def _last_sample_at(activity: Activity, when: str) -> Activity:
    index = activity.samples.index.tolist()
    index[-1] = pd.Timestamp(when)
    return _with_times(activity, pd.DatetimeIndex(index))


@pytest.fixture(scope="module")
def sim() -> Activity:
    return _simulated()


def test_fit_whose_last_record_is_in_2085_is_cut_with_a_warning_naming_the_file(
    tmp_path: Path, sim: Activity
) -> None:
    path = tmp_path / "strava-android.fit"
    write_fit(_last_sample_at(sim, "2085-01-01T00:00:00Z"), path)
    with pytest.warns(StrideCheckWarning) as caught:
        activity = stridecheck.read(path)
    assert activity.end_time < pd.Timestamp("2025-01-01", tz="UTC")
    assert len(activity.samples) == len(sim.samples) - 1
    assert activity.duration_s < 3 * 3600
    message = next(str(w.message) for w in caught if "future" in str(w.message))
    assert message.startswith(str(path)) and message.count(str(path)) == 1
    assert "2085-01-01" in message
    assert any("future" in w for w in activity.meta.warnings)
    with pytest.raises(InputError, match="future"):
        stridecheck.read(path, errors="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = stridecheck.read(path, errors="ignore")
    assert len(quiet.samples) == len(activity.samples)


def test_the_2085_file_goes_through_the_whole_product(tmp_path: Path, sim: Activity) -> None:
    """Imported for an enrolled athlete, then reported: no 15 GiB timeline."""
    from stridecheck.importer import import_paths
    from stridecheck.programs import load_program
    from stridecheck.report import athlete_data_from_store, render_report
    from stridecheck.store import Store

    path = tmp_path / "late.fit"
    write_fit(_last_sample_at(sim, "2085-01-01T00:00:00Z"), path)
    with Store.open(tmp_path / "s.db") as store:
        store.enroll("ana", load_program("asteroid-12wk"), dt.date(2024, 4, 29))
        summary = import_paths(store, [path], "ana")
        assert summary.imported and not summary.rejected
        data = athlete_data_from_store(store, "ana")
    assert render_report([data], tmp_path / "r.html").is_file()


def test_samples_before_1990_are_cut(tmp_path: Path, sim: Activity) -> None:
    index = sim.samples.index.tolist()
    index[0] = pd.Timestamp("1989-12-31T00:00:05Z")  # FIT's epoch: a device without a clock
    path = tmp_path / "early.gpx"
    write_gpx(_with_times(sim, pd.DatetimeIndex(index)), path)
    with pytest.warns(StrideCheckWarning, match="before 1990"):
        activity = stridecheck.read(path)
    assert activity.start_time == sim.samples.index[1]
    assert activity.samples["elapsed_s"].iloc[0] == 0.0


def test_a_jump_of_years_keeps_the_longest_stretch(tmp_path: Path, sim: Activity) -> None:
    index = sim.samples.index.tolist()
    head = len(index) // 4
    index[:head] = [t - pd.Timedelta(days=3 * 365) for t in index[:head]]
    path = tmp_path / "jump.gpx"
    write_gpx(_with_times(sim, pd.DatetimeIndex(index)), path)
    with pytest.warns(StrideCheckWarning, match="jump of more than"):
        activity = stridecheck.read(path)
    assert len(activity.samples) == len(index) - head
    assert activity.duration_s < 2 * 3600


def test_nothing_plausible_is_an_empty_activity(tmp_path: Path, sim: Activity) -> None:
    late = pd.DatetimeIndex(sim.samples.index + pd.Timedelta(days=365 * 70))
    path = tmp_path / "all-late.fit"
    write_fit(_with_times(sim, late), path)
    with pytest.raises(EmptyActivityError, match="no sample has a plausible time"):
        stridecheck.read(path)


def test_mask_rules() -> None:
    now = pd.Timestamp("2026-01-01T00:00:00Z")
    base = pd.Timestamp("2025-06-01T00:00:00Z")
    ok = pd.DatetimeIndex([base + pd.Timedelta(seconds=i) for i in range(10)])
    assert plausible_time_mask(ok, path=None, policy="ignore", sink=None, now=now) is None
    # the longer of two stretches wins, whichever comes first
    far = ok[:3].append(ok + MAX_GAP + pd.Timedelta(minutes=1))
    sink: list[str] = []
    keep = plausible_time_mask(far, path="x.fit", policy="ignore", sink=sink, now=now)
    assert keep is not None and keep.tolist() == [False] * 3 + [True] * 10
    assert sink and sink[0].startswith("x.fit: 3 samples")
    # a clock creeping on in steps under the jump limit is still held to MAX_SPAN
    steps = pd.DatetimeIndex([base + i * (MAX_GAP - pd.Timedelta(hours=1)) for i in range(10)])
    keep = plausible_time_mask(steps, path=None, policy="ignore", sink=[], now=now)
    assert keep is not None
    assert steps[keep].max() - steps[keep].min() <= MAX_SPAN


def test_compliance_timeline_refuses_a_span_it_cannot_hold(sim: Activity) -> None:
    start = pd.Timestamp(START)
    intervals = pd.DataFrame(
        {
            "kind": ["walk", "run"],
            "start": [start, start + pd.Timedelta(hours=1)],
            "end": [
                start + pd.Timedelta(hours=1),
                start + pd.Timedelta(seconds=MAX_TIMELINE_S + 1),
            ],
        }
    )
    with pytest.raises(ActivityTooLongError, match="per-second compliance timeline"):
        build_timeline(intervals)
    assert issubclass(ActivityTooLongError, StrideCheckError)
    huge = intervals.assign(end=[intervals["end"][0], start + pd.Timedelta(days=365 * 60)])
    with pytest.raises(ActivityTooLongError):
        build_timeline(huge)
    fine = intervals.assign(end=[intervals["end"][0], start + pd.Timedelta(hours=2)])
    assert len(build_timeline(fine).kinds) == 7200


def test_a_long_but_plausible_recording_is_refused_by_compliance_not_by_memory(
    tmp_path: Path, sim: Activity
) -> None:
    """Three days of samples an hour apart: read whole, refused cleanly when scored."""
    from stridecheck.pipeline import analyse_activity
    from stridecheck.programs import load_program

    n = 72
    index = pd.date_range(START, periods=n, freq="1h")
    samples = sim.samples.iloc[:n].copy()
    samples.index = index
    samples.index.name = "time"
    activity = Activity(samples=samples, meta=ActivityMeta(source_format="fit", sport="running"))
    path = tmp_path / "three-days.fit"
    write_fit(activity, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        read_back = stridecheck.read(path)
    assert np.isclose(read_back.duration_s, (n - 1) * 3600)
    with pytest.raises(StrideCheckError):
        analyse_activity(read_back, load_program("asteroid-12wk"))


def test_cli_warning_lines_name_the_file_once(tmp_path: Path, sim: Activity) -> None:
    from typer.testing import CliRunner

    from stridecheck.cli import app

    path = tmp_path / "late.fit"
    write_fit(_last_sample_at(sim, "2085-01-01T00:00:00Z"), path)
    result = CliRunner().invoke(app, ["analyze", str(path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "warning:" in line]
    assert any("future" in line for line in lines), result.output
    for line in lines:
        assert line.count("late.fit") == 1, line


def test_the_2085_file_uploaded_to_the_dashboard_is_stored_cut(
    tmp_path: Path, sim: Activity
) -> None:
    import re

    from stridecheck.programs import load_program
    from stridecheck.store import Store
    from stridecheck.web import WebConfig, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    db = tmp_path / "s.db"
    with Store.open(db) as store:
        store.enroll("ana", load_program("asteroid-12wk"), dt.date(2024, 4, 29))
    client = TestClient(create_app(WebConfig(db=db)), base_url="http://127.0.0.1:8000")
    page = client.get("/athletes/ana").text
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match is not None
    data = write_fit(_last_sample_at(sim, "2085-01-01T00:00:00Z"))
    reply = client.post(
        "/athletes/ana/upload",
        data={"csrf": match.group(1)},
        files={"file": ("strava.fit", data)},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text[-500:]
    with Store.open(db) as store:
        (duration,) = store.conn.execute("SELECT duration_s FROM activities").fetchone()
    assert duration < 3 * 3600
    assert client.get("/athletes/ana").status_code == 200
