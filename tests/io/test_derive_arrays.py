"""The array-level derivations equal the DataFrame ones they serve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import corpus_files, corpus_gpx_samples
from stridecheck import activity
from stridecheck.io import derive


def _positions(samples: pd.DataFrame) -> pd.DataFrame:
    return samples[["lat_deg", "lon_deg"]]


def _assert_arrays_equal_frames(positions: pd.DataFrame) -> None:
    lat = positions["lat_deg"].to_numpy(dtype=float)
    lon = positions["lon_deg"].to_numpy(dtype=float)
    distance = derive.distance_from_positions(lat, lon)
    np.testing.assert_array_equal(distance, derive.derive_distance(positions).to_numpy())
    speed = derive.speed_from_distance(positions.index, distance)
    np.testing.assert_array_equal(speed, derive.derive_speed(positions).to_numpy())
    with_distance = pd.DataFrame({"distance_m": distance}, index=positions.index)
    if np.isfinite(distance).any():
        np.testing.assert_array_equal(speed, derive.derive_speed(with_distance).to_numpy())


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("gpx"))
def test_array_derivations_equal_frame_ones_on_corpus(corpus_dir: Path, rel: Path) -> None:
    samples = corpus_gpx_samples(corpus_dir, rel)
    if "lat_deg" not in samples:
        pytest.skip("no positions")
    _assert_arrays_equal_frames(_positions(samples))


def test_array_derivations_equal_frame_ones_on_simulated_run() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    index = pd.date_range("2024-05-04 07:00", periods=n, freq="1s", tz="UTC", name="time")
    steps = np.cumsum(2.8 + rng.normal(0.0, 0.3, n))
    lat = 48.2 + steps / 111_195.0
    lon = 16.37 + rng.normal(0.0, 2e-6, n)
    lat[rng.choice(n, 60, replace=False)] = np.nan  # GPS dropouts
    frame = pd.DataFrame({"lat_deg": lat, "lon_deg": lon}, index=index)
    _assert_arrays_equal_frames(frame)
    # irregular, sub-second and wider-than-numpy windows (the pandas fallback)
    jittered = index + pd.to_timedelta(rng.integers(0, 900, n), unit="ms")
    _assert_arrays_equal_frames(frame.set_axis(jittered.sort_values()))
    dense = pd.date_range("2024-05-04", periods=n, freq="10ms", tz="UTC")
    _assert_arrays_equal_frames(frame.set_axis(dense))


@pytest.mark.parametrize("n", [0, 1, 2])
def test_speed_from_distance_short_inputs(n: int) -> None:
    index = pd.date_range("2024-05-04", periods=n, freq="1s", tz="UTC")
    distance = np.arange(n, dtype=float) * 3.0
    frame = pd.DataFrame({"distance_m": distance}, index=index)
    expected = derive.derive_speed(frame).to_numpy()
    np.testing.assert_array_equal(derive.speed_from_distance(index, distance), expected)
    assert derive.distance_from_positions(np.array([]), np.array([])).shape == (0,)


@settings(max_examples=300, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 2**62), min_size=1, max_size=30),
    unit=st.sampled_from(["s", "ms", "us", "ns"]),
)
def test_seconds_since_first_equals_total_seconds(offsets: list[int], unit: str) -> None:
    ticks = np.sort(np.array(offsets, dtype=np.int64)) // {"s": 10**9, "ms": 10**6}.get(unit, 1)
    if unit == "us":
        ticks //= 1000
    times = pd.DatetimeIndex(ticks.astype(f"datetime64[{unit}]")).tz_localize("UTC")
    expected = np.asarray((times - times[0]).total_seconds(), dtype=float)
    np.testing.assert_array_equal(derive._seconds_since_first(times), expected)


def test_seconds_since_first_with_nat_takes_pandas_path() -> None:
    times = pd.DatetimeIndex(["2024-01-01T00:00:00Z", None, "2024-01-01T00:00:01.5Z"])
    expected = np.asarray((times - times[0]).total_seconds(), dtype=float)
    np.testing.assert_array_equal(derive._seconds_since_first(times), expected)


@settings(max_examples=200, deadline=None)
@given(
    steps_ms=st.lists(st.integers(-500, 5000), min_size=1, max_size=40),
    extra=st.booleans(),
)
def test_float_samples_frame_equals_finalize_samples(steps_ms: list[int], extra: bool) -> None:
    index = pd.DatetimeIndex(
        pd.Timestamp("2024-05-04T07:00:00Z") + pd.to_timedelta(np.cumsum(steps_ms), unit="ms")
    ).tz_convert("Europe/Vienna")
    n = len(index)
    columns = {"speed_mps": np.linspace(0.0, 4.0, n), "lat_deg": np.full(n, 48.2)}
    if extra:
        columns["dev_temperature_c"] = np.full(n, 21.5)
    fast = activity.float_samples_frame(columns, index)
    general = activity.finalize_samples(pd.DataFrame(columns, index=index))
    if fast is None:
        assert not (index.is_monotonic_increasing and index.is_unique)
    else:
        pd.testing.assert_frame_equal(fast, general, check_exact=True)
