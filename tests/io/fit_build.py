"""Build small FIT files byte by byte (struct) for decoder tests.

Only what the tests need: definition and data messages (either byte order,
developer fields, compressed-timestamp headers), the file header with its CRC
and the file CRC.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from stridecheck.io.fit.scan import fit_crc

#: Base-type bytes as they appear in definitions.
ENUM, SINT8, UINT8, SINT16, UINT16, SINT32, UINT32 = 0x00, 0x01, 0x02, 0x83, 0x84, 0x85, 0x86
STRING, FLOAT32, UINT8Z, UINT16Z, UINT32Z, BYTE = 0x07, 0x88, 0x0A, 0x8B, 0x8C, 0x0D

_FORMATS = {
    ENUM: "B",
    SINT8: "b",
    UINT8: "B",
    SINT16: "h",
    UINT16: "H",
    SINT32: "i",
    UINT32: "I",
    FLOAT32: "f",
    UINT8Z: "B",
    UINT16Z: "H",
    UINT32Z: "I",
    BYTE: "B",
}


def definition(
    local: int,
    global_num: int,
    fields: Sequence[tuple[int, int, int]],
    *,
    big_endian: bool = False,
    dev_fields: Sequence[tuple[int, int, int]] = (),
) -> bytes:
    """A definition message: ``fields`` are (number, size, base type byte)."""
    header = 0x40 | local | (0x20 if dev_fields else 0)
    out = struct.pack(
        ">BBBHB" if big_endian else "<BBBHB", header, 0, int(big_endian), global_num, len(fields)
    )
    for num, size, base in fields:
        out += bytes([num, size, base])
    if dev_fields:
        out += bytes([len(dev_fields)])
        for num, size, index in dev_fields:
            out += bytes([num, size, index])
    return out


def data(
    local: int,
    fields: Sequence[tuple[int, object]],
    *,
    big_endian: bool = False,
    compressed_offset: int | None = None,
) -> bytes:
    """A data message: ``fields`` are (base type byte, value); bytes/str for strings and arrays."""
    if compressed_offset is None:
        out = bytes([local & 0x0F])
    else:
        out = bytes([0x80 | (local & 0x03) << 5 | (compressed_offset & 0x1F)])
    order = ">" if big_endian else "<"
    for base, value in fields:
        if isinstance(value, bytes):
            out += value
        elif isinstance(value, str):
            out += value.encode()
        else:
            out += struct.pack(order + _FORMATS[base], value)
    return out


def fit_file(body: bytes, *, header_size: int = 14, header_crc: bool = True) -> bytes:
    """Wrap message bytes into a FIT file: header (with CRC) + messages + file CRC."""
    header = struct.pack("<BBHI4s", header_size, 0x20, 2193, len(body), b".FIT")
    if header_size == 14:
        header += struct.pack("<H", fit_crc(header) if header_crc else 0)
    content = header + body
    return content + struct.pack("<H", fit_crc(content))


FIT_EPOCH_S = 631065600


def simple_activity(n: int = 20, *, big_endian: bool = False, start: int = 1_000_000_000) -> bytes:
    """A small activity: file_id plus ``n`` 1 Hz records with HR, speed, distance, position."""
    body = definition(0, 0, [(0, 1, ENUM), (1, 2, UINT16), (4, 4, UINT32)], big_endian=big_endian)
    body += data(0, [(ENUM, 4), (UINT16, 1), (UINT32, start)], big_endian=big_endian)
    fields = [
        (253, 4, UINT32),
        (0, 4, SINT32),
        (1, 4, SINT32),
        (5, 4, UINT32),
        (6, 2, UINT16),
        (3, 1, UINT8),
        (4, 1, UINT8),
    ]
    body += definition(1, 20, fields, big_endian=big_endian)
    for i in range(n):
        values = [
            (UINT32, start + i),
            (SINT32, 500_000_000 + i * 100),
            (SINT32, 100_000_000 - i * 50),
            (UINT32, i * 250),
            (UINT16, 2500 + i),
            (UINT8, 120 + i % 30 if i % 7 else 0xFF),
            (UINT8, 80 + i % 5),
        ]
        body += data(1, values, big_endian=big_endian)
    return fit_file(body)
