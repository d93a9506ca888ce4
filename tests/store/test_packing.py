"""Packing an activity and its analysis for the store: Parquet samples, interval rows."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.compliance import program_calendar
from stridecheck.pipeline import _iso_times, _session_dates, analyse_activity
from stridecheck.programs import Program
from stridecheck.store.codec import samples_from_parquet, samples_to_parquet
from stridecheck.store.times import parse_utc_texts, utc_text

START = dt.date(2026, 3, 2)  # a Monday, as in conftest


def samples(n: int = 300, start: str = "2026-03-02T07:00:00Z") -> pd.DataFrame:
    rng = np.random.default_rng(1)
    index = pd.date_range(start, periods=n, freq="1s", name="time")
    frame = pd.DataFrame(
        {
            "elapsed_s": np.arange(n, dtype=float),
            "distance_m": np.cumsum(rng.uniform(1.0, 3.0, n)),
            "speed_mps": rng.uniform(1.0, 3.0, n),
            "heart_rate_bpm": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(90, 170, n)),
            "timer_running": rng.random(n) < 0.95,
        },
        index=index,
    )
    return finalize_samples(frame)


def test_samples_round_trip_exactly() -> None:
    frame = samples()
    back = samples_from_parquet(samples_to_parquet(frame))
    pd.testing.assert_frame_equal(back, frame, check_freq=False)
    assert str(back.index.tz) == "UTC" and back.index.name == "time"


def test_samples_with_text_and_nullable_columns_keep_their_dtypes() -> None:
    frame = samples(50)
    frame["dev_note"] = ["a", "b"] * 25
    frame["dev_count"] = pd.array([1, None] * 25, dtype="Int64")
    back = samples_from_parquet(samples_to_parquet(frame))
    pd.testing.assert_frame_equal(back, frame, check_freq=False)


def test_blobs_of_the_earlier_layout_are_read() -> None:
    # before: the whole frame through pandas metadata, the index kept as the index
    frame = samples(60)
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=True), sink, compression="zstd")
    back = samples_from_parquet(sink.getvalue())
    pd.testing.assert_frame_equal(back, frame, check_freq=False)


def test_sub_second_sample_times_survive() -> None:
    frame = samples(20)
    frame.index = frame.index + pd.to_timedelta(np.arange(20) * 137, unit="us")
    back = samples_from_parquet(samples_to_parquet(frame))
    assert back.index.equals(frame.index)


@pytest.mark.parametrize(
    "times",
    [
        ["2026-03-02T07:00:00Z", "1969-12-31T23:59:59Z", "2026-03-02T07:05:15Z"],
        ["2026-03-02T07:00:00.5Z", "2026-03-02T07:00:01Z"],
        ["2026-03-02T07:00:00.000000001Z"],
    ],
)
def test_interval_times_are_written_in_the_one_form_and_read_back_exactly(
    times: list[str],
) -> None:
    values = pd.Series(pd.to_datetime(times, utc=True, format="ISO8601"))
    texts = _iso_times(values)
    assert all(len(t) == len("2026-03-02T07:00:00.000000000+00:00") for t in texts)
    assert parse_utc_texts(pd.Series(texts)).tolist() == values.tolist()


def test_interval_rows_of_an_analysis(short_program: Program) -> None:
    frame = samples(600)
    activity = Activity(
        samples=frame,
        meta=ActivityMeta(source_format="fit", start_time=frame.index[0].to_pydatetime()),
    )
    result = analyse_activity(activity, short_program, START)
    record = result.to_record()
    intervals = result.segmentation.intervals
    assert len(record.intervals) == len(intervals)
    first = record.intervals[0]
    assert first["start"] == utc_text(intervals["start"].iloc[0])
    assert first["kind"] == intervals["kind"].iloc[0]
    assert first["duration_s"] == pytest.approx(float(intervals["duration_s"].iloc[0]))
    assert record.compliance is not None and record.compliance.session_id is not None


def test_session_dates_are_the_calendars(short_program: Program) -> None:
    calendar = program_calendar(short_program, START)
    expected = dict(zip(calendar["session_id"], calendar["date"], strict=True))
    assert _session_dates(short_program, START) == expected
    assert _session_dates(short_program, START) is _session_dates(short_program, START)
    later = START + dt.timedelta(days=7)
    assert _session_dates(short_program, later)["W1S1"] == later


def test_a_column_named_time_does_not_clash_with_the_index() -> None:
    frame = samples(30)
    frame["time"] = np.arange(30, dtype=float)
    back = samples_from_parquet(samples_to_parquet(frame))
    pd.testing.assert_frame_equal(back, frame, check_freq=False)
