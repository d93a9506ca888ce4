"""Vectorised FIT decoder: bytes -> :class:`~stridecheck.io.fit.messages.FitMessages`.

The fast path of FIT reading. Message headers are scanned in one tight Python
loop that only records, for every data message, which definition (layout) it
uses and where its bytes start. Messages sharing a layout are then decoded
together: their bytes are gathered into one ``(n_messages, message_size)``
array and every field becomes a numpy column in one step (byte-order aware
views, invalid values to NaN). Messages of one type from several layouts are
merged in file order and the profile is applied column-wise: sub-fields,
components (bit fields such as ``compressed_speed_distance`` and the
``speed`` -> ``enhanced_speed`` expansion), accumulated fields, scale and
offset, enum names and FIT ``date_time`` values.

The meaning of every field comes from Garmin's profile through
:mod:`stridecheck.io.fit.profile`; the values follow what ``garmin-fit-sdk``'s
``Decoder.read()`` returns with its defaults, including its quirks:

- ``date_time`` values below ``0x10000000`` (relative times) are converted like
  absolute ones (seconds after 1989-12-31T00:00:00Z), as the SDK does.
- A component expansion replaces a field of the same name read from the file
  (the SDK's ``enhanced_speed`` comes from ``speed`` when both are present).
- ``developer_data_id`` and ``field_description`` messages keep their raw
  values (no enum names, no scaling), as in the SDK.
- ``hr`` messages are merged into the ``record`` heart rates like the SDK's
  ``merge_heart_rates`` (each hr value held for up to 5 s in 250 ms steps, the
  values within each record's interval averaged and rounded half up). It is
  replicated so both decoders agree; it only acts on files with ``hr``
  messages (HRM-Pro/Swim/Tri buffered heart rate) and overwrites the records'
  own ``heart_rate`` where hr values fall in their interval.
- A field becomes a column only when at least one message holds a value for
  it (the SDK leaves invalid fields out of each message).
- A developer data index declared again (a new ``developer_data_id``) starts a
  new set of field descriptions; within one declaration the first description
  of a field number wins.

Where we go beyond the SDK:

- Compressed-timestamp headers are decoded (5-bit offset with rollover
  relative to the last full ``timestamp``); the SDK rejects such files.
- Developer field values holding their base type's invalid value become NaN,
  and a ``field_description`` scale and offset are applied (the SDK returns
  raw values); a description is used even without a ``developer_data_id``.
- Damage is handled through the error policy: chained files after a bad one,
  messages before a truncation or an undefined local message type are kept.

Known differences (rare layouts the SDK itself mishandles): when a definition
lists one field twice, or a message holds both a field and another component
expanding into it, the SDK expands the component once per source and returns a
list of the values; we return the value once. The SDK cannot tell an invalid
float (NaN bit pattern) from a value, so it keeps an all-NaN float field as a
column of NaN; we leave such a column out. Column order follows the
definitions, not the SDK's dictionaries.
"""

from __future__ import annotations

import array as pyarray
import functools
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.errors import (
    ErrorPolicy,
    FitCRCError,
    FitDecodeError,
    FitHeaderError,
    StrideCheckError,
    handle_problem,
)
from stridecheck.frames import frame_from_arrays
from stridecheck.io.fit import profile as fp
from stridecheck.io.fit.messages import DeveloperField, FitMessages
from stridecheck.io.fit.sdk import dev_column_name

__all__ = ["decode_fit", "fit_crc"]

_FIELD_DESCRIPTION = fp.mesg_num("field_description")
_DEVELOPER_DATA_ID = fp.mesg_num("developer_data_id")
_RECORD = fp.mesg_num("record")
_HR = fp.mesg_num("hr")
_TIMESTAMP_FIELD = 253
_NS_PER_S = 1_000_000_000

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


@dataclass(frozen=True)
class _Layout:
    """A definition message: which fields a data message holds and where."""

    global_num: int
    big_endian: bool
    #: (field number, byte offset, size, base type number)
    fields: tuple[tuple[int, int, int, int], ...]
    #: (field definition number, byte offset, size, developer data index)
    dev_fields: tuple[tuple[int, int, int, int], ...]
    size: int


@dataclass
class _Scan:
    """What the header scan found."""

    layouts: list[_Layout] = field(default_factory=list)
    #: Layout of every data message (machine integers: no Python int per message).
    layout_ids: pyarray.array[int] = field(default_factory=lambda: pyarray.array("q"))
    #: Byte offset of every data message's content.
    offsets: pyarray.array[int] = field(default_factory=lambda: pyarray.array("q"))
    compressed_index: list[int] = field(default_factory=list)
    compressed_offset: list[int] = field(default_factory=list)
    file_starts: list[int] = field(default_factory=list)


class _Problem:
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


def _scan(buf: bytes, problems: _Problem) -> _Scan:
    scan = _Scan()
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


def _parse_definition(
    buf: bytes, pos: int, end: int, problems: _Problem
) -> tuple[_Layout, bytes, int] | None:
    """Parse the definition message at ``pos``; return (layout, key, next position)."""
    header = buf[pos]
    if pos + 6 > end:
        problems.decode(pos, "truncated definition message")
        return None
    big = buf[pos + 2] != 0
    global_num = int.from_bytes(buf[pos + 3 : pos + 5], "big" if big else "little")
    n_fields = buf[pos + 5]
    p = pos + 6
    if p + 3 * n_fields > end:
        problems.decode(pos, "truncated definition message")
        return None
    fields: list[tuple[int, int, int, int]] = []
    offset = 0
    for _ in range(n_fields):
        num, size, base = buf[p], buf[p + 1], buf[p + 2] & fp.BASE_TYPE_MASK
        if base not in fp.BASE_TYPES:
            problems.decode(p, f"field {num} has unknown base type {base}")
            return None
        if size == 0:
            problems.decode(p, f"field {num} has size 0")
            return None
        fields.append((num, offset, size, base))
        offset += size
        p += 3
    dev_fields: list[tuple[int, int, int, int]] = []
    if header & 0x20:
        if p + 1 > end or p + 1 + 3 * buf[p] > end:
            problems.decode(pos, "truncated developer field definitions")
            return None
        n_dev = buf[p]
        p += 1
        for _ in range(n_dev):
            num, size, dev_index = buf[p], buf[p + 1], buf[p + 2]
            if size == 0:
                problems.decode(p, f"developer field {num} has size 0")
                return None
            dev_fields.append((num, offset, size, dev_index))
            offset += size
            p += 3
    layout = _Layout(global_num, big, tuple(fields), tuple(dev_fields), offset)
    return layout, bytes(buf[pos + 2 : p]) + bytes([header & 0x20]), p


