"""Damaged input gives an Activity or a StrideCheckError, nothing else.

Valid FIT and GPX files are made at test time by the simulator and the
project's writers, TCX inline (see ``conftest.activity_files``); hypothesis then
flips, inserts and deletes bytes, truncates, and repeats stretches of them.
"""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import assert_canonical
from stridecheck import StrideCheckError, StrideCheckWarning, read

FORMATS = ["fit", "gpx", "tcx"]
POLICIES = st.sampled_from(["raise", "warn", "ignore"])


def _check(data: bytes, policy: str) -> None:
    """Read damaged bytes: an Activity honouring the contract, or a StrideCheckError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        try:
            activity = read(data, errors=policy)
        except StrideCheckError:
            return
    assert_canonical(activity)


@st.composite
def _mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with 1-8 edits: byte replacements, insertions, deletions, repeated stretches."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "repeat", "bitflip"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "replace" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "bitflip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 16))]
        elif kind == "repeat":
            length = draw(st.integers(1, 64))
            data[pos:pos] = data[pos : pos + length]
    return bytes(data)


def _base(activity_files: dict[str, Path], fmt: str) -> bytes:
    return activity_files[fmt].read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
@given(data=st.data())
def test_mutated_files(fmt: str, activity_files: dict[str, Path], data: st.DataObject) -> None:
    base = _base(activity_files, fmt)
    _check(data.draw(_mutated(base), label="mutated"), data.draw(POLICIES, label="errors"))


@pytest.mark.parametrize("fmt", FORMATS)
@given(data=st.data())
def test_truncated_files(fmt: str, activity_files: dict[str, Path], data: st.DataObject) -> None:
    base = _base(activity_files, fmt)
    cut = data.draw(st.integers(0, len(base)), label="cut")
    _check(base[:cut], data.draw(POLICIES, label="errors"))


@pytest.mark.parametrize("fmt", FORMATS)
@given(data=st.data())
def test_mutated_files_in_gzip(
    fmt: str, activity_files: dict[str, Path], data: st.DataObject
) -> None:
    base = _base(activity_files, fmt)
    _check(gzip.compress(data.draw(_mutated(base), label="mutated")), "warn")


@given(
    payload=st.binary(max_size=512),
    prefix=st.sampled_from([b"", b"\x0e\x10", b"<gpx", b"PK\x03\x04", b"\x1f\x8b"]),
)
def test_random_bytes(payload: bytes, prefix: bytes) -> None:
    _check(prefix + payload, "warn")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_truncation_of_the_header(fmt: str, activity_files: dict[str, Path]) -> None:
    """Deterministic: the first 64 prefixes of each file."""
    base = _base(activity_files, fmt)
    for cut in range(min(64, len(base))):
        _check(base[:cut], "warn")
