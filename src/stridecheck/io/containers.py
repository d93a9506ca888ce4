"""Safe unpacking of .gz and .zip containers (Garmin and Strava bulk exports).

Limits protect against decompression bombs: a member may not exceed
:data:`MAX_UNPACKED_BYTES` nor expand more than :data:`MAX_RATIO` times.
Nothing is ever written to disk.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
import zlib
from dataclasses import dataclass

from stridecheck.errors import ContainerError

__all__ = [
    "GZIP_MAGIC",
    "MAX_RATIO",
    "MAX_UNPACKED_BYTES",
    "ZIP_MAGIC",
    "Member",
    "gunzip",
    "zip_members",
]

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
#: Largest activity a container may unpack to. [byte]
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
#: Largest compression ratio accepted (real activity files compress 3-20x).
MAX_RATIO = 200


@dataclass(frozen=True)
class Member:
    """One file inside a container."""

    name: str
    data: bytes


def gunzip(
    data: bytes, path: str | os.PathLike[str] | None = None, limit: int = MAX_UNPACKED_BYTES
) -> bytes:
    """Decompress gzip bytes (concatenated members too), refusing bombs.

    Raises
    ------
    ContainerError
        When the stream is corrupt or would exceed ``limit`` or :data:`MAX_RATIO`.
    """
    cap = min(limit, max(len(data), 1) * MAX_RATIO)
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while chunk := fh.read(1 << 20):
                out += chunk
                if len(out) > cap:
                    raise ContainerError(
                        path, f"gzip content expands beyond {cap} bytes: refused as unsafe"
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise ContainerError(path, f"corrupt gzip stream ({exc})") from None
    return bytes(out)


def zip_members(
    data: bytes, path: str | os.PathLike[str] | None = None, limit: int = MAX_UNPACKED_BYTES
) -> list[Member]:
    """Return the regular files of a zip archive, in archive order, safely.

    Directory entries, and names that are absolute or climb out (``..``), are
    skipped; members that are too large or compress suspiciously well raise.

    Raises
    ------
    ContainerError
        Corrupt archive, encrypted member, or a bomb.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ContainerError(path, f"corrupt zip archive ({exc})") from None
    members: list[Member] = []
    total = 0
    with archive:
        for info in archive.infolist():
            name = info.filename.replace("\\", "/")
            if info.is_dir() or name.startswith("/") or ".." in name.split("/"):
                continue
            if info.flag_bits & 0x1:
                raise ContainerError(path, f"zip member {name!r} is encrypted")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limit or ratio > MAX_RATIO:
                raise ContainerError(
                    path, f"zip member {name!r} would expand to {info.file_size} bytes: refused"
                )
            total += info.file_size
            if total > limit:
                raise ContainerError(path, "zip content exceeds the size limit: refused")
            try:
                with archive.open(info) as fh:
                    content = fh.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, zlib.error, EOFError) as exc:
                raise ContainerError(path, f"zip member {name!r} is corrupt ({exc})") from None
            if len(content) > info.file_size:
                raise ContainerError(path, f"zip member {name!r} lies about its size")
            members.append(Member(name, content))
    return members
