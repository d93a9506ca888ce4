"""``stridecheck.read``: format from content, bytes input, .gz / .zip containers, bad paths."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

import stridecheck
from conftest import assert_canonical, make_gpx, make_tcx
from stridecheck import (
    ContainerError,
    InputError,
    StrideCheckError,
    UnsupportedFormatError,
    read,
)
from stridecheck.io import sniff_format


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["fit", "gpx", "tcx"])
def test_sniff_format_names_each_format(fmt: str, activity_files: dict[str, Path]) -> None:
    assert sniff_format(activity_files[fmt].read_bytes()) == fmt


def test_sniff_format_containers_and_unknown() -> None:
    assert sniff_format(gzip.compress(b"x")) == "gzip"
    assert sniff_format(_zip({"a.txt": b"x"})) == "zip"
    assert sniff_format(b"hello, world") == "unknown"
    assert sniff_format(b"") == "unknown"


@pytest.mark.parametrize(
    ("fmt", "wrong_name"), [("fit", "run.gpx"), ("gpx", "run.tcx"), ("tcx", "run.fit")]
)
def test_format_comes_from_content_not_extension(
    fmt: str, wrong_name: str, activity_files: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / wrong_name
    path.write_bytes(activity_files[fmt].read_bytes())
    activity = read(path)
    assert activity.meta.source_format == fmt
    assert activity.meta.source_path == str(path)
    assert_canonical(activity)


@pytest.mark.parametrize("fmt", ["fit", "gpx", "tcx"])
def test_bytes_input_equals_path_input(fmt: str, activity_files: dict[str, Path]) -> None:
    data = activity_files[fmt].read_bytes()
    from_path = read(activity_files[fmt])
    from_bytes = read(data)
    assert from_bytes.meta.source_path is None
    assert from_bytes.meta.sha256 == from_path.meta.sha256
    assert from_bytes.samples.equals(from_path.samples)
    assert read(bytearray(data)).samples.equals(from_path.samples)
    assert read(memoryview(data)).samples.equals(from_path.samples)


def test_simulated_fit_round_trip_keeps_the_samples(
    activity_files: dict[str, Path], simulated_activity: stridecheck.Activity
) -> None:
    activity = read(activity_files["fit"])
    assert_canonical(activity)
    assert len(activity.samples) == len(simulated_activity.samples)
    assert activity.start_time == simulated_activity.start_time
    for col in ("heart_rate_bpm", "cadence_spm", "lat_deg", "lon_deg"):
        assert col in activity.fields_present()


def test_inline_gpx_and_tcx_give_their_points() -> None:
    gpx = read(make_gpx(n=30))
    tcx = read(make_tcx(n=30))
    for activity, fmt in ((gpx, "gpx"), (tcx, "tcx")):
        assert activity.meta.source_format == fmt
        assert len(activity.samples) == 30
        assert activity.duration_s == pytest.approx(29.0)
        assert "heart_rate_bpm" in activity.fields_present()
        assert "lat_deg" in activity.fields_present()
        assert_canonical(activity)


@pytest.mark.parametrize("fmt", ["fit", "gpx", "tcx"])
def test_gzip_container(fmt: str, activity_files: dict[str, Path], tmp_path: Path) -> None:
    data = activity_files[fmt].read_bytes()
    path = tmp_path / "activity.gz"
    path.write_bytes(gzip.compress(data))
    activity = read(path)
    assert activity.meta.container == "gzip"
    assert activity.meta.source_format == fmt
    assert activity.samples.equals(read(data).samples)


@pytest.mark.parametrize("fmt", ["fit", "gpx", "tcx"])
def test_zip_with_one_activity_and_other_files(fmt: str, activity_files: dict[str, Path]) -> None:
    data = activity_files[fmt].read_bytes()
    archive = _zip({"README.txt": b"not an activity", f"export/run.{fmt}": data})
    activity = read(archive)
    assert activity.meta.container == "zip"
    assert activity.meta.extra["zip_member"] == f"export/run.{fmt}"
    assert activity.samples.equals(read(data).samples)


def test_zip_with_a_gzipped_activity_inside(activity_files: dict[str, Path]) -> None:
    data = activity_files["gpx"].read_bytes()
    activity = read(_zip({"run.gpx.gz": gzip.compress(data)}))
    assert activity.meta.container == "zip"
    assert len(activity.samples) == len(read(data).samples)


def test_zip_with_several_activities_is_a_clear_error(activity_files: dict[str, Path]) -> None:
    archive = _zip(
        {"a.fit": activity_files["fit"].read_bytes(), "b.gpx": activity_files["gpx"].read_bytes()}
    )
    with pytest.raises(ContainerError, match=r"2 activity files \(a\.fit, b\.gpx"):
        read(archive)


def test_zip_without_activity_is_a_clear_error() -> None:
    with pytest.raises(ContainerError, match="holds no FIT, GPX or TCX"):
        read(_zip({"notes.txt": b"hello"}))


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.fit"
    path.write_bytes(b"")
    with pytest.raises(UnsupportedFormatError, match="empty") as info:
        read(path)
    assert info.value.path == path
    with pytest.raises(UnsupportedFormatError, match="empty"):
        read(b"")


def test_unsupported_content(tmp_path: Path) -> None:
    path = tmp_path / "run.fit"
    path.write_text("date,speed\n2024-01-01,3.0\n")
    with pytest.raises(UnsupportedFormatError, match="not a FIT, GPX or TCX") as info:
        read(path)
    assert str(info.value).startswith(str(path))


def test_xml_that_is_neither_gpx_nor_tcx() -> None:
    with pytest.raises(UnsupportedFormatError):
        read(b'<?xml version="1.0"?><kml><Document/></kml>')


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "nope.fit")
    with pytest.raises(InputError, match="folder"):
        read(tmp_path)


def test_every_error_is_a_stridecheck_error(tmp_path: Path) -> None:
    for bad in (b"", b"\x00" * 10, b"<gpx>", gzip.compress(b"junk"), b"PK\x03\x04junk"):
        with pytest.raises(StrideCheckError):
            read(bad)


def test_unknown_error_policy_is_a_value_error(activity_files: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="errors="):
        read(activity_files["gpx"], errors="loud")
