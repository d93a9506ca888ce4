"""Tests of the vectorised FIT decoder (:func:`stridecheck.io.fit.decode.decode_fit`).

- Differential: every field value garmin-fit-sdk returns for every corpus FIT file
  must be ours too (allow-list below, each entry with its reason).
- Second oracle: record timestamps, heart rate, speed, position and cadence
  against fitparse on a few files.
- Files the SDK rejects: what we recover.
- Malformed input built with struct, and hypothesis fuzzing: nothing but
  StrideCheckError escapes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import struct
import warnings
from pathlib import Path

import fit_build as fb
import numpy as np
import pandas as pd
import pytest
from fit_compare import compare
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import corpus_files
from stridecheck import frames
from stridecheck.errors import (
    FitCRCError,
    FitDecodeError,
    FitHeaderError,
    StrideCheckError,
    StrideCheckWarning,
)
from stridecheck.io.fit import decode as fit_decode
from stridecheck.io.fit import definitions as fit_definitions
from stridecheck.io.fit import profile as fit_profile
from stridecheck.io.fit import scan as fit_scan
from stridecheck.io.fit import small as fit_small
from stridecheck.io.fit.decode import decode_fit
from stridecheck.io.fit.messages import FitMessages
from stridecheck.io.fit.scan import _crc_numpy, _crc_python, fit_crc

# (file, message, field): why our value differs from the SDK's, and why ours is right.
ALLOWED_DIFFERENCES: dict[tuple[str, str, str], str] = {
    (
        "fit/goldencheetah/2024-10-20-104352-Pool Swim-BingiWatch.fit",
        "lap",
        "enhanced_avg_speed",
    ): "a lap definition lists avg_speed twice; the SDK expands the component once per "
    "listing and returns a list of two equal values, we return the value once",
    (
        "fit/goldencheetah/2024-10-20-104352-Pool Swim-BingiWatch.fit",
        "lap",
        "enhanced_max_speed",
    ): "same duplicated max_speed in the lap definition",
}


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _sdk(data: bytes) -> tuple[dict, list]:
    from garmin_fit_sdk import Decoder, Stream

    return Decoder(Stream.from_byte_array(bytearray(data))).read()


def _decode_quiet(data: bytes, **kwargs: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        return decode_fit(data, errors="warn", **kwargs)


# --------------------------------------------------------------------- profile


def test_profile_is_derived_from_the_sdk() -> None:
    from garmin_fit_sdk import Profile

    record = fit_profile.message_profile(20)
    assert record is not None and record.name == "record"
    assert len(record.fields) == len(Profile["messages"][20]["fields"])
    speed = record.fields[6]
    assert speed.scale == (1000.0,) and speed.components[0].target == 73
    csd = record.fields[8]
    assert [c.target for c in csd.components] == [6, 5]
    assert [c.bit_offset for c in csd.components] == [0, 12]
    assert record.fields[5].is_accumulated
    assert fit_profile.type_names("split_type")[17] == "rwd_run"
    assert fit_profile.PROFILE_VERSION.startswith(str(Profile["version"]["major"]))


def test_crc_matches_reference_on_all_lengths() -> None:
    rng = np.random.default_rng(1)
    for n in (0, 1, 13, 4095, 4096, 10_007, 250_000):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert fit_crc(data) == _crc_python(data) == _crc_numpy(data)
        assert fit_crc(memoryview(data)[1:]) == _crc_python(data[1:])


# ------------------------------------------------------------- few-rows path


def _assert_frames_identical(a: pd.DataFrame, b: pd.DataFrame, where: str) -> None:
    """Same columns, dtypes and values; object cells also of the same Python type."""
    pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    for column in a.columns:
        if a[column].dtype != object:
            continue
        for x, y in zip(a[column].tolist(), b[column].tolist(), strict=True):
            same = x == y or (x != x and y != y)  # NaN equals NaN here
            assert type(x) is type(y) and same, f"{where}.{column}: {x!r} != {y!r}"


def _decode_with_and_without(
    path: Path, monkeypatch, setting: str, value: object, *, module: object = fit_decode
) -> tuple[FitMessages, FitMessages]:
    """Decode a corpus file as is and with ``<module>.<setting>`` patched; frames must match."""
    data = _read(path)
    try:
        default = _decode_quiet(data)
    except StrideCheckError:
        pytest.skip("not a decodable FIT file")
    with monkeypatch.context() as patch:
        patch.setattr(module, setting, value)
        patched = _decode_quiet(data)
    assert list(default.frames) == list(patched.frames)
    for name, frame in patched.frames.items():
        _assert_frames_identical(default.frames[name], frame, f"{path.name}:{name}")
    return default, patched


def _decode_with_small_rows(data: bytes, small_rows: int, monkeypatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(fit_decode, "_SMALL_ROWS", small_rows)
        return _decode_quiet(data)


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("rel", corpus_files("fit", max_bytes=3_000_000))
def test_few_rows_path_equals_vectorised(corpus_dir: Path, rel: Path, monkeypatch) -> None:
    """The row-by-row path gives exactly the vectorised frames (forced on large types too)."""
    data = _read(corpus_dir / rel)
    try:
        vectorised = _decode_with_small_rows(data, 0, monkeypatch)
    except StrideCheckError:
        pytest.skip("not a decodable FIT file")
    for small_rows in (fit_decode._SMALL_ROWS, 5000):
        rowwise = _decode_with_small_rows(data, small_rows, monkeypatch)
        assert list(rowwise.frames) == list(vectorised.frames)
        assert rowwise.warnings == vectorised.warnings
        for name, frame in vectorised.frames.items():
            _assert_frames_identical(rowwise.frames[name], frame, f"{rel}:{name}")


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("rel", corpus_files("fit", max_bytes=3_000_000))
def test_block_frames_equal_pandas_construction(corpus_dir: Path, rel: Path, monkeypatch) -> None:
    """Frames built from ready blocks equal ``DataFrame._from_arrays``, block layout too."""
    fast, general = _decode_with_and_without(
        corpus_dir / rel, monkeypatch, "_FROM_BLOCKS", None, module=frames
    )
    for name, frame in general.frames.items():
        blocks = sorted(str(block.dtype) for block in fast.frames[name]._mgr.blocks)
        assert blocks == sorted(str(block.dtype) for block in frame._mgr.blocks)


def test_few_rows_path_is_taken_and_falls_back(monkeypatch) -> None:
    """Small types go row by row; a type it cannot handle (arrays) takes the vectorised path."""
    taken: list[int] = []
    original = fit_small._decode_small

    def spy(buf, num, items, layouts):
        out = original(buf, num, items, layouts)
        taken.append(num)
        return out

    monkeypatch.setattr(fit_small, "_decode_small", spy)
    data = fb.simple_activity(30)
    messages = decode_fit(data, errors="raise")
    assert fit_profile.mesg_num("file_id") in taken
    assert fit_profile.mesg_num("record") not in taken  # 30 rows: vectorised
    layout = fit_definitions.Layout(20, False, ((3, 0, 2, 0x02),), (), 2)  # 2-byte array of uint8
    assert fit_small._small_plan(layout) is None
    monkeypatch.setattr(fit_decode, "_SMALL_ROWS", 10_000)
    taken.clear()
    forced = decode_fit(data, errors="raise")
    assert fit_profile.mesg_num("record") in taken
    for name, frame in messages.frames.items():
        _assert_frames_identical(forced.frames[name], frame, name)


# ------------------------------------------------------------ differential, SDK


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("rel", corpus_files("fit"))
def test_agrees_with_garmin_sdk(corpus_dir: Path, rel: Path, record_property) -> None:
    data = _read(corpus_dir / rel)
    sdk_messages, sdk_errors = _sdk(data)
    ours = _decode_quiet(data, source_path=str(rel))
    result = compare(ours, sdk_messages, sdk_stopped=bool(sdk_errors))
    record_property("fields_compared", result.compared)
    record_property("fields_equal", result.equal)
    unexplained = [
        d for d in result.differences if (str(rel), d.message, d.field) not in ALLOWED_DIFFERENCES
    ]
    print(f"{rel}: {result.equal}/{result.compared} SDK field values equal")
    assert not unexplained, "\n".join(str(d) for d in unexplained[:20])
    if not sdk_errors:
        # Where the SDK decodes the whole file, we have exactly its messages.
        for key, mesgs in sdk_messages.items():
            name = key.removesuffix("_mesgs")
            assert len(ours.frame(name)) == len(mesgs), name


def test_built_files_agree_with_sdk_both_byte_orders() -> None:
    for big in (False, True):
        data = fb.simple_activity(30, big_endian=big)
        sdk_messages, sdk_errors = _sdk(data)
        assert not sdk_errors
        ours = decode_fit(data, errors="raise")
        result = compare(ours, sdk_messages)
        assert result.compared > 200
        assert result.differences == []


# ------------------------------------------------------------ fitparse oracle


@pytest.mark.corpus
@pytest.mark.parametrize(
    "rel",
    [
        "fit/python-fitparse/activity-small-fenix2-run.fit",
        "fit/activitylog2/310xt-run.fit",
        "fit/workoutizer/run_with_coordinates.fit",
        "fit/python-fitparse/garmin-fenix-5-run.fit",
    ],
)
def test_records_agree_with_fitparse(corpus_dir: Path, rel: str) -> None:
    fitparse = pytest.importorskip("fitparse")
    path = corpus_dir / rel
    theirs = [m.get_values() for m in fitparse.FitFile(str(path)).get_messages("record")]
    ours = _decode_quiet(path.read_bytes()).frame("record")
    assert len(ours) == len(theirs)
    for name in ("heart_rate", "cadence", "position_lat", "position_long", "speed"):
        if name not in ours:
            continue
        expected = np.array([np.nan if m.get(name) is None else float(m[name]) for m in theirs])
        np.testing.assert_allclose(ours[name].to_numpy(), expected, rtol=1e-9, err_msg=name)
    stamps = [m["timestamp"].replace(tzinfo=dt.UTC) for m in theirs]
    assert list(ours["timestamp"]) == [pd.Timestamp(s) for s in stamps]


# ------------------------------------------------------------ SDK-rejected files


@pytest.mark.corpus
def test_compressed_timestamps_and_speed_distance(corpus_dir: Path) -> None:
    # The SDK stops at the first compressed-timestamp header; we decode them all.
    data = (corpus_dir / "fit/python-fitparse/compressed-speed-distance.fit").read_bytes()
    _, sdk_errors = _sdk(data)
    assert "Compressed timestamp" in str(sdk_errors[0])
    messages = decode_fit(data, errors="raise")
    records = messages.frame("record")
    assert len(records) == 755  # as fitparse
    assert records["timestamp"].notna().all()
    assert records["timestamp"].is_monotonic_increasing
    distance = records["distance"].dropna()
    assert distance.is_monotonic_increasing
    session = messages.frame("session").iloc[0]
    assert distance.iloc[-1] == pytest.approx(session["total_distance"], abs=0.1)
    laps = messages.frame("lap")
    assert laps["total_distance"].sum() == pytest.approx(distance.iloc[-1], rel=0.01)
    assert records["speed"].dropna().between(0, 6).all()
    # enhanced_speed = int(speed * 1000) / 1000, truncated as the SDK does (1.13 -> 1.129)
    np.testing.assert_allclose(records["enhanced_speed"], records["speed"], atol=0.0011)


def test_compressed_timestamp_rollover_built() -> None:
    start = 1_000_000_030  # low 5 bits: 30
    body = fb.definition(0, 20, [(253, 4, fb.UINT32), (3, 1, fb.UINT8)])
    body += fb.data(0, [(fb.UINT32, start), (fb.UINT8, 100)])
    body += fb.definition(1, 20, [(3, 1, fb.UINT8)])
    offsets = [31, 1, 4, 4, 30, 2]  # wraps past 32 twice
    for i, off in enumerate(offsets):
        body += fb.data(1, [(fb.UINT8, 101 + i)], compressed_offset=off)
    messages = decode_fit(fb.fit_file(body), errors="raise")
    seconds = (
        messages.frame("record")["timestamp"].astype("int64") // 10**9 - fb.FIT_EPOCH_S
    ).tolist()
    assert seconds == [start, start + 1, start + 3, start + 6, start + 6, start + 32, start + 36]


@pytest.mark.corpus
def test_file_crc_error_is_reported_and_data_kept(corpus_dir: Path) -> None:
    data = (corpus_dir / "fit/python-fitparse/activity-filecrc.fit").read_bytes()
    with pytest.raises(FitCRCError):
        decode_fit(data, errors="raise")
    with pytest.warns(StrideCheckWarning, match="CRC"):
        messages = decode_fit(data, errors="warn")
    assert len(messages.frame("record")) == 14
    ignored = decode_fit(data, errors="ignore")
    assert ignored.warnings and "CRC" in ignored.warnings[0]


@pytest.mark.corpus
def test_header_crc_zero_is_valid(corpus_dir: Path) -> None:
    data = (corpus_dir / "fit/activitylog2/310xt-run.fit").read_bytes()
    assert data[12:14] == b"\x00\x00"
    messages = decode_fit(data, errors="raise")
    assert messages.warnings == []
    assert len(messages.frame("record")) == 556


# ------------------------------------------------------------ malformed input


def test_not_fit_raises_header_error() -> None:
    for junk in (b"", b"\x0e", b"hello world, not a fit file at all", b"\x0e" + b"\0" * 20):
        for policy in ("raise", "warn", "ignore"):
            with pytest.raises(FitHeaderError):
                decode_fit(junk, errors=policy)


def test_flipped_first_header_bytes_raise_header_error() -> None:
    good = fb.simple_activity(5)
    for index in (0, 8, 9, 10, 11):
        bad = bytearray(good)
        bad[index] ^= 0xFF
        with pytest.raises(FitHeaderError):
            decode_fit(bytes(bad), errors="ignore")


def test_header_crc_mismatch_is_recoverable() -> None:
    bad = bytearray(fb.simple_activity(5))
    bad[12] ^= 0x55
    with pytest.raises(FitCRCError):
        decode_fit(bytes(bad), errors="raise")
    messages = decode_fit(bytes(bad), errors="ignore")
    assert len(messages.frame("record")) == 5


def test_truncated_file_keeps_complete_messages() -> None:
    good = fb.simple_activity(20)
    full = decode_fit(good, errors="raise").frame("record")
    record_size = 1 + 4 + 4 + 4 + 4 + 2 + 1 + 1
    cut = good[: -2 - 3 * record_size - 5]  # drop the CRC, 3 records and part of one more
    with pytest.raises(FitDecodeError, match="truncated"):
        decode_fit(cut, errors="raise")
    with pytest.warns(StrideCheckWarning, match="truncated"):
        messages = decode_fit(cut, errors="warn")
    records = messages.frame("record")
    assert len(records) == 16
    pd.testing.assert_frame_equal(records, full.iloc[:16])


def test_bad_file_crc() -> None:
    bad = bytearray(fb.simple_activity(4))
    bad[-1] ^= 0x01
    with pytest.raises(FitCRCError) as info:
        decode_fit(bytes(bad), errors="raise")
    assert info.value.offset == len(bad) - 2
    assert len(decode_fit(bytes(bad), errors="ignore").frame("record")) == 4


def test_chained_files_all_decoded() -> None:
    one = fb.simple_activity(10)
    two = fb.simple_activity(7, big_endian=True, start=1_000_100_000)
    messages = decode_fit(one + two, errors="raise")
    assert messages.n_files == 2
    records = messages.frame("record")
    assert len(records) == 17
    assert records["_file"].tolist() == [0] * 10 + [1] * 7
    assert records["_seq"].is_monotonic_increasing
    assert messages.frame("file_id")["_seq"].tolist() == [0, 11]


def test_corrupt_second_chained_header_keeps_first() -> None:
    one = fb.simple_activity(10)
    two = bytearray(fb.simple_activity(7))
    two[8:12] = b"XXXX"
    with pytest.raises(FitHeaderError):
        decode_fit(one + bytes(two), errors="raise")
    messages = decode_fit(one + bytes(two), errors="ignore")
    assert messages.n_files == 1
    assert len(messages.frame("record")) == 10
    assert "FIT" in messages.warnings[0]


def test_undefined_local_message_type() -> None:
    body = fb.definition(0, 20, [(253, 4, fb.UINT32), (3, 1, fb.UINT8)])
    body += fb.data(0, [(fb.UINT32, 1_000_000_000), (fb.UINT8, 100)])
    body += fb.data(5, [(fb.UINT32, 1_000_000_001), (fb.UINT8, 100)])  # local 5: undefined
    data = fb.fit_file(body)
    with pytest.raises(FitDecodeError, match="undefined local type 5") as info:
        decode_fit(data, errors="raise")
    assert info.value.offset == 14 + len(body) - 6
    messages = decode_fit(data, errors="ignore")
    assert len(messages.frame("record")) == 1


@pytest.mark.parametrize(
    "fields",
    [
        [(253, 0, fb.UINT32)],  # size 0
        [(253, 4, 0x1F)],  # base type that does not exist
    ],
)
def test_impossible_definition(fields: list[tuple[int, int, int]]) -> None:
    body = fb.definition(0, 0, [(0, 1, fb.ENUM)]) + fb.data(0, [(fb.ENUM, 4)])
    body += fb.definition(1, 20, fields)
    data = fb.fit_file(body)
    with pytest.raises(FitDecodeError):
        decode_fit(data, errors="raise")
    messages = decode_fit(data, errors="ignore")
    assert messages.frame("file_id")["type"].tolist() == ["activity"]


def test_definition_larger_than_file() -> None:
    body = fb.definition(0, 20, [(i, 255, fb.BYTE) for i in range(255)])
    body += b"\x00" + b"\x01" * 100
    with pytest.raises(FitDecodeError):
        decode_fit(fb.fit_file(body), errors="raise")


def test_data_size_beyond_file_is_truncation() -> None:
    data = bytearray(fb.simple_activity(3))
    data[4:8] = struct.pack("<I", 0xFFFFFFF0)
    data[12:14] = struct.pack("<H", fit_crc(bytes(data[:12])))
    with pytest.raises(FitDecodeError, match="truncated"):
        decode_fit(bytes(data), errors="raise")
    messages = decode_fit(bytes(data), errors="ignore")
    assert len(messages.frame("record")) == 3


# ------------------------------------------------------------ developer fields


def _dev_file() -> bytes:
    app = bytes(range(16))
    body = fb.definition(0, 207, [(0, 16, fb.BYTE), (1, 16, fb.BYTE), (3, 1, fb.UINT8)])
    body += fb.data(0, [(fb.BYTE, b"\xff" * 16), (fb.BYTE, app), (fb.UINT8, 0)])
    body += fb.definition(
        1,
        206,
        [
            (0, 1, fb.UINT8),
            (1, 1, fb.UINT8),
            (2, 1, fb.UINT8),
            (3, 16, fb.STRING),
            (6, 1, fb.UINT8),
            (7, 1, fb.SINT8),
            (8, 8, fb.STRING),
        ],
    )
    body += fb.data(
        1,
        [
            (fb.UINT8, 0),
            (fb.UINT8, 0),
            (fb.UINT8, 0x84),
            (fb.STRING, b"Leg Spring\0" + b"\0" * 5),
            (fb.UINT8, 10),
            (fb.SINT8, 1),
            (fb.STRING, b"kN/m" + b"\0" * 4),
        ],
    )
    body += fb.data(
        1,
        [
            (fb.UINT8, 0),
            (fb.UINT8, 1),
            (fb.UINT8, 0x07),
            (fb.STRING, b"Note" + b"\0" * 12),
            (fb.UINT8, 0xFF),
            (fb.SINT8, 0x7F),
            (fb.STRING, b"\0" * 8),
        ],
    )
    body += fb.definition(2, 20, [(253, 4, fb.UINT32)], dev_fields=[(0, 2, 0), (1, 6, 0)])
    for i, value in enumerate((100, 0xFFFF, 255)):
        body += fb.data(
            2, [(fb.UINT32, 1_000_000_000 + i), (fb.UINT16, value), (fb.STRING, b"ab\0\0\0\0")]
        )
    return fb.fit_file(body)


def test_developer_fields() -> None:
    data = _dev_file()
    messages = decode_fit(data, errors="raise")
    records = messages.frame("record")
    # value / scale - offset; the invalid 0xFFFF -> NaN
    np.testing.assert_allclose(records["dev_leg_spring"], [9.0, np.nan, 24.5])
    assert records["dev_note"].tolist() == ["ab"] * 3
    info = messages.developer_fields["dev_leg_spring"]
    assert info.units == "kN/m" and info.name == "Leg Spring"
    assert info.application_id == bytes(range(16)).hex()
    sdk_messages, sdk_errors = _sdk(data)
    assert not sdk_errors
    result = compare(messages, sdk_messages)
    assert result.differences == [], result.differences


# ------------------------------------------------------------ fuzzing

_SEEDS = [fb.simple_activity(6), fb.simple_activity(4, big_endian=True), _dev_file()]


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for position, value in edits:
        out[position % len(out)] = value
    if cut is not None:
        out = out[: cut % (len(out) + 1)]
    return bytes(out)


def _decode_only_stridecheck_errors(data: bytes) -> None:
    for policy in ("raise", "ignore"):
        try:
            messages = decode_fit(data, errors=policy)
        except StrideCheckError:
            continue
        for frame in messages.frames.values():
            assert "_seq" in frame


@settings(max_examples=300, deadline=None)
@given(
    seed=st.sampled_from(range(len(_SEEDS))),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
    cut=st.none() | st.integers(0, 10_000),
)
def test_fuzz_mutations_raise_only_stridecheck_errors(
    seed: int, edits: list[tuple[int, int]], cut: int | None
) -> None:
    _decode_only_stridecheck_errors(_mutate(_SEEDS[seed], edits, cut))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_after_valid_header(tail: bytes) -> None:
    header = struct.pack("<BBHI4s", 14, 0x20, 2193, len(tail), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    _decode_only_stridecheck_errors(header + tail + b"\0\0")


@pytest.mark.corpus
@settings(max_examples=100, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.none() | st.integers(0, 10_000),
)
def test_fuzz_corpus_small_files(corpus_dir: Path, edits, cut) -> None:
    for rel in (
        "fit/python-fitparse/Activity.fit",
        "fit/python-fitparse/DeveloperData.fit",
        "fit/python-fitparse/compressed-speed-distance.fit",
    ):
        _decode_only_stridecheck_errors(_mutate((corpus_dir / rel).read_bytes(), edits, cut))


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("rel", "records", "problem"),
    [
        # trailing junk after the file: a corrupt header of a "second" chained file
        ("fit/python-fitparse/activity-settings-corruptheader.fit", 14, "FIT"),
        # last message cut short and file CRC wrong: every complete record kept
        ("fit/python-fitparse/nick.fit", 14391, "truncated"),
        # header declares no data; what follows is not FIT
        ("fit/sports-lib/empty-activities.fit", 0, "CRC"),
    ],
)
def test_damaged_corpus_files_recover(
    corpus_dir: Path, rel: str, records: int, problem: str
) -> None:
    data = (corpus_dir / rel).read_bytes()
    with pytest.raises(FitDecodeError):
        decode_fit(data, errors="raise")
    messages = decode_fit(data, errors="ignore")
    assert len(messages.frame("record")) == records
    assert any(problem in w for w in messages.warnings), messages.warnings


def _interleaved_body() -> tuple[bytes, list[int]]:
    """Records on two local types (one compressed-timestamp) with a mid-stream redefinition."""
    start = 1_000_000_000
    body = fb.definition(0, 20, [(253, 4, fb.UINT32), (3, 1, fb.UINT8)])
    body += fb.definition(1, 20, [(3, 1, fb.UINT8)])
    heart_rates: list[int] = []
    for i in range(60):
        if i == 30:  # local 1 changes layout in the middle of the interleaved stretch
            body += fb.definition(1, 20, [(3, 1, fb.UINT8), (4, 1, fb.UINT8)])
        body += fb.data(0, [(fb.UINT32, start + 2 * i), (fb.UINT8, 60 + i % 50)])
        extra = [(fb.UINT8, 80)] if i >= 30 else []
        offset = (start + 2 * i + 1) & 0x1F
        body += fb.data(1, [(fb.UINT8, 120 + i % 50), *extra], compressed_offset=offset)
        heart_rates += [60 + i % 50, 120 + i % 50]
    return body, heart_rates


@pytest.mark.parametrize("bulk", [1, 16, 10**9])
def test_interleaved_stretches_scan_in_bulk(bulk: int, monkeypatch) -> None:
    monkeypatch.setattr(fit_scan, "_STRETCH_BULK", bulk)
    body, heart_rates = _interleaved_body()
    records = decode_fit(fb.fit_file(body), errors="raise").frame("record")
    assert records["heart_rate"].tolist() == heart_rates
    seconds = records["timestamp"].astype("int64") // 10**9 - fb.FIT_EPOCH_S
    assert (seconds - 1_000_000_000).tolist() == list(range(120))
    cadence = records["cadence"].to_numpy()
    assert np.isnan(cadence[:61]).all()
    assert (cadence[61::2] == 80).all() and np.isnan(cadence[60::2]).all()


@pytest.mark.parametrize("bulk", [1, 10**9])
def test_truncation_inside_an_interleaved_stretch(bulk: int, monkeypatch) -> None:
    monkeypatch.setattr(fit_scan, "_STRETCH_BULK", bulk)
    body, heart_rates = _interleaved_body()
    last = body.rindex(bytes([0x80 | 1 << 5 | (1_000_000_119 & 0x1F)]))
    cut = fb.fit_file(body)[: 14 + len(body) - 1]  # no CRC, last message cut short
    messages = _decode_quiet(cut)
    assert any(
        f"at byte {14 + last}: data message runs past the end" in text
        for text in messages.warnings
    ), messages.warnings
    assert messages.frame("record")["heart_rate"].tolist() == heart_rates[:-1]


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("rel", corpus_files("fit"))
def test_array_code_tables_equal_per_element_path(
    corpus_dir: Path, rel: Path, monkeypatch
) -> None:
    """Array fields built from code tables and shared row tuples equal element-wise building."""
    _decode_with_and_without(
        corpus_dir / rel, monkeypatch, "_TABLE_MIN_ELEMENTS", {1: 10**12, 2: 10**12}
    )


_ARRAY_SHOWS = [
    (None, None),
    (None, (1000.0, 0.0)),
    (None, (0.7111111, 0.0)),
    (None, (5.0, 500.0)),
    ("sport", None),
]


@settings(max_examples=60, deadline=None)
@given(
    base_number=st.sampled_from([0x00, 0x01, 0x02, 0x03, 0x04, 0x0A, 0x0B, 0x0D]),
    show=st.sampled_from(_ARRAY_SHOWS),
    big=st.booleans(),
    rows=st.integers(1, 40),
    width=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_array_table_rows_equal_elementwise(
    base_number: int, show: object, big: bool, rows: int, width: int, seed: int
) -> None:
    """Every integer type of one or two bytes, with invalid elements, rows repeating or not."""
    base = fit_profile.BASE_TYPES[base_number]
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 1 << (8 * base.size), size=(rows, width), dtype=np.uint64)
    codes[rng.random((rows, width)) < 0.3] = int(base.invalid)
    codes[rng.random(rows) < 0.2] = int(base.invalid)  # whole rows without a value
    codes[rows // 2 :] = codes[: rows - rows // 2]  # repeated rows
    values = codes.astype(np.dtype(f"u{base.size}")).view(base.dtype(False))
    matrix = np.ascontiguousarray(values.astype(base.dtype(big))).view(np.uint8)
    size = width * base.size
    fast = fit_decode._decode_array_final(matrix, 0, size, base, big, show=show)
    valid = values != base.invalid
    slow = fit_decode._rows(
        fit_decode._array_columns(values, valid, base, show), valid.any(axis=1)
    )
    assert len(fast) == len(slow) == rows
    for got, want in zip(fast.tolist(), slow.tolist(), strict=True):
        assert got == want
        if want is not None:
            assert [type(x) for x in got] == [type(x) for x in want]
