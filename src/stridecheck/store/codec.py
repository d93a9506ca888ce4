"""How activities are packed into the store: samples as Parquet, meta as JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

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


def samples_to_parquet(samples: pd.DataFrame) -> bytes:
    """Pack a canonical samples frame as zstd-compressed Parquet bytes (index kept)."""
    table = pa.Table.from_pandas(samples, preserve_index=True)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def samples_from_parquet(blob: bytes) -> pd.DataFrame:
    """Unpack :func:`samples_to_parquet` bytes into the samples frame (UTC ``time`` index)."""
    frame = pq.read_table(io.BytesIO(blob)).to_pandas()
    index = pd.DatetimeIndex(frame.index)
    if index.tz is None:
        index = index.tz_localize("UTC")
    frame.index = index.tz_convert("UTC").as_unit("ns")
    frame.index.name = "time"
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
