"""The FIT mapping gives exactly the activities of the reference mapping.

The reference is the plain-pandas :func:`activity_from_messages` from before it
was rewritten for speed (``stridecheck.io.fit`` at commit 1cfe2c8). Its result
for every corpus FIT file and a set of built files (pauses, multisport,
duplicates, developer fields, hrv, splits, workout steps, files written by
:func:`~stridecheck.io.fit_write.write_fit`), each through the fast and the SDK
decoder, is kept as a fingerprint in ``fit_mapping_fingerprints.json``: a
SHA-256 over samples, meta, laps, events, splits, workout and RR intervals
(column names, dtypes, index and every value, bit for bit). The one intended
difference was applied to the reference: a developer field named
``rsc_running`` is the column ``rsc_running`` (0/1, NaN unknown), where the
reference gave ``dev_rsc_running``.

A deliberate change of the mapping's output updates the fingerprints with
``STRIDECHECK_UPDATE_FINGERPRINTS=1 pytest tests/io/test_fit_mapping.py`` (and
the commit says why).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import test_fit as tf
from garmin_fit_sdk import Encoder

from conftest import corpus_files
from stridecheck.activity import Activity, ActivityMeta
from stridecheck.errors import StrideCheckError, StrideCheckWarning
from stridecheck.io.fit import activity_from_messages
from stridecheck.io.fit.decode import decode_fit
from stridecheck.io.fit.messages import FitMessages
from stridecheck.io.fit.sdk import decode_fit_sdk
from stridecheck.io.fit_write import write_fit

# --------------------------------------------------------------------------- fingerprints

FINGERPRINTS = Path(__file__).with_name("fit_mapping_fingerprints.json")
_UPDATE = os.environ.get("STRIDECHECK_UPDATE_FINGERPRINTS") == "1"
_STORED: dict[str, str] = json.loads(FINGERPRINTS.read_text()) if FINGERPRINTS.exists() else {}


def _value_token(value: Any) -> Any:
    """A JSON-able form of a value that keeps its type and exact value."""
    if isinstance(value, bool | None | str | int):
        return [type(value).__name__, value]
    if isinstance(value, float):
        return ["float", value.hex()]
    if isinstance(value, np.generic):
        return [type(value).__name__, _value_token(value.item())]
    if isinstance(value, dict):
        return ["dict", [[str(k), _value_token(v)] for k, v in value.items()]]
    if isinstance(value, list | tuple):
        return [type(value).__name__, [_value_token(v) for v in value]]
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return [type(value).__name__, value.isoformat()]
    return [type(value).__name__, repr(value)]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _frame_token(frame: pd.DataFrame | None) -> Any:
    if frame is None:
        return None
    columns = []
    for name in frame.columns:
        column = frame[name]
        values = column.to_numpy()
        if values.dtype.kind in "fiub":
            digest = hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()
        elif values.dtype.kind == "M":
            digest = hashlib.sha256(values.astype("int64").tobytes()).hexdigest()
        else:
            # missing entries of text columns (None or NaN) count as one "missing"
            tokens = [None if _missing(v) else _value_token(v) for v in values.tolist()]
            digest = hashlib.sha256(json.dumps(tokens).encode()).hexdigest()
        columns.append([str(name), str(column.dtype), digest])
    index = frame.index
    index_token = [str(index.dtype), index.name, [_value_token(v) for v in index.tolist()]]
    return [columns, index_token, _value_token(dict(frame.attrs))]


def fingerprint(result: Activity | tuple[type, str]) -> str:
    """SHA-256 over every public part of an activity (or over the error raised)."""
    if not isinstance(result, Activity):
        token: Any = ["error", result[0].__name__, result[1]]
    else:
        meta = {
            f.name: _value_token(getattr(result.meta, f.name))
            for f in dataclasses.fields(ActivityMeta)
        }
        token = [
            _frame_token(result.samples),
            meta,
            [_frame_token(getattr(result, part)) for part in _PARTS],
        ]
    return hashlib.sha256(json.dumps(token, sort_keys=True).encode()).hexdigest()


_PARTS = ("laps", "events", "device_splits", "workout", "rr_intervals")


def _map(msgs: FitMessages) -> Activity | tuple[type, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        try:
            return activity_from_messages(msgs, policy="warn", source_path="x.fit")
        except StrideCheckError as error:
            return type(error), str(error)


def check_same(key: str, data: bytes, *, sdk: bool = False) -> Activity | None:
    """Map ``data`` and compare its fingerprint with the reference's."""
    decode = decode_fit_sdk if sdk else decode_fit
    ours = _map(decode(data, errors="warn"))
    key = f"{key} [{'sdk' if sdk else 'fast'}]"
    if _UPDATE:
        _STORED[key] = fingerprint(ours)
        FINGERPRINTS.write_text(json.dumps(_STORED, indent=1, sort_keys=True) + "\n")
    elif key not in _STORED:
        pytest.skip(f"no reference fingerprint for {key}")
    assert fingerprint(ours) == _STORED[key], f"{key}: mapping output changed"
    return ours if isinstance(ours, Activity) else None


