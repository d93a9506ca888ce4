"""Safe .gz / .zip unpacking: traversal names skipped, bombs refused, corruption reported."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import pytest

from conftest import make_gpx
from stridecheck import ContainerError, read
from stridecheck.io.containers import MAX_RATIO, gunzip, zip_members


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buf.getvalue()


GPX = make_gpx(n=20)


# --- path traversal ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../evil.gpx", "a/../../evil.gpx", "/etc/evil.gpx", "..\\evil.gpx", "a\\..\\..\\x"]
)
def test_zip_traversal_names_are_skipped(name: str) -> None:
    archive = _zip({name: GPX, "ok/run.gpx": GPX})
    assert [m.name for m in zip_members(archive)] == ["ok/run.gpx"]


def test_zip_with_only_traversal_names_holds_no_activity() -> None:
    archive = _zip({"../evil.gpx": GPX, "/abs.gpx": GPX})
    assert zip_members(archive) == []
    with pytest.raises(ContainerError, match="holds no FIT, GPX or TCX"):
        read(archive)


def test_zip_directories_are_skipped() -> None:
    archive = _zip({"folder/": b"", "folder/run.gpx": GPX})
    assert [m.name for m in zip_members(archive)] == ["folder/run.gpx"]


# --- bombs -------------------------------------------------------------------------


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    assert len(bomb) * MAX_RATIO < 8 * 1024 * 1024
    with pytest.raises(ContainerError, match="refused as unsafe"):
        gunzip(bomb)
    with pytest.raises(ContainerError, match="refused"):
        read(bomb)


def test_gzip_size_limit() -> None:
    data = gzip.compress(GPX)
    assert gunzip(data) == GPX
    with pytest.raises(ContainerError, match="refused"):
        gunzip(data, limit=len(GPX) - 1)


def test_concatenated_gzip_members_are_read() -> None:
    assert gunzip(gzip.compress(b"abc") + gzip.compress(b"def")) == b"abcdef"


def test_zip_bomb_is_refused() -> None:
    bomb = _zip({"bomb.gpx": b"\0" * (8 * 1024 * 1024)})
    with pytest.raises(ContainerError, match="refused"):
        zip_members(bomb)
    with pytest.raises(ContainerError, match="refused"):
        read(bomb)


def test_zip_total_size_limit() -> None:
    archive = _zip({"a.gpx": GPX, "b.gpx": GPX}, compression=zipfile.ZIP_STORED)
    with pytest.raises(ContainerError, match="size limit"):
        zip_members(archive, limit=len(GPX) + 10)


def test_zip_member_that_lies_about_its_size_is_refused() -> None:
    archive = bytearray(_zip({"run.gpx": GPX}, compression=zipfile.ZIP_STORED))
    # Shrink the declared uncompressed size in the central directory.
    cd = archive.rfind(b"PK\x01\x02")
    declared = struct.unpack_from("<I", archive, cd + 24)[0]
    struct.pack_into("<I", archive, cd + 24, declared - 100)
    with pytest.raises(ContainerError):
        zip_members(bytes(archive))


def test_nesting_is_limited() -> None:
    doubly = gzip.compress(gzip.compress(GPX))
    assert read(doubly).meta.container == "gzip"
    with pytest.raises(ContainerError, match="nested too deeply"):
        read(gzip.compress(doubly))


# --- corrupt containers ------------------------------------------------------------


def test_truncated_gzip() -> None:
    data = gzip.compress(GPX)
    with pytest.raises(ContainerError, match="corrupt gzip"):
        read(data[: len(data) // 2])


def test_gzip_with_bad_crc() -> None:
    data = bytearray(gzip.compress(GPX))
    data[-8] ^= 0xFF  # CRC32 of the member
    with pytest.raises(ContainerError, match="corrupt gzip"):
        read(bytes(data))


def test_gzip_header_only() -> None:
    with pytest.raises(ContainerError):
        read(b"\x1f\x8b")


def test_truncated_zip() -> None:
    data = _zip({"run.gpx": GPX})
    with pytest.raises(ContainerError, match="corrupt zip"):
        read(data[: len(data) // 2])


def test_zip_with_corrupt_member_data() -> None:
    archive = bytearray(_zip({"run.gpx": GPX}, compression=zipfile.ZIP_STORED))
    start = archive.find(b"<gpx")
    archive[start + 10] ^= 0xFF  # stored bytes no longer match their CRC-32
    with pytest.raises(ContainerError, match="corrupt"):
        read(bytes(archive))


def test_encrypted_zip_member_is_refused() -> None:
    archive = bytearray(_zip({"run.gpx": GPX}))
    # Set the "encrypted" general-purpose flag in the local and the central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = archive.find(signature)
        flags = struct.unpack_from("<H", archive, pos + offset)[0]
        struct.pack_into("<H", archive, pos + offset, flags | 0x1)
    with pytest.raises(ContainerError, match="encrypted"):
        read(bytes(archive))


def test_zip_magic_then_junk() -> None:
    with pytest.raises(ContainerError):
        read(b"PK\x03\x04" + b"\x00" * 100)


def test_container_errors_name_the_file(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "broken.fit.gz"
    path.write_bytes(gzip.compress(GPX)[:30])
    with pytest.raises(ContainerError) as info:
        read(path)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")


# --- hostile layouts: refused before anything is expanded ------------------------------


def _central_entries(archive: bytes) -> list[int]:
    """Offsets of the central directory entries of a zip built by :func:`_zip`."""
    out, pos = [], archive.find(b"PK\x01\x02")
    while pos >= 0:
        out.append(pos)
        pos = archive.find(b"PK\x01\x02", pos + 4)
    return out


def test_entries_pointing_at_one_member_are_refused_before_expanding() -> None:
    """200 directory entries sharing one stored member: 25 kB that would grow 200-fold."""
    members = {f"run{i:03d}.gpx": GPX for i in range(200)}
    archive = bytearray(_zip(members, compression=zipfile.ZIP_STORED))
    for pos in _central_entries(bytes(archive)):
        archive[pos + 42 : pos + 46] = struct.pack("<L", 0)  # every entry -> the first member
    with pytest.raises(ContainerError, match="overlap"):
        zip_members(bytes(archive))
    with pytest.raises(ContainerError, match="overlap"):
        read(bytes(archive))


def test_duplicate_names_and_too_many_members_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import warnings

    from stridecheck.io import containers

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr("run.gpx", GPX)
            archive.writestr("run.gpx", GPX)
    with pytest.raises(ContainerError, match="twice"):
        zip_members(buf.getvalue())
    monkeypatch.setattr(containers, "MAX_MEMBERS", 5)
    with pytest.raises(ContainerError, match="entries"):
        zip_members(_zip({f"{i}.gpx": GPX for i in range(6)}))


def test_declared_total_size_is_checked_before_expanding() -> None:
    archive = _zip({"a.gpx": GPX, "b.gpx": GPX})
    with pytest.raises(ContainerError, match="size limit"):
        zip_members(archive, limit=len(GPX) + 10)


@pytest.mark.parametrize("method", [9, 98, 99])  # deflate64, AE-x, unknown
def test_unsupported_compression_methods_are_container_errors(method: int) -> None:
    archive = bytearray(_zip({"run.gpx": GPX}))
    archive[8:10] = struct.pack("<H", method)  # local header
    for pos in _central_entries(bytes(archive)):
        archive[pos + 10 : pos + 12] = struct.pack("<H", method)
    with pytest.raises(ContainerError, match="compression method"):
        read(bytes(archive))


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2, zipfile.ZIP_DEFLATED]
)
def test_corrupt_compressed_members_are_container_errors(compression: int) -> None:
    archive = bytearray(_zip({"run.gpx": GPX}, compression=compression))
    start = 30 + len("run.gpx")
    for k in range(start + 4, start + 60):
        archive[k] ^= 0x5A
    with pytest.raises(ContainerError, match=r"'run\.gpx'"):
        read(bytes(archive))


def test_gzip_in_a_zip_member_names_the_member() -> None:
    archive = _zip({"run.gpx.gz": gzip.compress(GPX)[:-12] + b"\0" * 12})
    with pytest.raises(ContainerError, match=r"'run\.gpx\.gz'"):
        read(archive)


def test_one_depth_limit_for_read_and_the_content_hash(tmp_path: pytest.TempPathFactory) -> None:
    """Thousands of nested gzip layers in a small upload are refused at the limit, at once."""
    import time
    from pathlib import Path

    from stridecheck.importer import content_sha256, import_paths
    from stridecheck.io.containers import MAX_DEPTH
    from stridecheck.store import Store

    nested = GPX
    for _ in range(40):
        nested = gzip.compress(nested)
    t0 = time.perf_counter()
    with pytest.raises(ContainerError, match="nested too deeply"):
        content_sha256(nested)
    with pytest.raises(ContainerError, match="nested too deeply"):
        read(nested)
    assert time.perf_counter() - t0 < 1.0
    allowed = GPX
    for _ in range(MAX_DEPTH):
        allowed = gzip.compress(allowed)
    assert content_sha256(allowed) == content_sha256(GPX)
    assert len(read(allowed).samples) == 20
    # a .gz inside a zip counts the zip: the hash refuses what read would
    folder = Path(str(tmp_path))
    (folder / "deep.zip").write_bytes(_zip({"run.gpx.gz": allowed}))
    with Store.open(folder / "s.db") as store:
        summary = import_paths(store, [folder / "deep.zip"], "ana")
    assert not summary.imported
    assert [r.kind for r in summary.rejected] == ["container"]
    assert "nested too deeply" in summary.rejected[0].reason
