"""FIT file headers, the FIT CRC and the scan of message headers.

:func:`scan_fit` walks a (possibly chained) FIT stream once: it checks every
file header and CRC, parses the definition messages
(:mod:`stridecheck.io.fit.definitions`) and records, for every data message,
which layout it uses and where its bytes start. Decoding the values is left to
:mod:`stridecheck.io.fit.decode`.
"""

from __future__ import annotations

import array as pyarray
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stridecheck.errors import (
    ErrorPolicy,
    FitCRCError,
    FitDecodeError,
    FitHeaderError,
    StrideCheckError,
    handle_problem,
)
from stridecheck.io.fit.definitions import DefinitionProblem, Layout, parse_definition

__all__ = ["FitHeader", "Problems", "Scan", "fit_crc", "read_fit_header", "scan_fit"]


# ------------------------------------------------------------------------ header


@dataclass(frozen=True)
class FitHeader:
    """The header of one FIT file in a (possibly chained) stream.

    Attributes
    ----------
    offset
        Where the header starts. [byte]
    header_size
        12 or 14. [byte]
    protocol_version
        Protocol version as ``major.minor`` (e.g. ``"2.0"``).
    profile_version
        Profile version as ``major.minor`` (e.g. ``"21.218"``).
    data_size
        Size of the records that follow the header. [byte]
    header_crc
        The header's CRC field (``None`` for a 12-byte header, 0 when not computed).
    """

    offset: int
    header_size: int
    protocol_version: str
    profile_version: str
    data_size: int
    header_crc: int | None

    @property
    def end(self) -> int:
        """Offset just past this file's trailing CRC. [byte]"""
        return self.offset + self.header_size + self.data_size + 2


def read_fit_header(data: bytes, offset: int = 0) -> FitHeader | None:
    """Read a FIT file header at ``offset``; ``None`` when there is none there.

    Parameters
    ----------
    data
        The FIT stream.
    offset
        Where the header should start. [byte]

    Returns
    -------
    FitHeader or None
    """
    if len(data) < offset + 12:
        return None
    size = data[offset]
    if size not in (12, 14) or data[offset + 8 : offset + 12] != b".FIT":
        return None
    if len(data) < offset + size:
        return None
    proto = data[offset + 1]
    profile = int.from_bytes(data[offset + 2 : offset + 4], "little")
    data_size = int.from_bytes(data[offset + 4 : offset + 8], "little")
    crc = int.from_bytes(data[offset + 12 : offset + 14], "little") if size == 14 else None
    return FitHeader(
        offset=offset,
        header_size=size,
        protocol_version=f"{proto >> 4}.{proto & 0x0F}",
        profile_version=f"{profile // 1000 if profile > 2199 else profile // 100}."
        f"{profile % 1000 if profile > 2199 else profile % 100}",
        data_size=data_size,
        header_crc=crc,
    )


# --------------------------------------------------------------------------- CRC


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table[byte] = crc
    return table


_CRC_TABLE = _crc_table()


_CRC_TABLE_LIST: list[int] = [int(v) for v in _CRC_TABLE]


_CRC_BLOCK_MIN = 4096


def _crc_python(data: bytes | memoryview, crc: int = 0) -> int:
    table = _CRC_TABLE_LIST
    for byte in bytes(data):
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _two_byte_table() -> np.ndarray:
    # For a 16-bit CRC, two data bytes XORed into the state leave no state bits:
    # crc(s, b0 b1) = T2[s ^ (b0 | b1 << 8)] with T2 = two steps over zero bytes.
    v = np.arange(65536)
    u = (v >> 8) ^ _CRC_TABLE[v & 0xFF]
    return np.asarray((u >> 8) ^ _CRC_TABLE[u & 0xFF], dtype=np.intp)


_CRC_TABLE_2 = _two_byte_table()


try:  # the C CRC is optional: the numpy one gives the same values
    import anycrc  # type: ignore[import-untyped]

    _ARC: Any = anycrc.Model("CRC16-ARC")