# --------------------------------------------------------------------------- built files


def _paused_multisport() -> bytes:
    records = [tf.record(i, cadence=80 + i % 5, fractional_cadence=0.5) for i in range(90)]
    return tf.encode(
        [
            tf.file_id(),
            tf.timer(0, "start"),
            *records[:30],
            tf.timer(30, "stop"),
            tf.timer(35, "start"),
            *records[30:],
            tf.timer(89, "stop_all"),
            {"mesg_num": 21, "timestamp": tf.t(40), "event": "lap", "event_type": "stop"},
            tf.session(0, 44, "running"),
            tf.session(45, 89, "cycling"),
        ]
    )


def _laps_splits_workout() -> bytes:
    laps = [
        {
            "mesg_num": 19,
            "timestamp": tf.t(20 * (k + 1)),
            "start_time": tf.t(20 * k),
            "total_elapsed_time": 20.0,
            "total_distance": 50.0,
            "intensity": "active" if k % 2 else "warmup",
            "lap_trigger": "manual",
            "wkt_step_index": k,
        }
        for k in range(3)
    ]
    splits = [
        {
            "mesg_num": 312,
            "split_type": "rwd_run" if k % 2 else "rwd_walk",
            "start_time": tf.t(30 * k),
            "end_time": tf.t(30 * k + 29),
            "total_elapsed_time": 29.0,
            "total_timer_time": 29.0,
            "total_distance": 70.0,
            "avg_speed": 2.4,
        }
        for k in range(2)
    ]
    workout = [
        {"mesg_num": 26, "wkt_name": "intervals", "sport": "running"},
        {"mesg_num": 27, "message_index": 0, "duration_type": "time", "duration_value": 60000},
        {"mesg_num": 27, "message_index": 1, "duration_type": "open"},
    ]
    hrv = [{"mesg_num": 78, "time": [0.5, 0.52, 0.51]}]
    return tf.encode(
        [
            tf.file_id(),
            *workout,
            tf.timer(0, "start"),
            *hrv,
            *[tf.record(i, step_length=900 + i) for i in range(60)],
            *hrv,
            *laps,
            *splits,
            tf.timer(59, "stop_all"),
            tf.session(0, 59, "walking", sub_sport="casual_walking"),
        ]
    )


