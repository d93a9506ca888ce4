"""frames.frame_from_arrays: the same frame as pandas builds, on every path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stridecheck import frames


def _columns(n: int) -> tuple[list[str], list[object]]:
    rng = np.random.default_rng(n)
    times = pd.date_range("2026-01-01", periods=n, freq="s", tz="UTC").array
    names = ["a_m", "b", "count", "flag", "label", "time_utc", "c_s"]
    arrays: list[object] = [
        rng.normal(size=n),
        rng.normal(size=n),
        np.arange(n, dtype=np.int64),
        rng.random(n) > 0.5,
        np.array([f"s{i}" if i % 3 else None for i in range(n)], dtype=object),
        times,
        rng.normal(size=n),
    ]
    return names, arrays


def _reference(names: list[str], arrays: list[object], index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: pd.Series(array, index=index, dtype=getattr(array, "dtype", None))
            for name, array in zip(names, arrays, strict=True)
        },
        index=index,
    )


@pytest.mark.parametrize("n", [0, 1, 5, 1000])
@pytest.mark.parametrize("blocks", [True, False])
def test_equals_pandas_construction(n: int, blocks: bool, monkeypatch) -> None:
    if not blocks:
        monkeypatch.setattr(frames, "_FROM_BLOCKS", None)
    names, arrays = _columns(n)
    index = pd.date_range("2026-01-01", periods=n, freq="s", tz="UTC", name="time")
    built = frames.frame_from_arrays(names, arrays, index)
    expected = _reference(names, arrays, index)
    pd.testing.assert_frame_equal(built, expected, check_exact=True)
    assert built["label"].dtype == object  # no inference of a string dtype
    assert sorted(str(b.dtype) for b in built._mgr.blocks) == sorted(
        str(b.dtype) for b in expected._mgr.blocks
    )


def test_copy_owns_the_data() -> None:
    names, arrays = _columns(10)
    index = pd.RangeIndex(10)
    owned = frames.frame_from_arrays(names, arrays, index, copy=True)
    before = owned.copy()
    for array in arrays:
        if isinstance(array, np.ndarray) and array.dtype.kind in "fi":
            array[:] = 0
    arrays[3][:] = False  # type: ignore[index]
    pd.testing.assert_frame_equal(owned, before)


def test_single_column_groups_are_copied_only_when_asked() -> None:
    values = np.arange(4.0)
    shared = frames.frame_from_arrays(["x"], [values], pd.RangeIndex(4))
    owned = frames.frame_from_arrays(["x"], [values], pd.RangeIndex(4), copy=True)
    values[0] = 99.0
    assert owned["x"].iloc[0] == 0.0
    assert shared["x"].iloc[0] in (0.0, 99.0)  # may share memory: documented


def test_duplicate_names_take_the_general_path() -> None:
    built = frames.frame_from_arrays(["x", "x"], [np.zeros(3), np.ones(3)], pd.RangeIndex(3))
    assert list(built.columns) == ["x", "x"]
    assert built.iloc[:, 1].tolist() == [1.0, 1.0, 1.0]


def test_column_index_is_shared() -> None:
    assert frames.column_index(("a", "b")) is frames.column_index(("a", "b"))