except ImportError:  # pragma: no cover - anycrc is a dependency
    _ARC = None


def fit_crc(data: bytes | memoryview) -> int:
    """CRC-16 of FIT files (CRC-16/ARC: reflected polynomial 0xA001, start 0).

    Computed by ``anycrc`` (C, carry-less multiplication; about 25x faster than
    numpy on a 100 kB file) when it is installed, else by :func:`_crc_numpy`.

    Parameters
    ----------
    data
        Bytes to check.

    Returns
    -------
    int
        The CRC. [0..65535]
    """
    if _ARC is not None:
        return int(_ARC.calc(data))
    return _crc_numpy(data)


def _crc_numpy(data: bytes | memoryview) -> int:
    """CRC-16/ARC in numpy (pure Python below 4 kB).

    Large inputs are cut into equal blocks whose CRCs run side by side in numpy,
    two bytes per step (65536-entry table). The CRC is linear, so the block CRCs
    are then chained with ``crc = shift(crc) ^ block_crc``, where ``shift`` (run
    the CRC over one block of zeros) comes from 512 extra lanes started at every
    low and high byte value. Leading zero bytes do not change this CRC, so the
    input is padded in front to a whole number of blocks.

    Parameters
    ----------
    data
        Bytes to check.

    Returns
    -------
    int
        The CRC. [0..65535]
    """
    n = len(data)
    if n < _CRC_BLOCK_MIN:
        return _crc_python(data)
    n_blocks = 1 << max(4, int(np.sqrt(n) * 2).bit_length())
    while n_blocks > n // 64:
        n_blocks //= 2
    words_per_block = -(-n // (2 * n_blocks))
    pad = 2 * n_blocks * words_per_block - n
    padded = np.zeros(n + pad, dtype=np.uint8)
    padded[pad:] = np.frombuffer(data, dtype=np.uint8)
    # 512 extra lanes of zero data started at every low and high byte value give
    # the tables of "shift over one block of zeros" in the same loop.
    columns = np.zeros((words_per_block, n_blocks + 512), dtype=np.intp)
    columns[:, :n_blocks] = padded.view("<u2").reshape(n_blocks, words_per_block).T
    state = np.zeros(n_blocks + 512, dtype=np.intp)
    state[n_blocks : n_blocks + 256] = np.arange(256)
    state[n_blocks + 256 :] = np.arange(256) << 8
    table = _CRC_TABLE_2
    for j in range(words_per_block):
        state = table[state ^ columns[j]]
    values = state.tolist()
    low = values[n_blocks : n_blocks + 256]
    high = values[n_blocks + 256 :]
    crc = 0
    for block_crc in values[:n_blocks]:
        crc = low[crc & 0xFF] ^ high[crc >> 8] ^ block_crc
    return crc


# ---------------------------------------------------------------------- scanning


@dataclass
class Scan:
    """What the header scan found."""

    layouts: list[Layout] = field(default_factory=list)
    #: Layout of every data message (machine integers: no Python int per message).
    layout_ids: pyarray.array[int] = field(default_factory=lambda: pyarray.array("q"))
    #: Byte offset of every data message's content.
    offsets: pyarray.array[int] = field(default_factory=lambda: pyarray.array("q"))
    compressed_index: list[int] = field(default_factory=list)
    compressed_offset: list[int] = field(default_factory=list)
    file_starts: list[int] = field(default_factory=list)


class Problems:
    """Routes recoverable problems through the error policy."""

    def __init__(self, policy: ErrorPolicy, path: str | None, sink: list[str]) -> None:
        self.policy = policy
        self.path = path
        self.sink = sink

    def report(self, error: StrideCheckError) -> None:
        handle_problem(self.policy, error, sink=self.sink)

    def decode(self, offset: int, reason: str) -> None:
        self.report(FitDecodeError(self.path, offset, reason))


def _read_header(buf: bytes, pos: int, path: str | None) -> tuple[int, int, int]:
    """Return (header size, data size, stored header CRC or -1) of the file at ``pos``."""
    if len(buf) - pos < 12:
        raise FitHeaderError(path, pos, f"{len(buf) - pos} bytes left, a FIT header needs 12")
    size = buf[pos]
    if size not in (12, 14):
        raise FitHeaderError(path, pos, f"header size {size} (FIT headers are 12 or 14 bytes)")
    if buf[pos + 8 : pos + 12] != b".FIT":
        raise FitHeaderError(path, pos, "no '.FIT' signature in the header")
    if size == 14 and len(buf) - pos < 14:
        raise FitHeaderError(path, pos, "header cut short")
    data_size = int.from_bytes(buf[pos + 4 : pos + 8], "little")
    stored = int.from_bytes(buf[pos + 12 : pos + 14], "little") if size == 14 else -1
    return size, data_size, stored


def scan_fit(buf: bytes, problems: Problems) -> Scan:
    scan = Scan()
    n = len(buf)
    pos = 0
    index = 0
    keys: dict[bytes, int] = {}
    if n == 0:
        raise FitHeaderError(problems.path, 0, "no data: a FIT file needs a 12- or 14-byte header")
    while pos < n:
        try:
            header_size, data_size, stored_crc = _read_header(buf, pos, problems.path)
        except FitHeaderError as error:
            if index == 0:
                raise
            problems.report(error)
            break
        if stored_crc > 0 and stored_crc != fit_crc(memoryview(buf)[pos : pos + 12]):
            problems.report(FitCRCError(problems.path, pos, "header CRC does not match"))
        end = pos + header_size + data_size
        if end + 2 > n:
            problems.decode(
                n,
                f"file truncated: the header of chained file {index} declares "
                f"{data_size} data bytes + CRC, {max(0, n - pos - header_size)} are present",
            )
        else:
            stored = buf[end] | buf[end + 1] << 8
            if stored != fit_crc(memoryview(buf)[pos:end]):
                problems.report(
                    FitCRCError(problems.path, end, f"file CRC of chained file {index} mismatch")
                )
        scan.file_starts.append(len(scan.offsets))
        _scan_messages(buf, pos + header_size, min(end, n), scan, keys=keys, problems=problems)
        index += 1
        pos = end + 2
    return scan


def _scan_messages(
    buf: bytes, pos: int, end: int, scan: Scan, *, keys: dict[bytes, int], problems: Problems
) -> None:
    """Walk the records of one FIT file between ``pos`` and ``end``.

    Between two definition messages every data message's size follows from its
    header byte, so stretches of data messages are walked by :func:`_stretch`
    (a loop over header bytes and a 256-entry size table, nothing else) and
    recorded in bulk.  Runs of data messages with the same header byte (the
    usual stretch of ``record`` messages) are found with one strided numpy
    comparison.  Everything else (definitions, undefined local types,
    truncation) is handled one message at a time.
    """
    hdr_layout = [-1] * 256
    hdr_length = [0] * 256
    layout_table = np.full(256, -1, dtype=np.int64)
    offsets = scan.offsets
    ids_append = scan.layout_ids.append
    offsets_append = offsets.append
    array = np.frombuffer(buf, dtype=np.uint8)
    previous = -1
    while pos < end:
        starts, pos = _stretch(buf, pos, end, hdr_length, previous)
        if starts:
            if pos > end:  # the last message is truncated: the general path reports it
                pos = starts.pop()
            if starts:
                _add_stretch(scan, starts, array, layout_table)
                previous = buf[starts[-1]]
            if pos >= end:
                return
        header = buf[pos]
        layout_id = hdr_layout[header]
        if layout_id >= 0:
            length = hdr_length[header]
            if header == previous and header < 0x80 and pos + 2 * length <= end:
                count = _run_length(array, pos, end, length, header)
                scan.layout_ids.extend(pyarray.array("q", (layout_id,)) * count)
                offsets.frombytes(
                    np.arange(pos + 1, pos + 1 + count * length, length, dtype=np.int64).tobytes()
                )
                pos += count * length
                previous = -1
                continue
            nxt = pos + length
            if nxt > end:
                problems.decode(pos, "data message runs past the end of the data (truncated)")
                return
            ids_append(layout_id)
            offsets_append(pos + 1)
            if header & 0x80:
                scan.compressed_index.append(len(offsets) - 1)
                scan.compressed_offset.append(header & 0x1F)
            previous = header
            pos = nxt
        elif header & 0x80:
            problems.decode(
                pos, f"compressed-timestamp message of undefined local type {header >> 5 & 3}"
            )
            return
        elif header & 0x40:
            parsed = parse_definition(buf, pos, end)
            if isinstance(parsed, DefinitionProblem):
                problems.decode(parsed.offset, parsed.reason)
                return
            layout, key, pos = parsed
            layout_id = keys.get(key, -1)
            if layout_id < 0:
                layout_id = len(scan.layouts)
                keys[key] = layout_id
                scan.layouts.append(layout)
            local = header & 0x0F
            hbs = [local, local | 0x10, local | 0x20, local | 0x30]
            if local < 4:
                hbs.extend(0x80 | local << 5 | t for t in range(32))
            for hb in hbs:
                hdr_layout[hb] = layout_id
                hdr_length[hb] = layout.size + 1
            layout_table[hbs] = layout_id
            previous = -1
        else:
            problems.decode(pos, f"data message of undefined local type {header & 0x0F}")
            return


def _stretch(
    buf: bytes, pos: int, end: int, hdr_length: list[int], previous: int
) -> tuple[list[int], int]:
    """Start positions of consecutive data messages of defined local types from ``pos``.

    Stops before a definition message, an undefined local type or a repeated
    header byte (a run, left to :func:`_run_length`), or at ``end``.  Returns
    the start positions and the position after the last message, which exceeds
    ``end`` when that message is truncated.
    """
    starts: list[int] = []
    append = starts.append
    while pos < end:
        header = buf[pos]
        length = hdr_length[header]
        if not length or header == previous:
            break
        append(pos)
        previous = header
        pos += length
    return starts, pos


_STRETCH_BULK = 16


def _add_stretch(
    scan: Scan, starts: list[int], array: np.ndarray, layout_table: np.ndarray
) -> None:
    """Record the data messages starting at ``starts`` (see :func:`_stretch`)."""
    base = len(scan.offsets)
    if len(starts) < _STRETCH_BULK:
        for i, start in enumerate(starts):
            header = int(array[start])
            scan.layout_ids.append(int(layout_table[header]))
            scan.offsets.append(start + 1)
            if header & 0x80:
                scan.compressed_index.append(base + i)
                scan.compressed_offset.append(header & 0x1F)
        return
    positions = np.array(starts, dtype=np.int64)
    headers = array[positions]
    scan.layout_ids.frombytes(layout_table[headers].tobytes())
    scan.offsets.frombytes((positions + 1).tobytes())
    compressed = np.flatnonzero(headers >= 0x80)
    if len(compressed):
        scan.compressed_index.extend((compressed + base).tolist())
        scan.compressed_offset.extend((headers[compressed] & 0x1F).tolist())


_RUN_CHUNK = 4096


def _run_length(array: np.ndarray, pos: int, end: int, length: int, header: int) -> int:
    """Number of consecutive whole messages of ``length`` bytes with header ``header``."""
    count = 0
    while True:
        limit = min((end - pos) // length, _RUN_CHUNK)
        if limit <= 0:
            return count
        heads = array[pos : pos + limit * length : length]
        mismatch = np.flatnonzero(heads != header)
        if len(mismatch):
            return count + int(mismatch[0])
        count += limit
        pos += limit * length
