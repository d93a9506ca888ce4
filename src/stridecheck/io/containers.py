"""Safe unpacking of .gz and .zip containers (Garmin and Strava bulk exports).

Limits protect against decompression bombs, checked BEFORE anything is
expanded where the container says enough (a zip's central directory):

* a zip may hold at most :data:`MAX_MEMBERS` entries; no two entries may
  share or overlap their stored bytes (the "200 entries pointing at one member"
  bomb), nor carry the same name;
* a member may not exceed :data:`MAX_UNPACKED_BYTES` nor expand more than
  :data:`MAX_RATIO` times, and the declared sizes of all members together may
  not exceed :data:`MAX_UNPACKED_BYTES`; reading stops one byte past the
  declared size (a member that lies about it is refused);
* gzip streams are expanded in chunks up to the same limits;
* containers nest at most :data:`MAX_DEPTH` deep (a gzip in a zip, a zip in
  a zip), for :func:`stridecheck.read` and the importer's content hash alike.

Every exception of the zip, gzip, zlib, bz2 and lzma layers becomes a
:class:`~stridecheck.errors.ContainerError` naming the file and the member.
Nothing is ever written to disk.
"""

from __future__ import annotations

import gzip
import io
import itertools
import lzma
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass

from stridecheck.errors import ContainerError

__all__ = [
    "GZIP_MAGIC",
    "MAX_DEPTH",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_UNPACKED_BYTES",
    "ZIP_MAGIC",
    "Member",
    "gunzip",
    "gunzip_layers",
    "zip_members",
]

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
#: Largest activity a container may unpack to (and all of a zip's members together). [byte]
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
#: Largest compression ratio accepted (real activity files compress 3-20x).
MAX_RATIO = 200
#: Most entries a zip may hold (a Garmin export of ten years holds a few thousand).
MAX_MEMBERS = 20_000
#: How deeply containers may nest: 2 allows a .fit.gz inside a zip, or a zip in a zip.
MAX_DEPTH = 2
#: Compression methods read: stored, deflate, bzip2, lzma.
_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
#: What the decompression layers raise for damaged input (besides ContainerError).
_LAYER_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    TypeError,
    OverflowError,
    IndexError,
    KeyError,
    struct.error,
    UnicodeError,
)
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


@dataclass(frozen=True)
class Member:
    """One file inside a container."""

    name: str
    data: bytes


def gunzip(
    data: bytes,
    path: str | os.PathLike[str] | None = None,
    limit: int = MAX_UNPACKED_BYTES,
    member: str | None = None,
) -> bytes:
    """Decompress gzip bytes (concatenated members too), refusing bombs.

    Parameters
    ----------
    data
        The gzip stream.
    path
        The file, for messages.
    limit
        Most bytes the stream may expand to. [byte]
    member
        The zip member the stream came from, for messages.

    Raises
    ------
    ContainerError
        When the stream is corrupt or would exceed ``limit`` or :data:`MAX_RATIO`.
    """
    cap = min(limit, max(len(data), 1) * MAX_RATIO)
    inside = "" if member is None else f" in zip member {member!r}"
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while chunk := fh.read(1 << 20):
                out += chunk
                if len(out) > cap:
                    raise ContainerError(
                        path,
                        f"gzip content{inside} expands beyond {cap} bytes: refused as unsafe",
                    )
    except ContainerError:
        raise
    except _LAYER_ERRORS as exc:
        raise ContainerError(path, f"corrupt gzip stream{inside} ({exc})") from None
    return bytes(out)


