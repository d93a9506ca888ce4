"""Every file of the shared corpus of real public recordings, through ``stridecheck.read``.

Each file gives an :class:`~stridecheck.activity.Activity` that honours the public
contract (documented column names, float64 values, a UTC index named ``time``),
or a :class:`~stridecheck.errors.StrideCheckError` naming the file: nothing else.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from conftest import assert_canonical, corpus_files
from stridecheck import Activity, StrideCheckError, StrideCheckWarning, read

pytestmark = pytest.mark.corpus


def _read_or_error(path: Path, errors: str) -> Activity | StrideCheckError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        try:
            return read(path, errors=errors)
        except StrideCheckError as exc:
            return exc


def _must_read(row: dict[str, str]) -> bool:
    """A FIT file garmin-fit-sdk decodes, holding running records, must give an Activity."""
    return (
        row["format"] == "fit"
        and row["decodes_ok_garmin_sdk"] == "True"
        and row["sport"].startswith("running")
        and row["records_or_points"].isdigit()
        and int(row["records_or_points"]) > 0
    )


@pytest.mark.parametrize("relpath", corpus_files())
def test_corpus_file_reads_or_fails_cleanly(
    relpath: Path | None, corpus_dir: Path, manifest: list[dict[str, str]]
) -> None:
    assert relpath is not None
    path = corpus_dir / relpath
    row = next(r for r in manifest if r["path"] == relpath.as_posix())
    result = _read_or_error(path, "warn")
    if isinstance(result, StrideCheckError):
        assert str(result).startswith(str(path)), "the error must name the file"
        assert not _must_read(row), f"a decodable running file was refused: {result}"
        return
    assert_canonical(result)
    assert len(result.samples) > 0
    assert result.samples.index.is_monotonic_increasing
    assert result.meta.source_path == str(path)
    assert result.meta.sha256 is not None
    assert math.isfinite(result.duration_s) and result.duration_s >= 0
    assert all(isinstance(w, str) and w for w in result.meta.warnings)


@pytest.mark.parametrize("relpath", corpus_files(max_bytes=1_000_000))
def test_corpus_file_under_strict_policy(relpath: Path | None, corpus_dir: Path) -> None:
    """``errors="raise"`` turns recoverable problems into errors, still only StrideCheckError.

    Files above 1 MB are left out here to keep the suite quick; they are read
    under the default policy above.
    """
    assert relpath is not None
    result = _read_or_error(corpus_dir / relpath, "raise")
    if isinstance(result, Activity):
        assert_canonical(result)


def test_manifest_lists_every_format(manifest: list[dict[str, str]]) -> None:
    formats = {row["format"] for row in manifest}
    assert {"fit", "gpx", "tcx"} <= formats
    assert any(_must_read(row) for row in manifest)
