"""The footpod's walking / running bit round-trips through FIT as ``rsc_running``.

:func:`~stridecheck.io.fit_write.write_fit` writes the ``rsc_running`` column as
a developer field of that name (uint8, 255 unknown); the reader returns it as
the float column ``rsc_running`` again (not ``dev_rsc_running``), NaN where
unknown, through both decoders.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stridecheck.activity import Activity, ActivityMeta
from stridecheck.io import read
from stridecheck.io.fit import RSC_RUNNING_COLUMN, activity_from_messages, parse_fit
from stridecheck.io.fit.sdk import decode_fit_sdk
from stridecheck.io.fit_write import RSC_RUNNING_FIELD, write_fit


def _activity(bits: np.ndarray) -> Activity:
    n = len(bits)
    index = pd.date_range("2024-05-04 07:30", periods=n, freq="1s", tz="UTC", name="time")
    samples = pd.DataFrame(
        {
            "distance_m": np.arange(n) * 2.0,
            "speed_mps": np.full(n, 2.0),
            "cadence_spm": np.where(bits == 1.0, 170.0, 110.0),
            RSC_RUNNING_FIELD: bits,
        },
        index=index,
    )
    return Activity(samples=samples, meta=ActivityMeta(source_format="simulated", sport="running"))


BITS = np.array([0.0, 0.0, np.nan, 1.0, 1.0, np.nan, np.nan, 0.0, 1.0, 1.0])


def test_reader_column_is_the_writer_field() -> None:
    assert RSC_RUNNING_COLUMN == RSC_RUNNING_FIELD == "rsc_running"


@pytest.mark.parametrize("sdk", [False, True], ids=["fast", "sdk"])
def test_rsc_running_round_trips(sdk: bool) -> None:
    data = write_fit(_activity(BITS))
    if sdk:
        activity = activity_from_messages(decode_fit_sdk(data, errors="raise"), policy="raise")
    else:
        activity = parse_fit(data, errors="raise")
    samples = activity.samples
    assert "dev_rsc_running" not in samples.columns
    assert samples[RSC_RUNNING_COLUMN].dtype == np.float64
    np.testing.assert_array_equal(samples[RSC_RUNNING_COLUMN].to_numpy(), BITS)
    np.testing.assert_allclose(samples["cadence_spm"].to_numpy(), np.where(BITS == 1, 170, 110))


def test_rsc_running_through_read(tmp_path: Path) -> None:
    bits = np.tile([1.0, np.nan, 0.0], 20)
    write_fit(_activity(bits), tmp_path / "bit.fit")
    samples = read(tmp_path / "bit.fit", errors="raise").samples
    np.testing.assert_array_equal(samples["rsc_running"].to_numpy(), bits)


def test_no_bit_no_column() -> None:
    unknown = np.full(5, np.nan)
    samples = parse_fit(write_fit(_activity(unknown)), errors="raise").samples
    assert "rsc_running" not in samples.columns
    assert not [c for c in samples.columns if "rsc" in c]