def gunzip_layers(
    data: bytes,
    path: str | os.PathLike[str] | None = None,
    depth: int = 0,
    member: str | None = None,
) -> bytes:
    """Unpack nested gzip layers (``.fit.gz``, ``.fit.gz.gz``) up to :data:`MAX_DEPTH`.

    Parameters
    ----------
    data
        Bytes that may be a gzip stream.
    path
        The file, for messages.
    depth
        Containers already opened around ``data`` (a zip counts one).
    member
        The zip member ``data`` came from, for messages.

    Raises
    ------
    ContainerError
        Corrupt or unsafe layers, or more than :data:`MAX_DEPTH` containers.
    """
    while data[:2] == GZIP_MAGIC:
        if depth >= MAX_DEPTH:
            raise ContainerError(
                path, f"containers nested too deeply (more than {MAX_DEPTH}): refused as unsafe"
            )
        data = gunzip(data, path, member=member)
        depth += 1
    return data


def _check_layout(
    archive: zipfile.ZipFile, data: bytes, path: str | os.PathLike[str] | None, limit: int
) -> None:
    """Refuse a zip whose directory alone shows a bomb (see module docs), expanding nothing."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ContainerError(
            path, f"zip archive holds {len(infos)} entries (at most {MAX_MEMBERS}): refused"
        )
    names: set[str] = set()
    spans: list[tuple[int, int, str]] = []
    declared = 0
    for info in infos:
        name = info.filename
        if name in names:
            raise ContainerError(path, f"zip archive holds {name!r} twice: refused as unsafe")
        names.add(name)
        declared += info.file_size
        start = info.header_offset
        try:
            header = _LOCAL_HEADER.unpack_from(data, start)
        except struct.error:
            raise ContainerError(
                path, f"zip member {name!r} points outside the archive: refused"
            ) from None
        if header[0] != ZIP_MAGIC:
            raise ContainerError(path, f"zip member {name!r} has no local header: refused")
        end = start + _LOCAL_HEADER.size + header[-2] + header[-1] + info.compress_size
        spans.append((start, end, name))
    if declared > limit:
        raise ContainerError(
            path,
            f"zip content would expand to {declared} bytes, over the size limit of {limit}: "
            "refused as unsafe",
        )
    spans.sort()
    for (_, end, name), (start, _, other) in itertools.pairwise(spans):
        if start < end:
            raise ContainerError(
                path,
                f"zip members {name!r} and {other!r} overlap (one stored file read many "
                "times: a zip bomb): refused",
            )


def zip_members(
    data: bytes, path: str | os.PathLike[str] | None = None, limit: int = MAX_UNPACKED_BYTES
) -> list[Member]:
    """Return the regular files of a zip archive, in archive order, safely.

    Directory entries, and names that are absolute or climb out (``..``), are
    skipped; the archive's layout is checked before anything is expanded, and
    members that are too large or compress suspiciously well raise.

    Raises
    ------
    ContainerError
        Corrupt archive, encrypted member, unsupported compression, or a bomb.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _LAYER_ERRORS as exc:
        raise ContainerError(path, f"corrupt zip archive ({exc})") from None
    members: list[Member] = []
    with archive:
        _check_layout(archive, data, path, limit)
        for info in archive.infolist():
            name = info.filename.replace("\\", "/")
            if info.is_dir() or name.startswith("/") or ".." in name.split("/"):
                continue
            if info.flag_bits & 0x1:
                raise ContainerError(path, f"zip member {name!r} is encrypted")
            if info.compress_type not in _METHODS:
                raise ContainerError(
                    path,
                    f"zip member {name!r} uses compression method {info.compress_type}, "
                    f"not one of {', '.join(_METHODS.values())}",
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limit or ratio > MAX_RATIO:
                raise ContainerError(
                    path, f"zip member {name!r} would expand to {info.file_size} bytes: refused"
                )
            try:
                with archive.open(info) as fh:
                    content = fh.read(info.file_size + 1)
            except _LAYER_ERRORS as exc:
                raise ContainerError(
                    path, f"zip member {name!r} is corrupt ({type(exc).__name__}: {exc})"
                ) from None
            if len(content) != info.file_size:
                raise ContainerError(path, f"zip member {name!r} lies about its size")
            members.append(Member(name, content))
    return members