def _duplicates_and_no_speed() -> bytes:
    records = [tf.record(i // 2, power=200 + i) for i in range(40)]
    for r in records:
        r.pop("distance", None)
    return tf.encode([tf.file_id(), *records])


def _developer_fields() -> bytes:
    dev = {
        0: {
            "developer_data_id_mesg": {
                "application_id": list(range(16)),
                "developer_data_index": 0,
            },
            "field_description_mesg": {
                "developer_data_index": 0,
                "field_definition_number": 0,
                "fit_base_type_id": 2,
                "field_name": "rsc_running",
                "native_mesg_num": 20,
            },
        },
        1: {
            "developer_data_id_mesg": {
                "application_id": list(range(16)),
                "developer_data_index": 0,
            },
            "field_description_mesg": {
                "developer_data_index": 0,
                "field_definition_number": 1,
                "fit_base_type_id": 132,
                "field_name": "Leg Spring Stiffness",
                "units": "kN/m",
                "native_mesg_num": 20,
            },
        },
    }
    records = []
    for i in range(30):
        rec = tf.record(i)
        rec["developer_fields"] = {0: (i // 10) % 2 if i % 7 else 255, 1: 100 + i}
        records.append(rec)
    encoder = Encoder()
    encoder.write_mesg({"mesg_num": 207, **dev[0]["developer_data_id_mesg"]})
    for key, desc in dev.items():  # one developer, two fields
        encoder.write_mesg({"mesg_num": 206, **desc["field_description_mesg"]})
        encoder.add_developer_field(
            key, desc["developer_data_id_mesg"], desc["field_description_mesg"]
        )
    for message in [tf.file_id(), *records, tf.session(0, 29)]:
        encoder.write_mesg(message)
    return bytes(encoder.close())


def _written_activity() -> bytes:
    n = 120
    index = pd.date_range("2024-05-04 07:30", periods=n, freq="1s", tz="UTC", name="time")
    samples = pd.DataFrame(
        {
            "distance_m": np.arange(n) * 2.0,
            "speed_mps": np.full(n, 2.0),
            "heart_rate_bpm": np.full(n, 130.0),
            "cadence_spm": np.where(np.arange(n) < 60, 110.0, 170.0),
            "timer_running": np.arange(n) % 50 != 49,
            "rsc_running": np.where(np.arange(n) < 60, 0.0, 1.0),
        },
        index=index,
    )
    samples.loc[samples.index[::13], "rsc_running"] = np.nan
    meta = ActivityMeta(source_format="simulated", sport="running")
    return write_fit(Activity(samples=samples, meta=meta))


BUILT = {
    "run": lambda: tf.run_file(30),
    "paused_multisport": _paused_multisport,
    "laps_splits_workout": _laps_splits_workout,
    "duplicates_no_speed": _duplicates_and_no_speed,
    "developer_fields": _developer_fields,
    "written": _written_activity,
    "workout_file": lambda: tf.encode([tf.file_id("workout"), {"mesg_num": 26, "wkt_name": "w"}]),
    "no_records": lambda: tf.encode([tf.file_id(), tf.session(0, 10)]),
    "no_file_id": lambda: tf.encode([tf.record(i) for i in range(5)]),
}


@pytest.mark.parametrize("name", sorted(BUILT))
@pytest.mark.parametrize("sdk", [False, True], ids=["fast", "sdk"])
def test_built_files_map_as_reference(name: str, sdk: bool) -> None:
    check_same(f"built:{name}", BUILT[name](), sdk=sdk)


def test_rsc_running_column_replaces_dev_column() -> None:
    activity = check_same("built:developer_fields", _developer_fields())
    assert activity is not None
    assert "rsc_running" in activity.samples.columns
    assert "dev_rsc_running" not in activity.samples.columns
    assert "dev_leg_spring_stiffness_kn_m" in activity.samples.columns
    bit = activity.samples["rsc_running"].to_numpy()
    expected = np.array([np.nan if i % 7 == 0 else float((i // 10) % 2) for i in range(30)])
    np.testing.assert_array_equal(bit, expected)


# --------------------------------------------------------------------------- corpus


@pytest.mark.corpus
@pytest.mark.parametrize("relpath", corpus_files("fit"))
# damaged corpus files warn (CRC, header, truncation) by design; any other warning still shows
@pytest.mark.filterwarnings("ignore::stridecheck.errors.StrideCheckWarning")
def test_corpus_maps_as_reference(relpath: Path | None, corpus_dir: Path) -> None:
    assert relpath is not None
    data = (corpus_dir / relpath).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        decode_fit(data, errors="warn")
    except StrideCheckError:
        pytest.skip("not decodable")
    check_same(f"corpus:{relpath.as_posix()}", data)
