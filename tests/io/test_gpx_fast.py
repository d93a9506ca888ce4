"""Fast paths of the GPX reader equal the formulations they replace."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import corpus_files
from stridecheck.io import gpx, trackpoints, xml


def _findall_prefixes(data: bytes) -> set[bytes]:
    return {a or b for a, b in xml._PREFIX_USE_RE.findall(data)}


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("gpx") + corpus_files("tcx"))
def test_used_prefixes_equal_findall_on_corpus(corpus_dir: Path, rel: Path) -> None:
    data = (corpus_dir / rel).read_bytes()
    if rel.suffix == ".gz":
        data = gzip.decompress(data)
    assert xml._used_prefixes(data) == _findall_prefixes(data)


_PIECES = st.sampled_from(
    [b"<", b"</", b">", b" ", b"\n", b"=", b":", b"a", b"gpx", b"ns3", b"x.y", b"_p", b"-",
     b'"', b"<gpxdata:hr>", b' xmlns:a="u"', b" a:b =", b"</a:b>", b"1"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40))
def test_used_prefixes_equal_findall_fuzzed(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert xml._used_prefixes(data) == _findall_prefixes(data)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
            st.sampled_from(["", " ", " 12 ", "1_0", "nan", "-inf", "abc", "1e400", "١٢"]),
            st.floats(allow_nan=False),
        ),
        max_size=12,
    )
)
def test_to_float_equals_numpy_conversion(values: list) -> None:
    num, n_bad = trackpoints.to_float(values)
    try:
        expected = np.array(values, dtype=float)
    except (ValueError, TypeError, OverflowError):
        return  # the general path: unchanged
    expected[~np.isfinite(expected)] = np.nan
    np.testing.assert_array_equal(num, expected)
    assert n_bad >= 0


def test_raw_columns_are_slices_of_the_flat_rows() -> None:
    raw = gpx._Raw()
    rows = [[f"t{i}", f"{i}", f"{-i}"] + [None] * (gpx._WIDTH - 3) for i in range(4)]
    for row in rows:
        raw.values.extend(row)
    assert raw.n_points == 4
    assert raw.column("time") == ["t0", "t1", "t2", "t3"]
    columns = raw.columns()
    assert list(columns) == list(gpx._ROW_FIELDS)
    assert columns["lon"] == ["0", "-1", "-2", "-3"]
    assert gpx._Raw().columns()["time"] == []


def test_used_prefixes_with_many_distinct_prefixes() -> None:
    data = b"<gpx>" + b"".join(b"<p%d:x a%d:y='1'/>" % (i, i) for i in range(200)) + b"</gpx>"
    assert xml._used_prefixes(data) == _findall_prefixes(data)
    assert len(xml._used_prefixes(data)) == 400