def _scan_messages(
    buf: bytes, pos: int, end: int, scan: _Scan, *, keys: dict[bytes, int], problems: _Problem
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
            parsed = _parse_definition(buf, pos, end, problems)
            if parsed is None:
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
    scan: _Scan, starts: list[int], array: np.ndarray, layout_table: np.ndarray
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


# ----------------------------------------------------------------- raw columns
#
# A raw column holds one field over all messages of a type, in file order:
# float64 with NaN where absent/invalid (numbers), or object (strings, arrays,
# None where absent).


def _convert_string(raw: bytes) -> str | list[str] | None:
    text = raw.decode("utf-8", errors="ignore").rstrip("\0")
    if not text:
        return None
    parts = text.split("\0")
    return parts[0] if len(parts) == 1 else parts


def _field_block(matrix: np.ndarray, offset: int, size: int) -> np.ndarray:
    return np.ascontiguousarray(matrix[:, offset : offset + size])


def _decode_field(
    matrix: np.ndarray, offset: int, size: int, base_num: int, big: bool
) -> np.ndarray:
    """Decode one field of all messages of a layout into a raw column."""
    base = fp.BASE_TYPES[base_num]
    n_rows = matrix.shape[0]
    if base.is_string:
        block = _field_block(matrix, offset, size)
        out = np.empty(n_rows, dtype=object)
        cache: dict[bytes, Any] = {}
        for i, row in enumerate(block.tobytes()[j * size : (j + 1) * size] for j in range(n_rows)):
            value = cache.get(row)
            if value is None and row not in cache:
                value = cache[row] = _convert_string(row)
            out[i] = value
        return out
    if size % base.size:
        base = fp.BASE_TYPES[fp.UINT8_BASE_TYPE]
    if size == base.size:
        # One element: a strided view straight into the message bytes.
        single = np.ndarray(
            shape=(n_rows,),
            dtype=base.dtype(big),
            buffer=matrix,
            offset=offset,
            strides=(matrix.strides[0],),
        )
        column = single.astype(np.float64)
        if not base.is_float:
            column[single == base.invalid] = np.nan
        return column
    block = _field_block(matrix, offset, size)
    values = block.view(base.dtype(big))
    valid = ~np.isnan(values) if base.is_float else values != base.invalid
    out = np.empty(n_rows, dtype=object)
    is_byte = base.number == fp.BYTE_BASE_TYPE
    any_valid = valid.any(axis=1)
    all_valid = valid.all(axis=1)
    for i, (row, row_valid) in enumerate(zip(values.tolist(), valid.tolist(), strict=True)):
        if not any_valid[i]:
            out[i] = None
        elif is_byte or base.is_float or all_valid[i]:
            out[i] = row
        else:
            out[i] = [v if ok else None for v, ok in zip(row, row_valid, strict=True)]
    return out


def _absent(n: int, as_object: bool) -> np.ndarray:
    if as_object:
        return np.empty(n, dtype=object)  # numpy fills new object arrays with None
    return np.full(n, np.nan)


def _objected(value: Any) -> Any:
    """A float value as the SDK shows it: ``None`` for NaN, ``int`` when whole."""
    if math.isnan(value):
        return None
    return int(value) if value.is_integer() else value


def _as_float(value: Any) -> float:
    """A value of an object column as a float (NaN unless it is a number)."""
    return (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else math.nan
    )


def _to_object(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:
        return column
    out = np.empty(len(column), dtype=object)
    for i, value in enumerate(column.tolist()):
        out[i] = _objected(value)
    return out


def _none_if_nan(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _present(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:
        return np.fromiter((v is not None for v in column), dtype=bool, count=len(column))
    return np.asarray(~np.isnan(column), dtype=bool)


# ------------------------------------------------------------------ components


@dataclass
class _Expansion:
    """Values a component expansion produced for one target field."""

    rows: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    raws: list[np.ndarray] = field(default_factory=list)


def _bits_num(column: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(rows, int values, available bits) of a numeric column for bit extraction."""
    rows = np.flatnonzero(~np.isnan(column))
    values = column[rows].astype(np.int64)
    if width < 63:
        values &= (1 << width) - 1
    return rows, values, width


def _extract_object(
    column: np.ndarray, width: int, components: Sequence[fp.ComponentProfile]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per-component (rows, bit values) of an object column (arrays) like the SDK's BitStream."""
    mask = (1 << width) - 1
    per_comp: list[tuple[list[int], list[int]]] = [([], []) for _ in components]
    for i, value in enumerate(column):
        items = value if isinstance(value, list) else [value]
        if value is None or any(not isinstance(v, int) for v in items):
            continue
        big = 0
        for j, item in enumerate(items):
            big |= (item & mask) << (width * j)
        available = width * len(items)
        for k, comp in enumerate(components):
            if comp.bit_offset + comp.bits > available:
                break
            per_comp[k][0].append(i)
            per_comp[k][1].append(big >> comp.bit_offset & ((1 << comp.bits) - 1))
    return [(np.asarray(r, dtype=np.int64), np.asarray(v, dtype=np.int64)) for r, v in per_comp]


def _accumulate(
    reset_rows: np.ndarray,
    reset_values: np.ndarray,
    *,
    event_rows: np.ndarray,
    event_sub: np.ndarray,
    event_values: np.ndarray,
    event_bits: np.ndarray,
) -> np.ndarray:
    """Accumulated values of component events, the SDK's accumulator vectorised.

    Native values of the field (``reset_*``) restart the sum at their value; each
    component event adds ``(value - previous value) & mask``.
    """
    rows = np.concatenate([reset_rows, event_rows])
    sub = np.concatenate([np.full(len(reset_rows), -1), event_sub])
    values = np.concatenate([reset_values, event_values]).astype(np.int64)
    masks = np.concatenate(
        [np.zeros(len(reset_rows), dtype=np.int64), (1 << event_bits.astype(np.int64)) - 1]
    )
    is_reset = np.concatenate(
        [np.ones(len(reset_rows), dtype=bool), np.zeros(len(event_rows), dtype=bool)]
    )
    order = np.lexsort((sub, rows))
    values, masks, is_reset = values[order], masks[order], is_reset[order]
    prev = np.empty_like(values)
    prev[0] = values[0]
    prev[1:] = values[:-1]
    delta = (values - prev) & masks
    delta[is_reset] = 0
    segment = np.cumsum(is_reset)
    cumulative = np.cumsum(delta)
    starts = np.flatnonzero(is_reset)
    base = np.concatenate([[values[0]], values[starts]])
    start_sum = np.concatenate([[0], cumulative[starts]])
    acc = base[segment] + cumulative - start_sum[segment]
    result = np.empty(len(acc), dtype=np.int64)
    result[order] = acc
    return np.asarray(result[len(reset_rows) :], dtype=np.int64)


def _name_values(values: np.ndarray, names: dict[int, str]) -> np.ndarray:
    """Enum names for numeric values (unnamed values stay ``int``, NaN -> None)."""
    out = np.full(len(values), None, dtype=object)
    present = ~np.isnan(values)
    if not present.any():
        return out
    found = values[present]
    if len(found) <= 16:
        out[present] = [names.get(int(v), int(v)) if v.is_integer() else v for v in found.tolist()]
        return out
    low, high = float(found.min()), float(found.max())
    if high - low < min(65536, 4 * len(found) + 256) and (found == np.floor(found)).all():
        keys = np.arange(int(low), int(high) + 1)
        table = np.empty(len(keys), dtype=object)
        for i, key in enumerate(keys.tolist()):
            table[i] = names.get(key, key)
        out[present] = table[found.astype(np.int64) - int(low)]
        return out
    uniques, inverse = np.unique(found, return_inverse=True)
    mapped = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques.tolist()):
        key = int(value) if value.is_integer() else value
        mapped[i] = names.get(key, key) if isinstance(key, int) else key
    out[present] = mapped[inverse]
    return out


class _MessageDecoder:
    """Applies the profile to the raw columns of one message type."""

    def __init__(
        self, profile: fp.MessageProfile | None, raw: dict[int, np.ndarray], n: int
    ) -> None:
        self.profile = profile
        self.raw = raw
        self.n = n
        self.expanded: dict[int, _Expansion] = {}
        self._pending: list[
            tuple[np.ndarray, np.ndarray, fp.ComponentProfile, fp.FieldProfile, int]
        ] = []
        self._queue: list[tuple[str, np.ndarray, np.ndarray, fp.FieldProfile, int]] = []

    # components -----------------------------------------------------------

    def _expand(self, name: str, column: np.ndarray, conv: fp._Converted, order: int) -> None:
        base = conv.bitstream_base
        if base is None or not conv.components or self.profile is None:
            return
        width = base.size * 8
        if column.dtype == object:
            extracted = _extract_object(column, width, conv.components)
        else:
            rows, values, available = _bits_num(column, width)
            extracted = []
            for comp in conv.components:
                if comp.bit_offset + comp.bits > available:
                    break
                bits = values >> comp.bit_offset & ((1 << comp.bits) - 1)
                extracted.append((rows, bits))
        for k, (rows, bits) in enumerate(extracted):
            comp = conv.components[k]
            target = self.profile.fields.get(comp.target)
            if target is None or len(rows) == 0:
                continue
            sub = order * 64 + k
            if target.is_accumulated:
                self._pending.append((rows, bits, comp, target, sub))
            else:
                self._emit(rows, bits.astype(np.float64), comp, target, sub)

    def _emit(
        self,
        rows: np.ndarray,
        bits: np.ndarray,
        comp: fp.ComponentProfile,
        target: fp.FieldProfile,
        sub: int,
    ) -> None:
        value = bits / comp.scale - comp.offset
        t_offset = target.offset[0] if target.offset else 0.0
        t_scale = target.scale[0] if target.scale else 1.0
        raw = (value + t_offset) * t_scale
        invalid = raw == target.component_invalid
        value = np.where(invalid, np.nan, value)
        names = fp.type_names(target.type)
        shown: np.ndarray = _name_values(value, names) if names is not None else value
        expansion = self.expanded.setdefault(target.num, _Expansion())
        expansion.rows.append(rows)
        expansion.values.append(shown)
        expansion.raws.append(np.where(invalid, np.nan, np.trunc(raw)))
        if target.components and not invalid.all():
            self._queue.append(
                (target.name, rows, np.where(invalid, np.nan, np.trunc(raw)), target, sub)
            )

    def expand_all(self, sources: list[tuple[str, np.ndarray, fp._Converted]]) -> None:
        """Expand every component of the given (native and sub-) fields."""
        for order, (name, column, conv) in enumerate(reversed(sources)):
            self._expand(name, column, conv, order + 1)
        self._flush_accumulated()
        depth = 0
        while self._queue and depth < 8:
            queue, self._queue = self._queue, []
            depth += 1
            for name, rows, raw, target, sub in queue:
                column = np.full(self.n, np.nan)
                native = self.raw.get(target.num)
                column[rows] = raw
                if native is not None and native.dtype != object:
                    column[~np.isnan(native)] = np.nan
                self._expand(name, column, target, sub + 1000 * depth)
            self._flush_accumulated()

    def _flush_accumulated(self) -> None:
        pending, self._pending = self._pending, []
        by_target: dict[
            int, list[tuple[np.ndarray, np.ndarray, fp.ComponentProfile, fp.FieldProfile, int]]
        ] = {}
        for item in pending:
            by_target.setdefault(item[3].num, []).append(item)
        for target_num, items in by_target.items():
            native = self.raw.get(target_num)
            if native is not None and native.dtype != object:
                reset_rows = np.flatnonzero(~np.isnan(native))
                reset_values = native[reset_rows].astype(np.int64)
            else:
                reset_rows = np.zeros(0, dtype=np.int64)
                reset_values = np.zeros(0, dtype=np.int64)
            rows = np.concatenate([i[0] for i in items])
            bits = np.concatenate([i[1] for i in items])
            subs = np.concatenate([np.full(len(i[0]), i[4]) for i in items])
            widths = np.concatenate([np.full(len(i[0]), i[2].bits) for i in items])
            acc = _accumulate(
                reset_rows,
                reset_values,
                event_rows=rows,
                event_sub=subs,
                event_values=bits,
                event_bits=widths,
            )
            start = 0
            for item_rows, _, comp, target, sub in items:
                stop = start + len(item_rows)
                self._emit(item_rows, acc[start:stop].astype(np.float64), comp, target, sub)
                start = stop

    # transform -------------------------------------------------------------

    def transform(self, column: np.ndarray, conv: fp._Converted | None) -> np.ndarray:
        """Final values of a native or sub-field column (the SDK's transform step)."""
        if conv is None:
            return column if column.dtype != object else _tuples(column)
        kind = conv.kind
        if column.dtype == object:
            return _tuples(_transform_objects(column, conv))
        if kind == "date_time":
            return _datetimes(column)
        if kind == "enum":
            names = fp.type_names(conv.type)
            return _name_values(column, names or {})
        if conv.is_numeric_type and conv.single_scale is not None:
            scale, offset = conv.single_scale
            out = column / scale if scale != 1 else column
            return out - offset if offset else out
        return column


def _datetimes(column: np.ndarray) -> np.ndarray:
    present = ~np.isnan(column)
    ns = np.zeros(len(column), dtype=np.int64)
    ns[present] = (column[present].astype(np.int64) + fp.DATE_TIME_EPOCH_S) * _NS_PER_S
    out = ns.view("datetime64[ns]").copy()
    out[~present] = np.datetime64("NaT")
    return out


def _transform_objects(column: np.ndarray, conv: fp._Converted) -> np.ndarray:
    kind = conv.kind
    names = fp.type_names(conv.type) if kind == "enum" else None
    scaling = conv.single_scale if conv.is_numeric_type else None
    if scaling == (1.0, 0.0):
        scaling = None
    if names is None and scaling is None and kind != "date_time":
        return column  # nothing to convert
    out = np.empty(len(column), dtype=object)
    for i, value in enumerate(column):
        if value is None or isinstance(value, str):
            out[i] = value
            continue
        items = value if isinstance(value, list) else [value]
        converted: list[Any] = []
        for item in items:
            if item is None or isinstance(item, str):
                converted.append(item)
            elif names is not None and isinstance(item, int):
                converted.append(names.get(item, item))
            elif kind == "date_time" and isinstance(item, int | float):
                converted.append(
                    pd.Timestamp((int(item) + fp.DATE_TIME_EPOCH_S) * _NS_PER_S, tz="UTC")
                )
            elif scaling is not None and isinstance(item, int | float):
                scale, offset = scaling
                converted.append((item / scale if scale != 1 else item) - offset)
            else:
                converted.append(item)
        out[i] = converted if isinstance(value, list) else converted[0]
    return out


def _tuples(column: np.ndarray) -> np.ndarray:
    out = np.empty(len(column), dtype=object)
    for i, value in enumerate(column):
        out[i] = tuple(value) if isinstance(value, list) else value
    return out


# --------------------------------------------------------------- developer data


@dataclass(frozen=True)
class _DevDescription:
    seq: int
    info: DeveloperField
    base: fp.BaseType
    scale: float | None
    offset: float | None


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _joined(value: Any) -> str | None:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value if isinstance(value, str) else None


def _raw_int(column: np.ndarray | None, i: int) -> int | None:
    if column is None:
        return None
    value = _first(column[i])
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float):
        return int(value)
    return None


@dataclass
class _DevIds:
    """``developer_data_id`` messages: where each developer data index is (re)declared."""

    seqs: dict[int, np.ndarray] = field(default_factory=dict)
    app_ids: dict[tuple[int, int], str | None] = field(default_factory=dict)

    def epoch(self, index: int, seqs: np.ndarray) -> np.ndarray:
        """How many declarations of ``index`` come before each message. [count]"""
        declared = self.seqs.get(index)
        if declared is None:
            return np.zeros(len(seqs), dtype=np.int64)
        return np.searchsorted(declared, seqs).astype(np.int64)


def _dev_ids(rows: _TypeRows | None) -> _DevIds:
    """Declarations of developer data indexes, in file order, with their application ids.

    A ``developer_data_id`` message starts a new set of field descriptions for its
    index (the SDK forgets earlier descriptions of that index).
    """
    out = _DevIds()
    if rows is None:
        return out
    index_col = rows.raw.get(3)
    app_col = rows.raw.get(1)
    found: dict[int, list[int]] = {}
    for i in range(len(rows.seqs)):
        index = _raw_int(index_col, i)
        if index is None:
            continue
        found.setdefault(index, []).append(int(rows.seqs[i]))
        app = app_col[i] if app_col is not None else None
        epoch = len(found[index])
        if isinstance(app, list) and all(isinstance(b, int) for b in app):
            out.app_ids[(index, epoch)] = bytes(b & 0xFF for b in app).hex()
        else:
            out.app_ids[(index, epoch)] = None
    out.seqs = {k: np.asarray(v, dtype=np.int64) for k, v in found.items()}
    return out


def _dev_descriptions(
    rows: _TypeRows | None, ids: _DevIds
) -> dict[tuple[int, int, int], _DevDescription]:
    """Developer field descriptions by (data index, field number, declaration epoch).

    Within one declaration of a developer data index the first description of a
    field number wins (as in the SDK).
    """
    if rows is None:
        return {}
    raw, seqs = rows.raw, rows.seqs
    out: dict[tuple[int, int, int], _DevDescription] = {}
    columns: dict[str, tuple[int, int, str | None]] = {}
    for i in range(len(seqs)):
        index = _raw_int(raw.get(0), i)
        number = _raw_int(raw.get(1), i)
        base_num = _raw_int(raw.get(2), i)
        if index is None or number is None or base_num is None or index == 0xFF:
            continue
        base = fp.BASE_TYPES.get(base_num & fp.BASE_TYPE_MASK)
        epoch = int(ids.epoch(index, seqs[i : i + 1])[0])
        if base is None or (index, number, epoch) in out:
            continue
        app_id = ids.app_ids.get((index, epoch))
        name = _joined(raw[3][i] if 3 in raw else None)
        units = _joined(raw[8][i] if 8 in raw else None)
        scale = _raw_int(raw.get(6), i)
        offset = _raw_int(raw.get(7), i)
        column = dev_column_name(name, index, number)
        if columns.setdefault(column, (index, number, app_id)) != (index, number, app_id):
            column = f"{column}_{index}_{number}"
        out[(index, number, epoch)] = _DevDescription(
            seq=int(seqs[i]),
            info=DeveloperField(
                column=column,
                name=name if name is not None else f"field_{index}_{number}",
                units=units,
                developer_data_index=index,
                field_definition_number=number,
                application_id=app_id,
            ),
            base=base,
            scale=float(scale) if scale not in (None, 0) else None,
            offset=float(offset) if offset is not None else None,
        )
    return out


def _decode_dev_field(
    matrix: np.ndarray, offset: int, size: int, big: bool, desc: _DevDescription
) -> np.ndarray | None:
    base = desc.base
    count = size // base.size
    if count == 0:
        return None
    block = _field_block(matrix, offset, count * base.size)
    if base.is_string:
        return np.array(
            [_convert_string(block[i].tobytes()) for i in range(len(block))] + [None],
            dtype=object,
        )[:-1]
    values = block.view(base.dtype(big))
    valid = ~np.isnan(values) if base.is_float else values != base.invalid
    scaled = values.astype(np.float64)
    scaled[~valid] = np.nan
    if desc.scale is not None:
        scaled = scaled / desc.scale
    if desc.offset is not None:
        scaled = scaled - desc.offset
    if count == 1:
        return scaled[:, 0]
    out = np.empty(len(scaled), dtype=object)
    for i, row in enumerate(scaled.tolist()):
        out[i] = tuple(row)
    return out


# ------------------------------------------------------------------ heart rates


def _merge_heart_rates(hr: pd.DataFrame, records: pd.DataFrame) -> bool:
    """The SDK's ``merge_heart_rates``: hr messages fill record heart rates.

    Returns ``False`` (records untouched) when the hr messages are inconsistent
    in the ways the SDK reports as errors.
    """
    if len(hr) == 0 or len(records) == 0 or "timestamp" not in records:
        return True
    if records["timestamp"].isna().any():
        return False
    heartrates = _expand_heart_rates(hr)
    if heartrates is None:
        return False
    times = ((records["timestamp"].astype("int64") // _NS_PER_S) - fp.DATE_TIME_EPOCH_S).tolist()
    column = (
        records["heart_rate"].to_numpy(dtype=np.float64, copy=True)
        if "heart_rate" in records
        else np.full(len(records), np.nan)
    )
    index = 0
    start: float | None = None
    for i, end in enumerate(times):
        total = 0.0
        count = 0
        if start is None:
            start = end
        if start == end:
            start -= 1
            index = index - 1 if index >= 1 else 0
        while index < len(heartrates):
            stamp, bpm = heartrates[index]
            if start < stamp <= end:
                total += bpm
                count += 1
            elif stamp > end:
                if count > 0:
                    column[i] = int(total / count + 0.5)
                start = end
                break
            index += 1
    records["heart_rate"] = column
    return True


def _hr_values(value: Any) -> list[Any]:
    if isinstance(value, tuple | list):
        return list(value)
    return [value]


def _expand_heart_rates(hr: pd.DataFrame) -> list[tuple[float, float]] | None:
    anchor_event: float | None = 0.0
    anchor: float | None = None
    out: list[tuple[float, float]] = []
    stamps = hr["timestamp"] if "timestamp" in hr else pd.Series([pd.NaT] * len(hr))
    fractions = hr.get("fractional_timestamp")
    events = hr.get("event_timestamp")
    bpms = hr.get("filtered_bpm")
    if events is None or bpms is None:
        return None
    for i in range(len(hr)):
        event_values = _hr_values(events.iloc[i])
        bpm_values = _hr_values(bpms.iloc[i])
        stamp = stamps.iloc[i]
        if not pd.isna(stamp):
            anchor = stamp.value / _NS_PER_S - fp.DATE_TIME_EPOCH_S
            fraction = fractions.iloc[i] if fractions is not None else np.nan
            if fraction is not None and not pd.isna(fraction):
                anchor += float(fraction)
            if len(event_values) != 1:
                return None
            anchor_event = event_values[0]
        if anchor is None or anchor_event is None or len(event_values) != len(bpm_values):
            return None
        if any(v is None or pd.isna(v) for v in event_values + bpm_values):
            return None
        for event, bpm in zip(event_values, bpm_values, strict=True):
            if event < anchor_event:
                if anchor_event - event > 0x400000:
                    event += 0x400000
                else:
                    return None
            stamp_s = anchor + (event - anchor_event)
            if out:
                prev_stamp, prev_bpm = out[-1]
                gap_ms = abs(stamp_s - prev_stamp) * 1000
                step = 1
                while gap_ms > 250 and step <= 20:
                    out.append((prev_stamp + 0.25 * step, prev_bpm))
                    gap_ms -= 250
                    step += 1
            out.append((stamp_s, float(bpm)))
    return out


# ---------------------------------------------------------------- few-rows path
#
# numpy pays a fixed cost per call (about a microsecond), and the vectorised
# path makes a few dozen calls per field: for message types with a handful of
# messages (file_id, device_info, session, lap, event ...) that set-up is most of
# the decoding time. Such types are decoded here row by row in plain Python,
# giving exactly the values of the vectorised path (tests compare the two on
# every corpus file). Anything this path does not handle (array fields, string
# lists, accumulated or chained components, developer fields, compressed
# timestamps ...) raises :class:`_NotSmallError` and the type takes the vectorised
# path.

#: Message types with at most this many messages take the few-rows path.
_SMALL_ROWS = 16

_STRUCT_CODES = {
    "u1": "B",
    "i1": "b",
    "u2": "H",
    "i2": "h",
    "u4": "I",
    "i4": "i",
    "u8": "Q",
    "i8": "q",
    "f4": "f",
    "f8": "d",
}
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_TEXT, _FLOAT, _INT = 0, 1, 2


class _NotSmallError(Exception):
    """The few-rows path does not handle this message type (the vectorised one does)."""


@dataclass(frozen=True)
class _SmallPlan:
    """How to read one layout's data messages with one ``struct`` call."""

    reader: struct.Struct
    #: (field number, value kind, invalid raw value) per field, in layout order.
    fields: tuple[tuple[int, int, int], ...]


@functools.lru_cache(maxsize=4096)
def _small_plan(layout: _Layout) -> _SmallPlan | None:
    """The reading plan of a layout, or ``None`` when it holds array or developer fields."""
    if layout.dev_fields:
        return None
    codes = [">" if layout.big_endian else "<"]
    fields: list[tuple[int, int, int]] = []
    for num, _offset, size, base_num in layout.fields:
        base = fp.BASE_TYPES[base_num]
        if base.is_string:
            codes.append(f"{size}s")
            fields.append((num, _TEXT, 0))
        elif size == base.size:
            codes.append(_STRUCT_CODES[base.numpy_code])
            fields.append((num, _FLOAT if base.is_float else _INT, base.invalid))
        else:
            return None
    return _SmallPlan(struct.Struct("".join(codes)), tuple(fields))


_Col = tuple[str, list[Any]]  # (kind: "f" float, "O" object, "M" ns since epoch, values)


@dataclass(frozen=True)
class _SmallStatic:
    """What the few-rows path of one message type needs from its layouts and profile.

    Computed once per (message number, layouts) and cached: the per-file work
    is then reading values and converting them.
    """

    #: (field number, text field) per raw column, first appearance over the layouts.
    columns: tuple[tuple[int, bool], ...]
    text: frozenset[int]
    profile: fp.MessageProfile | None
    #: (column name, field number, profile field, text field) per raw column.
    natives: tuple[tuple[str, int, fp.FieldProfile | None, bool], ...]
    #: (field number, sub-field, (reference field, raw value) pairs present) per sub-field.
    subs: tuple[tuple[int, fp.SubFieldProfile, tuple[tuple[int, int], ...]], ...]
    #: (field number, profile field) of the fields with components.
    sources: tuple[tuple[int, fp.FieldProfile], ...]
    types: dict[str, tuple[str, bool]]


@functools.lru_cache(maxsize=1024)
def _small_static(num: int, layouts: tuple[_Layout, ...]) -> _SmallStatic | None:
    """The static part of the few-rows path, or ``None`` when the type needs the vectorised one."""
    if num in (_FIELD_DESCRIPTION, _DEVELOPER_DATA_ID):
        return None
    columns: dict[int, bool] = {}
    for layout in layouts:  # column order: first appearance over the layouts
        plan = _small_plan(layout)
        if plan is None:
            return None
        for num_f, kind, _invalid in plan.fields:
            is_text = kind == _TEXT
            if columns.setdefault(num_f, is_text) != is_text:
                return None
    text = frozenset(num_f for num_f, is_text in columns.items() if is_text)
    profile = fp.message_profile(num)
    natives: list[tuple[str, int, fp.FieldProfile | None, bool]] = []
    subs: list[tuple[int, fp.SubFieldProfile, tuple[tuple[int, int], ...]]] = []
    sources: list[tuple[int, fp.FieldProfile]] = []
    for num_f, is_text in columns.items():
        conv = profile.fields.get(num_f) if profile is not None else None
        natives.append((conv.name if conv is not None else str(num_f), num_f, conv, is_text))
        if conv is None:
            continue
        if is_text and (conv.sub_fields or conv.components):
            return None
        for sub in conv.sub_fields:
            maps = tuple((ref, value) for ref, value in sub.maps if ref in columns)
            if any(ref in text for ref, _ in maps):
                return None
            subs.append((num_f, sub, maps))
        if conv.components:
            sources.append((num_f, conv))
    return _SmallStatic(
        columns=tuple(columns.items()),
        text=text,
        profile=profile,
        natives=tuple(natives),
        subs=tuple(subs),
        sources=tuple(sources),
        types=fp.field_types(num),
    )


def _small_raw(
    buf: bytes, items: Sequence[tuple[_Layout, int]], static: _SmallStatic
) -> dict[int, list[Any]]:
    """Raw values by field number (NaN / ``None`` where absent)."""
    n = len(items)
    raw: dict[int, list[Any]] = {
        num: [None] * n if is_text else [math.nan] * n for num, is_text in static.columns
    }
    for r, (layout, offset) in enumerate(items):
        plan = _small_plan(layout)
        if plan is None:  # pragma: no cover - checked by _small_static
            raise _NotSmallError
        for (num, kind, invalid), value in zip(
            plan.fields, plan.reader.unpack_from(buf, offset), strict=True
        ):
            if kind == _INT:
                raw[num][r] = math.nan if value == invalid else float(value)
            elif kind == _FLOAT:
                raw[num][r] = value
            else:
                converted = _convert_string(value)
                if isinstance(converted, list):
                    raise _NotSmallError
                raw[num][r] = converted
    return raw


def _named(value: float, names: dict[int, str]) -> Any:
    if math.isnan(value):
        return None
    return names.get(int(value), int(value)) if value.is_integer() else value


#: (kind, (scale, offset) of numeric types or None, enum names or None)
_ConvSpec = tuple[str, tuple[float, float] | None, dict[int, str] | None]
#: Conversion facts by ``id`` of the (immortal) profile object, kept with it.
_CONV_SPECS: dict[int, tuple[fp._Converted, _ConvSpec]] = {}


def _conv_spec(conv: fp._Converted) -> _ConvSpec:
    """The profile facts :func:`_small_transform` needs, computed once per field."""
    hit = _CONV_SPECS.get(id(conv))
    if hit is not None and hit[0] is conv:
        return hit[1]
    kind = conv.kind
    spec: _ConvSpec = (
        kind,
        conv.single_scale if conv.is_numeric_type else None,
        (fp.type_names(conv.type) or {}) if kind == "enum" else None,
    )
    _CONV_SPECS[id(conv)] = (conv, spec)
    return spec


def _small_transform(column: list[Any], conv: fp._Converted | None, is_text: bool) -> _Col:
    """Row-by-row :meth:`_MessageDecoder.transform`."""
    if conv is None:
        return ("O" if is_text else "f", column)
    kind, scaling, enum_names = _conv_spec(conv)
    if is_text:
        if kind in ("enum", "date_time") or scaling not in (None, (1.0, 0.0)):
            raise _NotSmallError
        return ("O", column)
    if kind == "date_time":
        stamps: list[Any] = []
        for value in column:
            if math.isnan(value):
                stamps.append(None)
                continue
            ns = (int(value) + fp.DATE_TIME_EPOCH_S) * _NS_PER_S
            if not _INT64_MIN < ns <= _INT64_MAX:
                raise _NotSmallError
            stamps.append(ns)
        return ("M", stamps)
    if enum_names is not None:
        return ("O", [_named(v, enum_names) for v in column])
    if scaling is not None:
        scale, offset = scaling
        out = [v / scale for v in column] if scale != 1 else column
        return ("f", [v - offset for v in out] if offset else out)
    return ("f", column)


def _small_subs(
    static: _SmallStatic, raw: dict[int, list[Any]]
) -> list[tuple[str, list[Any], fp.SubFieldProfile]]:
    """Sub-field columns: the rows whose reference fields select each sub-field."""
    subs: list[tuple[str, list[Any], fp.SubFieldProfile]] = []
    for num_f, sub, maps in static.subs:
        column = raw[num_f]
        mask = [False] * len(column)
        for ref_num, raw_value in maps:
            mask = [m or v == raw_value for m, v in zip(mask, raw[ref_num], strict=True)]
        selected = [m and not math.isnan(v) for m, v in zip(mask, column, strict=True)]
        if any(selected):
            sub_column = [v if s else math.nan for v, s in zip(column, selected, strict=True)]
            subs.append((sub.name, sub_column, sub))
    return subs


def _small_expand(
    profile: fp.MessageProfile, sources: list[tuple[list[Any], fp._Converted]]
) -> dict[int, list[tuple[list[int], list[Any], bool]]]:
    """Component expansions by target field: (rows, values, values are enum names)."""
    expanded: dict[int, list[tuple[list[int], list[Any], bool]]] = {}
    for column, conv in reversed(sources):
        base = conv.bitstream_base
        if base is None or not conv.components:
            continue
        width = base.size * 8
        if width >= 63:
            raise _NotSmallError
        rows = [r for r, v in enumerate(column) if not math.isnan(v)]
        ints = [int(column[r]) & ((1 << width) - 1) for r in rows]
        for comp in conv.components:
            if comp.bit_offset + comp.bits > width:
                break
            target = profile.fields.get(comp.target)
            if target is None or not rows:
                continue
            if target.is_accumulated:
                raise _NotSmallError
            mask = (1 << comp.bits) - 1
            t_offset = target.offset[0] if target.offset else 0.0
            t_scale = target.scale[0] if target.scale else 1.0
            values: list[float] = []
            for v in ints:
                value = float(v >> comp.bit_offset & mask) / comp.scale - comp.offset
                invalid = (value + t_offset) * t_scale == target.component_invalid
                values.append(math.nan if invalid else value)
            if target.components and not all(map(math.isnan, values)):
                raise _NotSmallError  # chained expansion: vectorised path
            names = fp.type_names(target.type)
            shown = [_named(v, names) for v in values] if names is not None else values
            expanded.setdefault(target.num, []).append((rows, shown, names is not None))
    return expanded


def _small_override(out: dict[str, _Col], name: str, pieces: list[Any], n: int) -> None:
    """Row-by-row :func:`_override`: expanded values replace the field's own."""
    rows = [r for piece in pieces for r in piece[0]]
    if len(pieces) > 1 and len(set(rows)) != len(rows):
        raise _NotSmallError
    as_object = any(piece[2] for piece in pieces)
    values: list[Any] = [
        v if piece[2] or not as_object else _objected(v) for piece in pieces for v in piece[1]
    ]
    existing = out.get(name)
    kind: str
    column: list[Any]
    if existing is None:
        kind, column = ("O", [None] * n) if as_object else ("f", [math.nan] * n)
    elif existing[0] == "M":
        raise _NotSmallError
    else:
        kind, column = existing[0], list(existing[1])
    if as_object and kind == "f":
        kind, column = "O", [_objected(v) for v in column]
    elif not as_object and kind == "O":
        values = [_objected(v) for v in values]
    for r, value in zip(rows, values, strict=True):
        column[r] = value
    out[name] = (kind, column)


def _object_array(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out


def _small_datetimes(values: list[Any]) -> Any:
    nat = _INT64_MIN
    ns = np.array([nat if v is None else v for v in values], dtype=np.int64)
    return _as_pandas(ns.view("datetime64[ns]"))


def _small_finalize(col: _Col, ftype: str | None, array: bool) -> Any:
    """Row-by-row :func:`_finalize` (the frame dtype of a column)."""
    kind, values = col
    if kind == "M":
        if ftype not in (None, "date_time") or array:
            raise _NotSmallError
        return _small_datetimes(values)
    if ftype is None:
        if kind == "f":
            return np.array(values, dtype=np.float64)
        if all(v is None or isinstance(v, int | float) for v in values):
            return np.array([math.nan if v is None else float(v) for v in values])
        return _object_array(values)
    objects = values if kind == "O" else [_objected(v) for v in values]
    if ftype == "string":
        return _object_array(objects)
    if array:
        return _object_array([None if v is None else (v,) for v in objects])
    if ftype == "date_time":
        if kind == "f":
            return _as_pandas(_datetimes(np.array(values, dtype=np.float64)))
        return _object_array(values)
    if ftype in fp.NUMERIC_TYPES:
        if kind == "f":
            return np.array(values, dtype=np.float64)
        return np.array([_as_float(v) for v in values], dtype=np.float64)
    return _object_array(objects)


def _small_missing(col: _Col) -> bool:
    kind, values = col
    if kind == "f":
        return all(map(math.isnan, values))
    return all(v is None for v in values)


def _decode_small(
    buf: bytes, num: int, items: Sequence[tuple[_Layout, int]], layouts: Sequence[_Layout]
) -> tuple[list[str], list[Any]]:
    """Column names and frame-ready columns of one message type, row by row.

    ``items`` are (layout, byte offset) of the type's messages in file order;
    ``layouts`` the type's layouts in definition order.

    Raises
    ------
    _NotSmallError
        The type needs the vectorised path.
    """
    static = _small_static(num, tuple(layouts))
    if static is None:
        raise _NotSmallError
    n = len(items)
    raw = _small_raw(buf, items, static)
    out: dict[str, _Col] = {}
    for name, num_f, conv, is_text in static.natives:
        out[name] = _small_transform(raw[num_f], conv, is_text)
    subs = _small_subs(static, raw)
    profile = static.profile
    if profile is not None:
        sources: list[tuple[list[Any], fp._Converted]] = [
            (raw[num_f], conv) for num_f, conv in static.sources
        ]
        sources += [(column, sub) for _, column, sub in subs if sub.components]
        expanded = _small_expand(profile, sources)
    else:
        expanded = {}
    for name, column, sub in subs:
        out[name] = _small_transform(column, sub, False)
    if profile is not None:
        for target_num, pieces in expanded.items():
            _small_override(out, profile.fields[target_num].name, pieces, n)
    types = static.types
    names: list[str] = []
    arrays: list[Any] = []
    for name, col in out.items():
        if _small_missing(col):
            continue
        ftype, array = types.get(name, (None, False))
        names.append(name)
        arrays.append(_small_finalize(col, ftype, array))
    return names, arrays


# ---------------------------------------------------------------------- driver


@dataclass
class _TypeRows:
    """Raw columns of one message type, rows in file order."""

    num: int
    seqs: np.ndarray
    raw: dict[int, np.ndarray]
    dev: list[tuple[np.ndarray, _Layout, np.ndarray, tuple[int, int, int, int]]]
    #: Fields whose raw columns already hold their final values (array fields).
    final: frozenset[int] = frozenset()


#: How an array field's elements are shown: (profile type whose value names they get,
#: or None; (scale, offset) or None). Hashable, so tables of shown values can be cached.
_ArrayShow = tuple[str | None, tuple[float, float] | None]


def _final_array_fields(num: int, layouts: Sequence[_Layout]) -> dict[int, _ArrayShow]:
    """Array fields of a message type whose final values can be built per layout.

    These are fields that every layout holds as a whole number (>= 2) of
    non-string elements, that no sub-field, component or other field's profile
    reads (so their raw values are not needed later), and whose values are
    shown by enum names, a single scale and offset, or as they are.
    """
    if num in (_FIELD_DESCRIPTION, _DEVELOPER_DATA_ID):
        return {}
    shapes: dict[int, bool] = {}
    for layout in layouts:
        for num_f, _offset, size, base_num in layout.fields:
            base = fp.BASE_TYPES[base_num]
            ok = not base.is_string and size % base.size == 0 and size >= 2 * base.size
            shapes[num_f] = shapes.get(num_f, True) and ok
    candidates = {num_f for num_f, ok in shapes.items() if ok}
    if not candidates:
        return {}
    profile = fp.message_profile(num)
    if profile is None:
        return dict.fromkeys(candidates, (None, None))
    used: set[int] = set()
    for spec in profile.fields.values():
        used.update(comp.target for comp in spec.components)
        for sub in spec.sub_fields:
            used.update(ref for ref, _ in sub.maps)
            used.update(comp.target for comp in sub.components)
    out: dict[int, _ArrayShow] = {}
    for num_f in candidates - used:
        conv = profile.fields.get(num_f)
        if conv is None:
            out[num_f] = (None, None)
            continue
        if conv.sub_fields or conv.components or conv.kind not in ("numeric", "enum"):
            continue
        if conv.kind == "enum":
            if not _enum_bases_ok(layouts, num_f):
                continue
            out[num_f] = (conv.type if fp.type_names(conv.type) is not None else None, None)
            continue
        scaling = conv.single_scale if conv.is_numeric_type else None
        out[num_f] = (None, None if scaling == (1.0, 0.0) else scaling)
    return out


def _enum_bases_ok(layouts: Sequence[_Layout], num_f: int) -> bool:
    """Whether every layout holds the field as integers exact in float64 (enum names)."""
    for layout in layouts:
        for number, _offset, _size, base_num in layout.fields:
            base = fp.BASE_TYPES[base_num]
            if number == num_f and (
                base.is_float or base.number == fp.BYTE_BASE_TYPE or base.size > 4
            ):
                return False
    return True


def _decode_array_final(
    matrix: np.ndarray, offset: int, size: int, base: fp.BaseType, big: bool, *, show: _ArrayShow
) -> np.ndarray:
    """Final values (tuples, ``None`` where no element is valid) of an array field.

    Gives what :func:`_decode_field`, the transform step and :func:`_finalize`
    give one after the other, built from the 2-D array of the elements.
    Elements of one- and two-byte integer types are looked up in a table of
    every code's shown value (:func:`_element_table`), so no element is
    converted on its own.
    """
    values = _field_block(matrix, offset, size).view(base.dtype(big))
    valid = ~np.isnan(values) if base.is_float else values != base.invalid
    any_valid = valid.any(axis=1)
    if not base.is_float and base.size <= 2 and values.size >= _TABLE_MIN_ELEMENTS[base.size]:
        return _table_rows(values, any_valid, base, show)
    return _rows(_array_columns(values, valid, base, show), any_valid)


def _rows(columns: list[np.ndarray], any_valid: np.ndarray) -> np.ndarray:
    """Row tuples of element columns (``None`` for rows without a valid element)."""
    # zip() builds the row tuples in C, one element from every column.
    out = np.fromiter(list(zip(*columns, strict=True)), dtype=object, count=len(any_valid))
    out[~any_valid] = None
    return out


def _table_rows(
    values: np.ndarray, any_valid: np.ndarray, base: fp.BaseType, show: _ArrayShow
) -> np.ndarray:
    """Row tuples of a one- or two-byte integer array field, one tuple per distinct row.

    Elements are looked up in the code table (:func:`_element_table`), and
    each distinct row of codes is made a tuple once and shared by all rows
    holding it (tuples are immutable): arrays such as ``hrv.time`` repeat the
    same few hundred rows over tens of thousands of messages.
    """
    codes = values.astype(base.dtype(False)).view(np.dtype(f"u{base.size}"))
    row_codes = _row_codes(codes, 8 * base.size)
    n_distinct = int(row_codes.max()) + 1 if len(row_codes) else 0
    example = np.empty(n_distinct, dtype=np.intp)
    example[row_codes] = np.arange(len(row_codes))  # any row holding each code
    shown = _element_table(base.number, show)[codes[example]]
    distinct = _rows([shown[:, j] for j in range(shown.shape[1])], any_valid[example])
    return distinct[row_codes]


def _row_codes(codes: np.ndarray, bits: int) -> np.ndarray:
    """Integer labels of the rows of ``codes`` (equal rows, equal labels).

    Columns of ``bits`` bits are packed into int64 keys, and the keys are
    relabelled by hashing (``pandas.factorize``) whenever the next column
    would not fit, so the labels are exact for any number of columns.
    """
    key = codes[:, 0].astype(np.int64)
    used = bits
    for j in range(1, codes.shape[1]):
        if used + bits > 62:
            key = _labels(key, used)
            used = max(1, len(key).bit_length())
        key = (key << bits) | codes[:, j].astype(np.int64)
        used += bits
    return _labels(key, used)


def _labels(keys: np.ndarray, bits: int) -> np.ndarray:
    """Labels 0, 1, ... of the distinct values of non-negative ``keys`` below ``2**bits``."""
    if bits <= _DENSE_LABEL_BITS:
        seen = np.zeros(1 << bits, dtype=np.intp)
        seen[keys] = 1
        return (np.cumsum(seen) - 1)[keys]
    return np.asarray(pd.factorize(keys)[0], dtype=np.intp)


#: Keys of at most this many bits are labelled through a dense table, wider ones by hashing.
_DENSE_LABEL_BITS = 17


def _array_columns(
    values: np.ndarray, valid: np.ndarray, base: fp.BaseType, show: _ArrayShow
) -> list[np.ndarray]:
    """Object columns (one per element) of an array field's shown values."""
    names = show[0]
    keep_invalid = base.is_float or base.number == fp.BYTE_BASE_TYPE
    shown = _shown_elements(values, valid, show)
    blank = None if keep_invalid or names is not None or valid.all() else ~valid
    columns: list[np.ndarray] = []
    for j in range(shown.shape[1]):
        column = shown[:, j].astype(object)
        if blank is not None:
            column[blank[:, j]] = None
        columns.append(column)
    return columns


def _shown_elements(values: np.ndarray, valid: np.ndarray, show: _ArrayShow) -> np.ndarray:
    """Elements as shown: enum names (object), scaled floats, or the raw values."""
    type_name, scaling = show
    names = fp.type_names(type_name) if type_name is not None else None
    if names is not None:
        floats = values.astype(np.float64)
        floats[~valid] = np.nan
        return _name_values(floats.ravel(), names).reshape(values.shape)
    if scaling is not None:
        scale, value_offset = scaling
        shown = values.astype(np.float64)
        if scale != 1:
            shown = shown / scale
        return shown - value_offset
    return values


#: Elements of an array field from which the code table pays (per element size).
_TABLE_MIN_ELEMENTS = {1: 0, 2: 16_384}


@functools.lru_cache(maxsize=64)
def _element_table(base_number: int, show: _ArrayShow) -> np.ndarray:
    """Shown value of every code of a one- or two-byte integer type (object array).

    Indexed by the code read as an unsigned integer; the invalid code maps to
    ``None`` (the byte type keeps it, as :func:`_array_columns` does).  Tables
    are kept for the process (about 2 MB for a two-byte type).
    """
    base = fp.BASE_TYPES[base_number]
    codes = np.arange(1 << (8 * base.size), dtype=np.dtype(f"u{base.size}"))
    values = codes.view(base.dtype(False)).reshape(-1, 1)
    valid = values != base.invalid
    table = np.concatenate(_array_columns(values, valid, base, show))
    if base.number != fp.BYTE_BASE_TYPE:
        table[~valid.ravel()] = None
    table.flags.writeable = False  # shared by every decode
    return table


def _gather(buf_array: np.ndarray, offsets: np.ndarray, size: int) -> np.ndarray:
    if size == 0:
        return np.zeros((len(offsets), 0), dtype=np.uint8)
    if len(offsets) > 1:
        steps = np.diff(offsets)
        if (steps == steps[0]).all() and steps[0] >= size:
            view = np.lib.stride_tricks.as_strided(
                buf_array[offsets[0] :],
                shape=(len(offsets), size),
                strides=(int(steps[0]), 1),
                writeable=False,
            )
            return np.ascontiguousarray(view)
    # rows of a sliding-window view: one copy of ``size`` bytes per message
    # (no index array of n * size positions)
    windows = np.lib.stride_tricks.sliding_window_view(buf_array, size)
    return np.ascontiguousarray(windows[offsets])


@dataclass
class _SmallRows:
    """A message type decoded by the few-rows path: frame-ready columns."""

    seqs: np.ndarray
    names: list[str]
    arrays: list[Any]


def _assemble(
    buf: bytes, scan: _Scan, *, small_rows: int = 0
) -> tuple[dict[int, _TypeRows], dict[int, _SmallRows]]:
    """Decode every layout's fields and merge layouts of a message type in file order.

    Message types with at most ``small_rows`` messages are tried on the few-rows
    path first (returned apart, already final).
    """
    buf_array = np.frombuffer(buf, dtype=np.uint8)
    layout_ids = np.frombuffer(scan.layout_ids, dtype=np.int64)
    offsets = np.frombuffer(scan.offsets, dtype=np.int64)
    order = np.argsort(layout_ids, kind="stable")
    bounds = np.searchsorted(layout_ids[order], np.arange(len(scan.layouts) + 1))
    by_type: dict[int, list[tuple[np.ndarray, _Layout]]] = {}
    for layout_id, layout in enumerate(scan.layouts):
        rows = order[bounds[layout_id] : bounds[layout_id + 1]]
        if len(rows):
            by_type.setdefault(layout.global_num, []).append((rows, layout))
    out: dict[int, _TypeRows] = {}
    small: dict[int, _SmallRows] = {}
    for num, groups in by_type.items():
        if sum(len(rows) for rows, _ in groups) <= small_rows:
            decoded_small = _try_small(buf, scan, num, groups)
            if decoded_small is not None:
                small[num] = decoded_small
                continue
        seqs = np.concatenate([rows for rows, _ in groups])
        type_order = np.argsort(seqs, kind="stable")
        position = np.empty(len(seqs), dtype=np.int64)
        position[type_order] = np.arange(len(seqs))
        n = len(seqs)
        decoded: list[tuple[np.ndarray, dict[int, np.ndarray]]] = []
        dev: list[tuple[np.ndarray, _Layout, np.ndarray, tuple[int, int, int, int]]] = []
        final = _final_array_fields(num, [layout for _, layout in groups])
        start = 0
        for rows, layout in groups:
            where = position[start : start + len(rows)]
            start += len(rows)
            matrix = _gather(buf_array, offsets[rows], layout.size)
            columns: dict[int, np.ndarray] = {}
            for num_f, offset, size, base in layout.fields:
                if num_f in final:
                    columns[num_f] = _decode_array_final(
                        matrix,
                        offset,
                        size,
                        fp.BASE_TYPES[base],
                        layout.big_endian,
                        show=final[num_f],
                    )
                else:
                    columns[num_f] = _decode_field(matrix, offset, size, base, layout.big_endian)
            decoded.append((where, columns))
            for dev_field in layout.dev_fields:
                dev.append((where, layout, matrix, dev_field))
        raw: dict[int, np.ndarray] = {}
        if len(decoded) == 1:
            # One layout: rows are already in file order.
            out[num] = _TypeRows(
                num=num, seqs=seqs, raw=decoded[0][1], dev=dev, final=frozenset(final)
            )
            continue
        layouts_with: dict[int, int] = {}
        for _, columns in decoded:
            for num_f in columns:
                layouts_with[num_f] = layouts_with.get(num_f, 0) + 1
        for where, columns in decoded:
            for num_f, column in columns.items():
                existing = raw.get(num_f)
                if existing is None and layouts_with[num_f] == len(decoded):
                    # every row is written below: nothing to fill in first
                    existing = np.empty(n, dtype=object if column.dtype == object else np.float64)
                elif existing is None:
                    existing = _absent(n, column.dtype == object)
                elif column.dtype == object and existing.dtype != object:
                    existing = _to_object(existing)
                if existing.dtype == object and column.dtype != object:
                    column = _to_object(column)
                existing[where] = column
                raw[num_f] = existing
        out[num] = _TypeRows(
            num=num, seqs=seqs[type_order], raw=raw, dev=dev, final=frozenset(final)
        )
    return out, small


def _try_small(
    buf: bytes, scan: _Scan, num: int, groups: list[tuple[np.ndarray, _Layout]]
) -> _SmallRows | None:
    """Decode a message type on the few-rows path, or ``None`` when it needs the vectorised one."""
    pairs = sorted((seq, layout) for rows, layout in groups for seq in rows.tolist())
    items = [(layout, scan.offsets[seq]) for seq, layout in pairs]
    try:
        names, arrays = _decode_small(buf, num, items, [layout for _, layout in groups])
    except (
        _NotSmallError,
        ArithmeticError,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        struct.error,
    ):
        return None
    return _SmallRows(np.array([seq for seq, _ in pairs], dtype=np.int64), names, arrays)


def _apply_compressed_timestamps(
    types: dict[int, _TypeRows], scan: _Scan, problems: _Problem
) -> None:
    """Fill ``timestamp`` of compressed-header messages (5-bit offset with rollover)."""
    if not scan.compressed_index:
        return
    full_seq: list[np.ndarray] = []
    full_val: list[np.ndarray] = []
    for rows in types.values():
        column = rows.raw.get(_TIMESTAMP_FIELD)
        if column is None or column.dtype == object:
            continue
        present = ~np.isnan(column)
        full_seq.append(rows.seqs[present])
        full_val.append(column[present].astype(np.int64))
    comp_seq = np.asarray(scan.compressed_index, dtype=np.int64)
    comp_off = np.asarray(scan.compressed_offset, dtype=np.int64)
    if full_seq:
        f_seq = np.concatenate(full_seq)
        f_val = np.concatenate(full_val)
        f_order = np.argsort(f_seq)
        f_seq, f_val = f_seq[f_order], f_val[f_order]
    else:
        f_seq = f_val = np.zeros(0, dtype=np.int64)
    last_full = np.searchsorted(f_seq, comp_seq) - 1
    known = last_full >= 0
    if not known.all():
        problems.decode(
            0,
            f"{int((~known).sum())} compressed-timestamp messages come before "
            "any full timestamp; their time is unknown",
        )
    stamps = np.full(len(comp_seq), -1, dtype=np.int64)
    if known.any():
        seq_k, off_k, ref = comp_seq[known], comp_off[known], last_full[known]
        new_run = np.ones(len(seq_k), dtype=bool)
        new_run[1:] = ref[1:] != ref[:-1]
        base = f_val[ref]
        prev = np.where(new_run, base, np.roll(off_k, 1))
        delta = (off_k - prev) & 0x1F
        cumulative = np.cumsum(delta)
        run_start = np.flatnonzero(new_run)
        run_id = np.cumsum(new_run) - 1
        before = cumulative[run_start] - delta[run_start]
        stamps[known] = base + cumulative - before[run_id]
    for rows in types.values():
        in_type = np.isin(comp_seq, rows.seqs)
        if not in_type.any():
            continue
        where = np.searchsorted(rows.seqs, comp_seq[in_type])
        values = stamps[in_type].astype(np.float64)
        values[values < 0] = np.nan
        column = rows.raw.get(_TIMESTAMP_FIELD)
        if column is None:
            column = rows.raw[_TIMESTAMP_FIELD] = np.full(len(rows.seqs), np.nan)
        if column.dtype == object:
            continue
        missing = np.isnan(column[where])
        column[where[missing]] = values[missing]


def _decode_type(rows: _TypeRows) -> tuple[dict[str, np.ndarray], set[str], set[str]]:
    """Profile-applied value columns of one message type.

    Returns the columns, the names that may hold lists and the names whose
    values are already final (array fields built per layout).
    """
    profile = fp.message_profile(rows.num)
    n = len(rows.seqs)
    raw_only = rows.num in (_FIELD_DESCRIPTION, _DEVELOPER_DATA_ID)
    natives: list[tuple[str, np.ndarray, fp.FieldProfile | None]] = []
    finished: dict[str, np.ndarray] = {}
    order: dict[str, None] = {}  # column order follows the definitions
    for num, column in rows.raw.items():
        conv = profile.fields.get(num) if profile is not None else None
        name = conv.name if conv is not None else str(num)
        order.setdefault(name)
        if num in rows.final:
            finished[name] = column
        else:
            natives.append((name, column, conv))
    lists = {name for name, column, _ in natives if column.dtype == object}
    if raw_only:
        return {name: column for name, column, _ in natives}, lists, set()
    decoder = _MessageDecoder(profile, rows.raw, n)
    subs: list[tuple[str, np.ndarray, fp._Converted]] = []
    for _name, column, conv in natives:
        if conv is None or not conv.sub_fields:
            continue
        present = _present(column)
        for sub in conv.sub_fields:
            mask = np.zeros(n, dtype=bool)
            for ref_num, raw_value in sub.maps:
                ref = rows.raw.get(ref_num)
                if ref is None:
                    continue
                if ref.dtype == object:
                    mask |= np.fromiter(
                        (isinstance(v, int) and v == raw_value for v in ref), dtype=bool, count=n
                    )
                else:
                    mask |= ref == raw_value
            mask &= present
            if mask.any():
                sub_column = _absent(n, column.dtype == object)
                sub_column[mask] = column[mask]
                subs.append((sub.name, sub_column, sub))
    sources: list[tuple[str, np.ndarray, fp._Converted]] = [
        (name, column, conv)
        for name, column, conv in natives
        if conv is not None and conv.components
    ] + [(name, column, conv) for name, column, conv in subs if conv.components]
    if sources:
        decoder.expand_all(sources)
    transformed = {name: decoder.transform(column, conv) for name, column, conv in natives}
    final = set(finished).difference(transformed)
    out: dict[str, np.ndarray] = {
        name: transformed[name] if name in transformed else finished[name] for name in order
    }
    for name, column, sub_conv in subs:
        out[name] = decoder.transform(column, sub_conv)
        if column.dtype == object:
            lists.add(name)
    if profile is not None:
        for target_num, expansion in decoder.expanded.items():
            name = profile.fields[target_num].name
            _override(out, name, expansion, n)
            if out[name].dtype == object:
                lists.add(name)
            final.discard(name)
    return out, lists, final


def _override(out: dict[str, np.ndarray], name: str, expansion: _Expansion, n: int) -> None:
    """Expanded values replace the field's own values in the rows they cover."""
    rows = np.concatenate(expansion.rows)
    values_list = expansion.values
    as_object = any(v.dtype == object for v in values_list)
    values = np.concatenate([_to_object(v) if as_object else v for v in values_list])
    existing = out.get(name)
    if existing is None:
        existing = _absent(n, as_object)
    elif existing.dtype.kind == "M":
        existing = existing.astype(object)
    if as_object and existing.dtype != object:
        existing = _to_object(existing)
    elif not as_object and existing.dtype == object:
        values = _to_object(values)
    if len(expansion.rows) > 1 and (np.diff(np.sort(rows)) == 0).any():
        grouped: dict[int, list[Any]] = {}
        for row, value in zip(rows.tolist(), values.tolist(), strict=True):
            grouped.setdefault(row, []).append(_none_if_nan(value))
        existing = existing.astype(object) if existing.dtype != object else existing
        for row, items in grouped.items():
            existing[row] = tuple(items) if len(items) > 1 else items[0]
    else:
        existing[rows] = values
    out[name] = existing


def _numbers_only(column: np.ndarray) -> bool:
    return all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in column
    )


def _finalize(column: np.ndarray, ftype: str | None, array: bool, lists: bool) -> Any:
    """Give a value column the dtype the frame conventions ask for (by profile type).

    ``lists`` tells whether the column may hold arrays (tuples); columns built
    from numbers alone never do, which spares a scan of their values.
    """
    has_lists = (
        lists and column.dtype == object and any(isinstance(v, list | tuple) for v in column)
    )
    if ftype is None:
        if column.dtype == object and _numbers_only(column):
            return _to_float(column)
        if has_lists:
            return _tuples(column)
        return _as_pandas(column)
    if ftype == "string":
        return _tuples(column) if has_lists else _to_object(column)
    if array or has_lists:
        objects = _to_object(column)
        out = np.empty(len(objects), dtype=object)
        for i, value in enumerate(objects):
            if value is None:
                out[i] = None
            elif isinstance(value, list | tuple):
                out[i] = tuple(value)
            else:
                out[i] = (value,)
        return out
    if ftype == "date_time":
        if column.dtype.kind == "M":
            return _as_pandas(column)
        if column.dtype != object:
            return _as_pandas(_datetimes(column))
        return _as_pandas(column)
    if ftype in fp.NUMERIC_TYPES:
        return _to_float(column)
    return _to_object(column) if column.dtype.kind != "M" else _as_pandas(column)


def _holds_value(value: Any) -> bool:
    """Whether one value of a column holds something (not None, NaN or NaT)."""
    if value is None:
        return False
    return not (isinstance(value, float | np.floating | np.datetime64) and bool(np.isnan(value)))


def _all_missing(column: np.ndarray) -> bool:
    if len(column) and _holds_value(column[0]):
        return False  # the usual case, decided by the first row
    if column.dtype == object:
        return column.tolist().count(None) == len(column)
    if column.dtype.kind == "M":
        return bool(np.isnat(column).all())
    return bool(np.isnan(column).all())


def _to_float(column: np.ndarray) -> np.ndarray:
    if column.dtype != object:
        return column.astype(np.float64, copy=False)
    return np.array([_as_float(v) for v in column], dtype=np.float64)


_UTC_NS = pd.DatetimeTZDtype("ns", "UTC")
#: pandas' constructor of a datetime array from ready datetime64[ns] values.
_DATETIME_SIMPLE_NEW = getattr(pd.arrays.DatetimeArray, "_simple_new", None)


def _as_pandas(column: np.ndarray) -> Any:
    if column.dtype.kind != "M":
        return column
    values = column.astype("datetime64[ns]", copy=False)
    if _DATETIME_SIMPLE_NEW is not None:
        try:
            return _DATETIME_SIMPLE_NEW(values, dtype=_UTC_NS)
        except (TypeError, ValueError):  # pragma: no cover - other pandas versions
            pass
    return pd.array(values, dtype=_UTC_NS)  # pragma: no cover


def _frame(
    num: int,
    columns: dict[str, np.ndarray],
    *,
    lists: set[str],
    final: set[str],
    dev_names: set[str],
    seqs: np.ndarray,
    files: np.ndarray,
) -> pd.DataFrame:
    types = fp.field_types(num)
    names = ["_seq", "_file"]
    arrays: list[Any] = [seqs.astype(np.int64), files.astype(np.int64)]
    for name, column in columns.items():
        if _all_missing(column):
            continue  # like the SDK, which only returns fields holding a value
        ftype, array = (None, False) if name in dev_names else types.get(name, (None, False))
        names.append(name)
        if name in final and name not in dev_names:
            arrays.append(column)
            continue
        arrays.append(_finalize(column, ftype, array, name in lists or name in dev_names))
    return frame_from_arrays(names, arrays, pd.RangeIndex(len(seqs)))


def decode_fit(
    data: bytes | bytearray | memoryview,
    *,
    errors: ErrorPolicy | str = "warn",
    source_path: str | None = None,
) -> FitMessages:
    """Decode FIT bytes into one DataFrame per message type.

    Parameters
    ----------
    data
        The FIT bytes (one file or several chained files).
    errors
        What to do with recoverable damage (CRC mismatch, truncation, undefined
        local message types, bad chained headers): ``"raise"``, ``"warn"`` or
        ``"ignore"``; the problems are listed in ``FitMessages.warnings``.
    source_path
        File name used in error messages.

    Returns
    -------
    FitMessages
        Frames by message name, following the conventions in
        :mod:`stridecheck.io.fit.messages`.

    Raises
    ------
    FitHeaderError
        The first FIT header is missing or corrupt (under every policy).
    FitDecodeError
        Under ``errors="raise"``, any recoverable problem.
    """
    policy = ErrorPolicy.coerce(errors)
    buf = bytes(data)
    messages = FitMessages(profile_version=fp.PROFILE_VERSION)
    problems = _Problem(policy, source_path, messages.warnings)
    scan = _scan(buf, problems)
    messages.n_files = len(scan.file_starts)
    if not scan.offsets:
        return messages
    # Compressed timestamps are filled in across types: vectorised path only.
    small_rows = 0 if scan.compressed_index else _SMALL_ROWS
    types, small = _assemble(buf, scan, small_rows=small_rows)
    _apply_compressed_timestamps(types, scan, problems)
    file_starts = np.asarray(scan.file_starts, dtype=np.int64)

    def files_of(seqs: np.ndarray) -> np.ndarray:
        return np.searchsorted(file_starts, seqs, side="right") - 1

    dev_ids = _dev_ids(types.get(_DEVELOPER_DATA_ID))
    descriptions = _dev_descriptions(types.get(_FIELD_DESCRIPTION), dev_ids)
    firsts = {num: int(rows.seqs[0]) for num, rows in types.items()}
    firsts.update((num, int(done.seqs[0])) for num, done in small.items())
    for num in sorted(firsts, key=firsts.__getitem__):
        profile = fp.message_profile(num)
        name = profile.name if profile is not None else str(num)
        done = small.get(num)
        if done is not None:
            messages.frames[name] = frame_from_arrays(
                ["_seq", "_file", *done.names],
                [done.seqs, files_of(done.seqs).astype(np.int64), *done.arrays],
                pd.RangeIndex(len(done.seqs)),
            )
            continue
        rows = types[num]
        try:
            columns, lists, final = _decode_type(rows)
        except (
            ArithmeticError,
            ValueError,
            TypeError,
            IndexError,
            KeyError,
            OverflowError,
        ) as error:  # pragma: no cover - defensive
            problems.decode(0, f"message {name!r} could not be decoded ({error!r})")
            continue
        rows.raw = {}  # free the raw columns that the profile replaced
        dev_names = _add_dev_columns(columns, rows, descriptions, dev_ids, messages)
        rows.dev = []  # and the message bytes
        messages.frames[name] = _frame(
            num,
            columns,
            lists=lists,
            final=final,
            dev_names=dev_names,
            seqs=rows.seqs,
            files=files_of(rows.seqs),
        )
    if (
        "hr" in messages.frames
        and "record" in messages.frames
        and not _merge_heart_rates(messages.frames["hr"], messages.frames["record"])
    ):
        messages.warnings.append(
            "hr messages are inconsistent; record heart rates were not merged from them"
        )
    return messages


def _distinct(values: np.ndarray) -> list[int]:
    """The distinct values of an integer array, sorted (one comparison when all are equal)."""
    if len(values) == 0:
        return []
    if (values == values[0]).all():
        return [int(values[0])]
    return [int(v) for v in np.unique(values).tolist()]


def _add_dev_columns(
    columns: dict[str, np.ndarray],
    rows: _TypeRows,
    descriptions: dict[tuple[int, int, int], _DevDescription],
    ids: _DevIds,
    messages: FitMessages,
) -> set[str]:
    """Decode the developer fields of one message type into ``dev_*`` columns."""
    n = len(rows.seqs)
    names: set[str] = set()
    # Declaration epochs per layout group and developer index, computed once.
    epochs_of: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, list[int]]] = {}
    for where, layout, matrix, (number, offset, size, index) in rows.dev:
        key = (id(where), index)
        found = epochs_of.get(key)
        if found is None:
            seqs = rows.seqs[where]
            epochs = ids.epoch(index, seqs)
            found = epochs_of[key] = (seqs, epochs, _distinct(epochs))
        seqs, epochs, distinct_epochs = found
        for epoch in distinct_epochs:
            desc = descriptions.get((index, number, epoch))
            if desc is None:
                continue
            usable = seqs > desc.seq
            if len(distinct_epochs) > 1:
                usable &= epochs == epoch
            if usable.all():
                targets, messages_bytes = where, matrix
            elif usable.any():
                targets, messages_bytes = where[usable], matrix[usable]
            else:
                continue
            values = _decode_dev_field(messages_bytes, offset, size, layout.big_endian, desc)
            if values is None:
                continue
            name = desc.info.column
            existing = columns.get(name)
            as_object = values.dtype == object
            if existing is None:
                existing = _absent(n, as_object)
            if as_object and existing.dtype != object:
                existing = _to_object(existing)
            elif not as_object and existing.dtype == object:
                values = _to_object(values)
            existing[targets] = values
            columns[name] = existing
            names.add(name)
            messages.developer_fields.setdefault(name, desc.info)
    return names
