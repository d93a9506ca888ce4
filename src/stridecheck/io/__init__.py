"""Reading activity files: FIT, GPX and TCX, bare or inside .gz / .zip.

:func:`read` chooses the format from the content, never from the file name,
and returns an :class:`~stridecheck.activity.Activity`. The per-format readers
follow pvlib's naming: ``read_<format>(path)`` for a file and
``parse_<format>(data)`` for bytes.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from stridecheck.activity import Activity
from stridecheck.errors import (
    ContainerError,
    ErrorPolicy,
    InputError,
    StrideCheckError,
    UnsupportedFormatError,
)
from stridecheck.io.containers import GZIP_MAGIC, MAX_DEPTH, ZIP_MAGIC, gunzip, zip_members
from stridecheck.io.files import read_file_bytes

_log = logging.getLogger(__name__)

__all__ = ["read", "sniff_format"]

Source = str | os.PathLike[str] | bytes | bytearray | memoryview

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff_format(data: bytes) -> str:
    """Name the format of some bytes from their content.

    Parameters
    ----------
    data
        The start of a file (a few kB suffice).

    Returns
    -------
    str
        One of ``"fit"``, ``"gzip"``, ``"zip"``, ``"gpx"``, ``"tcx"`` or ``"unknown"``.
    """
    if len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT":
        return "fit"
    if data[:2] == GZIP_MAGIC:
        return "gzip"
    if data[:4] == ZIP_MAGIC:
        return "zip"
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            head = head.decode("utf-16", errors="ignore").encode("utf-8")
        except UnicodeError:  # pragma: no cover - errors="ignore" never raises
            return "unknown"
    lowered = head.lower()
    if b"<" in lowered:
        if b"<trainingcenterdatabase" in lowered or b":trainingcenterdatabase" in lowered:
            return "tcx"
        if b"<activities" in lowered and b"<trackpoint" in lowered:
            # TCX fragments without the root element (seen in the wild)
            return "tcx"
        if b"<gpx" in lowered or b":gpx" in lowered:
            return "gpx"
    return "unknown"


def _parse_payload(
    data: bytes, name: str | None, policy: ErrorPolicy, depth: int, member: str | None = None
) -> tuple[Activity, str | None]:
    fmt = sniff_format(data)
    if fmt == "fit":
        from stridecheck.io.fit import parse_fit

        return parse_fit(data, errors=policy, source_path=name), None
    if fmt == "gpx":
        from stridecheck.io.gpx import parse_gpx

        return parse_gpx(data, errors=policy, source_path=name), None
    if fmt == "tcx":
        from stridecheck.io.tcx import parse_tcx

        return parse_tcx(data, errors=policy, source_path=name), None
    if fmt in ("gzip", "zip") and depth >= MAX_DEPTH:
        raise ContainerError(
            name, f"containers nested too deeply (more than {MAX_DEPTH}): refused as unsafe"
        )
    if fmt == "gzip":
        inner = gunzip(data, name, member=member)
        activity, _ = _parse_payload(inner, name, policy, depth + 1, member)
        return activity, "gzip"
    if fmt == "zip":
        members = [m for m in zip_members(data, name) if sniff_format(m.data) != "unknown"]
        if not members:
            raise ContainerError(name, "zip archive holds no FIT, GPX or TCX file")
        if len(members) > 1:
            names = ", ".join(m.name for m in members[:5])
            raise ContainerError(
                name,
                f"zip archive holds {len(members)} activity files ({names}...); "
                "read them one by one or use 'stridecheck import'",
            )
        activity, _ = _parse_payload(members[0].data, name, policy, depth + 1, members[0].name)
        activity.meta.extra["zip_member"] = members[0].name
        return activity, "zip"
    raise UnsupportedFormatError(
        name, "not a FIT, GPX or TCX file (nor one of those in .gz/.zip): content not recognised"
    )


def read(
    source: Source, errors: ErrorPolicy | str = "warn", *, name: str | None = None
) -> Activity:
    """Read an activity file into the canonical :class:`Activity`.

    Parameters
    ----------
    source
        Path to a FIT, GPX or TCX file (optionally gzip-compressed or the only
        activity in a zip archive), or the file's bytes.
    errors
        Policy for malformed but recoverable input: ``"raise"`` stops at the
        first problem, ``"warn"`` (default) keeps what is sound and emits a
        :class:`~stridecheck.errors.StrideCheckWarning`, ``"ignore"`` keeps what
        is sound quietly. Every problem is listed in ``activity.meta.warnings``.
    name
        What to call bytes in errors and warnings (e.g. an uploaded file's
        name); ignored for a path, which names itself. Default ``<bytes>``.

    Returns
    -------
    Activity

    Raises
    ------
    StrideCheckError
        For anything wrong with the input (a subclass says what); no other
        exception escapes for bad input.
    """
    policy = ErrorPolicy.coerce(errors)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        name = str(Path(source))
        data = read_file_bytes(source)
    if not data:
        raise UnsupportedFormatError(name, "file is empty")
    try:
        activity, container = _parse_payload(data, name, policy, 0)
    except StrideCheckError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, OverflowError, UnicodeError) as exc:
        # Defensive net: a parser bug on hostile input must still name the file.
        raise InputError(name, f"could not be read ({type(exc).__name__}: {exc})") from exc
    activity.meta.source_path = name
    activity.meta.sha256 = hashlib.sha256(data).hexdigest()
    activity.meta.container = container
    _log.debug(
        "%s: %s%s, %d samples, %d problem(s)",
        name or "<bytes>",
        activity.meta.source_format,
        f" in {container}" if container else "",
        len(activity.samples),
        len(activity.meta.warnings),
    )
    return activity
