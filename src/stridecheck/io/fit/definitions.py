"""FIT definition messages: the layout of the data messages that follow them."""

from __future__ import annotations

from dataclasses import dataclass

from stridecheck.io.fit import profile as fp

__all__ = ["DefinitionProblem", "Layout", "parse_definition"]


@dataclass(frozen=True)
class DefinitionProblem:
    """Why a definition message could not be read, and where."""

    offset: int
    reason: str


@dataclass(frozen=True)
class Layout:
    """A definition message: which fields a data message holds and where."""

    global_num: int
    big_endian: bool
    #: (field number, byte offset, size, base type number)
    fields: tuple[tuple[int, int, int, int], ...]
    #: (field definition number, byte offset, size, developer data index)
    dev_fields: tuple[tuple[int, int, int, int], ...]
    size: int


def parse_definition(
    buf: bytes, pos: int, end: int
) -> tuple[Layout, bytes, int] | DefinitionProblem:
    """Parse the definition message at ``pos``.

    Returns
    -------
    tuple of (Layout, bytes, int) or DefinitionProblem
        The layout, the key identifying the definition (equal keys, equal
        layouts) and the position after the message; or why it cannot be read.
    """
    header = buf[pos]
    if pos + 6 > end:
        return DefinitionProblem(pos, "truncated definition message")
    big = buf[pos + 2] != 0
    global_num = int.from_bytes(buf[pos + 3 : pos + 5], "big" if big else "little")
    n_fields = buf[pos + 5]
    p = pos + 6
    if p + 3 * n_fields > end:
        return DefinitionProblem(pos, "truncated definition message")
    fields: list[tuple[int, int, int, int]] = []
    offset = 0
    for _ in range(n_fields):
        num, size, base = buf[p], buf[p + 1], buf[p + 2] & fp.BASE_TYPE_MASK
        if base not in fp.BASE_TYPES:
            return DefinitionProblem(p, f"field {num} has unknown base type {base}")
        if size == 0:
            return DefinitionProblem(p, f"field {num} has size 0")
        fields.append((num, offset, size, base))
        offset += size
        p += 3
    dev_fields: list[tuple[int, int, int, int]] = []
    if header & 0x20:
        if p + 1 > end or p + 1 + 3 * buf[p] > end:
            return DefinitionProblem(pos, "truncated developer field definitions")
        n_dev = buf[p]
        p += 1
        for _ in range(n_dev):
            num, size, dev_index = buf[p], buf[p + 1], buf[p + 2]
            if size == 0:
                return DefinitionProblem(p, f"developer field {num} has size 0")
            dev_fields.append((num, offset, size, dev_index))
            offset += size
            p += 3
    layout = Layout(global_num, big, tuple(fields), tuple(dev_fields), offset)
    return layout, bytes(buf[pos + 2 : p]) + bytes([header & 0x20]), p
