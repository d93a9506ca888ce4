"""How activities are packed into the store: samples as Parquet, meta as JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stridecheck.activity import Activity, ActivityMeta

__all__ = [
    "activity_from_blobs",
    "meta_from_json",
    "meta_to_json",
    "samples_from_parquet",
    "samples_to_parquet",
]

#: Name of the time column (the samples' index) in the Parquet blob.
_TIME = "time"


def samples_to_parquet(samples: pd.DataFrame) -> bytes:
    """Pack a canonical samples frame as zstd-compressed Parquet bytes.

    The ``time`` index becomes the first column (UTC nanoseconds, delta
    encoded); float columns are byte-stream-split, which compresses sensor
    series well. Built from the NumPy columns directly: the pandas round trip
    through ``Table.from_pandas`` costs more than the compression.
    """
    sink = io.BytesIO()
    if not _plain(samples):
        # other dtypes (text, nullable integers) keep their pandas dtype through metadata
        table = pa.Table.from_pandas(samples, preserve_index=True)
        pq.write_table(table, sink, compression="zstd")
        return sink.getvalue()
    index = pd.DatetimeIndex(samples.index)
    if index.tz is None:
        index = index.tz_localize("UTC")
    arrays = [pa.array(index.as_unit("ns").asi8, type=pa.timestamp("ns", tz="UTC"))]
    names = [_TIME]
    encodings = {_TIME: "DELTA_BINARY_PACKED"}
    for name, column in samples.items():
        values = column.to_numpy()
        arrays.append(pa.array(values))
        names.append(str(name))
        if values.dtype.kind == "f":
            encodings[str(name)] = "BYTE_STREAM_SPLIT"
    table = pa.Table.from_arrays(arrays, names=names)
    pq.write_table(
        table,
        sink,
        compression="zstd",
        use_dictionary=False,
        write_statistics=False,
        column_encoding=encodings,
    )
    return sink.getvalue()


def _plain(samples: pd.DataFrame) -> bool:
    """Only NumPy float, integer or bool columns under string names other than ``time``."""
    names = list(samples.columns)
    return (
        _TIME not in names
        and all(isinstance(name, str) for name in names)
        and all(isinstance(dtype, np.dtype) and dtype.kind in "fiub" for dtype in samples.dtypes)
    )


def samples_from_parquet(blob: bytes) -> pd.DataFrame:
    """Unpack :func:`samples_to_parquet` bytes into the samples frame (UTC ``time`` index).

    Blobs of earlier versions (the index kept through pandas metadata) are read too.
    """
    frame = pq.read_table(io.BytesIO(blob)).to_pandas()
    if not isinstance(frame.index, pd.DatetimeIndex):  # the time column, not pandas metadata
        frame = frame.set_index(_TIME)
    index = pd.DatetimeIndex(frame.index)
    if index.tz is None:
        index = index.tz_localize("UTC")
    frame.index = index.tz_convert("UTC").as_unit("ns")
    frame.index.name = _TIME
    return frame


def meta_to_json(meta: ActivityMeta) -> str:
    """The activity's meta as a JSON document."""
    return json.dumps(meta.to_dict(), ensure_ascii=False, sort_keys=True, default=str)


def meta_from_json(text: str) -> ActivityMeta:
    """Rebuild :class:`ActivityMeta` from :func:`meta_to_json` output."""
    data: dict[str, Any] = json.loads(text)
    known = set(ActivityMeta.__dataclass_fields__)
    kwargs = {k: v for k, v in data.items() if k in known}
    start = kwargs.get("start_time")
    if isinstance(start, str):
        kwargs["start_time"] = dt.datetime.fromisoformat(start)
    kwargs.setdefault("source_format", "unknown")
    return ActivityMeta(**kwargs)


def activity_from_blobs(meta_json: str, samples_parquet: bytes) -> Activity:
    """Rebuild a stored activity (samples and meta; laps and events are not stored)."""
    return Activity(samples=samples_from_parquet(samples_parquet), meta=meta_from_json(meta_json))
