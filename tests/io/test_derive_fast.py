"""The numpy paths of :mod:`stridecheck.io.derive` equal the pandas formulation they replace."""

from __future__ import annotations

import gzip
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import corpus_files, corpus_gpx_samples
from stridecheck import activity
from stridecheck.errors import StrideCheckError, StrideCheckWarning
from stridecheck.io import derive, trackpoints
from stridecheck.io.gpx import parse_gpx
from stridecheck.io.tcx import parse_tcx


def _pandas_median(t_ns: np.ndarray, values: np.ndarray, window_s: float) -> np.ndarray:
    index = pd.DatetimeIndex(t_ns.astype("datetime64[ns]")).tz_localize("UTC")
    series = pd.Series(values, index=index)
    window = pd.Timedelta(seconds=window_s)
    return series.rolling(window, min_periods=1, center=True).median().to_numpy()


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.sampled_from(
            [1, 250_000_000, 500_000_000, 999_999_999, 10**9, 2 * 10**9, 2_500_000_000, 7 * 10**9]
        ),
        min_size=1,
        max_size=80,
    ),
    values=st.lists(
        st.one_of(st.floats(-50, 50, allow_nan=False), st.just(float("nan"))),
        min_size=81,
        max_size=81,
    ),
    window_s=st.sampled_from([1.0, 2.0, 5.0, 9.0]),
)
def test_centred_time_median_equals_pandas(
    steps: list[int], values: list[float], window_s: float
) -> None:
    t_ns = np.cumsum(np.array([0, *steps], dtype=np.int64)) + 1_700_000_000 * 10**9
    x = np.array(values[: len(t_ns)], dtype=np.float64)
    window_ns = int(pd.Timedelta(seconds=window_s).value)
    fast = derive._centred_time_median(t_ns, x, window_ns)
    if fast is None:
        return
    np.testing.assert_array_equal(fast, _pandas_median(t_ns, x, window_s))


def test_centred_time_median_declines_wide_and_odd_windows() -> None:
    t_ns = np.arange(200, dtype=np.int64) * 10_000_000  # 100 Hz
    x = np.ones(200)
    assert derive._centred_time_median(t_ns, x, 5 * 10**9) is None
    assert derive._centred_time_median(t_ns, x, 5 * 10**9 + 1) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1e6, allow_nan=False), st.just(float("nan"))), max_size=50))
def test_ffill_equals_pandas(values: list[float]) -> None:
    x = np.array(values, dtype=np.float64)
    np.testing.assert_array_equal(derive._ffill(x), pd.Series(x).ffill().to_numpy())


def _derive_speed_pandas(samples: pd.DataFrame) -> pd.Series:
    """derive_speed with the numpy median switched off."""
    original = derive._MAX_WINDOW_SAMPLES
    derive._MAX_WINDOW_SAMPLES = 0
    try:
        return derive.derive_speed(samples)
    finally:
        derive._MAX_WINDOW_SAMPLES = original


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("gpx"))
def test_derived_speed_fast_equals_pandas_on_corpus(corpus_dir: Path, rel: Path) -> None:
    samples = corpus_gpx_samples(corpus_dir, rel)
    frame = samples[[c for c in ("lat_deg", "lon_deg") if c in samples.columns]]
    if frame.shape[1] < 2:
        pytest.skip("no positions")
    pd.testing.assert_series_equal(
        derive.derive_speed(frame), _derive_speed_pandas(frame), check_exact=True
    )
    with_distance = samples[["distance_m"]]
    pd.testing.assert_series_equal(
        derive.derive_speed(with_distance), _derive_speed_pandas(with_distance), check_exact=True
    )


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("gpx"))
def test_fast_finalize_equals_general_on_corpus(
    corpus_dir: Path, rel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No fast path (finalize, derivations, GPX times and samples frame) changes an Activity."""
    _assert_fast_paths_change_nothing(
        corpus_dir / rel,
        parse_gpx,
        monkeypatch,
        [
            (activity, "_finalize_float_samples", lambda frame: None),
            (derive, "_MAX_WINDOW_SAMPLES", 0),
            (derive, "_ffill", lambda x: pd.Series(x).ffill().to_numpy()),
            (trackpoints, "_direct_samples", lambda *args: None),
            (trackpoints, "_simple_zulu_times", lambda texts: None),
            (trackpoints, "_grouped_times", lambda texts: None),
        ],
    )


def _assert_fast_paths_change_nothing(
    path: Path,
    parse: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    general_paths: list[tuple[object, str, object]],
) -> None:
    """Read a corpus file as is and with the fast paths switched off: the same Activity."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        try:
            fast = parse(data, errors="ignore")
        except StrideCheckError:
            pytest.skip("not a readable file")
        for module, name, value in general_paths:
            monkeypatch.setattr(module, name, value)
        general = parse(data, errors="ignore")
    pd.testing.assert_frame_equal(fast.samples, general.samples, check_exact=True)
    assert fast.meta == general.meta


def test_fast_finalize_equals_general_on_shapes() -> None:
    """Unsorted, duplicated, non-float and empty frames take the general path."""
    index = pd.DatetimeIndex(
        ["2024-01-01T00:00:02Z", "2024-01-01T00:00:01Z", "2024-01-01T00:00:03Z"]
    )
    frames = [
        pd.DataFrame({"lat_deg": [1.0, 2.0, 3.0], "dev_x": [1.0, 2.0, 3.0]}, index=index),
        pd.DataFrame({"speed_mps": [1.0, 2.0, 3.0]}, index=index.sort_values()),
        pd.DataFrame({"speed_mps": [1, 2, 3]}, index=index.sort_values()),
        pd.DataFrame(
            {"elapsed_s": [9.0, 9.0, 9.0], "power_w": [1.0, 2.0, 3.0]},
            index=index.sort_values().tz_convert("Europe/Vienna"),
        ),
        pd.DataFrame({"speed_mps": pd.Series([], dtype=float)}, index=index[:0]),
    ]
    for frame in frames:
        fast = activity._finalize_float_samples(frame)
        general = activity.finalize_samples(frame.astype(object).infer_objects())
        if fast is not None:
            pd.testing.assert_frame_equal(fast, general, check_exact=True)
    assert activity._finalize_float_samples(frames[0]) is None
    assert activity._finalize_float_samples(frames[2]) is None
    assert activity._finalize_float_samples(frames[4]) is None
    assert activity._finalize_float_samples(frames[1]) is not None


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("tcx"))
def test_tcx_samples_fast_path_equals_general_on_corpus(
    corpus_dir: Path, rel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TCX goes through the same assemble_samples: its array path changes no Activity."""
    _assert_fast_paths_change_nothing(
        corpus_dir / rel,
        parse_tcx,
        monkeypatch,
        [
            (activity, "_finalize_float_samples", lambda frame: None),
            (trackpoints, "_direct_samples", lambda *args: None),
        ],
    )
