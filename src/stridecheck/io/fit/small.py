"""The few-rows path of the FIT decoder: message types with a handful of messages.

numpy pays a fixed cost per call (about a microsecond), and the vectorised
path makes a few dozen calls per field: for message types with a handful of
messages (file_id, device_info, session, lap, event ...) that set-up is most of
the decoding time. Such types are read here row by row in plain Python (one
``struct`` call per message), then given the same finishing steps as the
vectorised path (:func:`~stridecheck.io.fit.values.override` and
:func:`~stridecheck.io.fit.values.finalize`), so both give exactly the same
values (tests compare the two on every corpus file). Anything this path does
not handle (array fields, string lists, accumulated or chained components,
developer fields, compressed timestamps ...) raises :class:`_NotSmallError`
and the type takes the vectorised path.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stridecheck.io.fit import profile as fp
from stridecheck.io.fit.definitions import Layout
from stridecheck.io.fit.values import (
    Expansion,
    all_missing,
    convert_string,
    datetimes,
    finalize,
    override,
)

__all__ = ["SmallRows", "try_small"]

_FIELD_DESCRIPTION = fp.mesg_num("field_description")
_DEVELOPER_DATA_ID = fp.mesg_num("developer_data_id")


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
def _small_plan(layout: Layout) -> _SmallPlan | None:
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
def _small_static(num: int, layouts: tuple[Layout, ...]) -> _SmallStatic | None:
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
    buf: bytes, items: Sequence[tuple[Layout, int]], static: _SmallStatic
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
                converted = convert_string(value)
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
_CONV_SPECS: dict[int, tuple[fp.FieldConversion, _ConvSpec]] = {}


def _conv_spec(conv: fp.FieldConversion) -> _ConvSpec:
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


def _small_transform(
    column: list[Any], conv: fp.FieldConversion | None, is_text: bool
) -> np.ndarray:
    """Row-by-row transform step (the vectorised path's ``_MessageDecoder.transform``)."""
    if conv is None:
        return _object_array(column) if is_text else np.array(column, dtype=np.float64)
    kind, scaling, enum_names = _conv_spec(conv)
    if is_text:
        if kind in ("enum", "date_time") or scaling not in (None, (1.0, 0.0)):
            raise _NotSmallError
        return _object_array(column)
    if kind == "date_time":
        return datetimes(np.array(column, dtype=np.float64))
    if enum_names is not None:
        return _object_array([_named(v, enum_names) for v in column])
    if scaling is not None:
        scale, offset = scaling
        out = [v / scale for v in column] if scale != 1 else column
        return np.array([v - offset for v in out] if offset else out, dtype=np.float64)
    return np.array(column, dtype=np.float64)


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
    profile: fp.MessageProfile, sources: list[tuple[list[Any], fp.FieldConversion]]
) -> dict[int, Expansion]:
    """Component expansions by target field, as the vectorised path gives them."""
    expanded: dict[int, Expansion] = {}
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
            shown = (
                _object_array([_named(v, names) for v in values])
                if names is not None
                else np.array(values, dtype=np.float64)
            )
            expansion = expanded.setdefault(target.num, Expansion())
            expansion.rows.append(np.array(rows, dtype=np.int64))
            expansion.values.append(shown)
    return expanded


def _object_array(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out


def _decode_small(
    buf: bytes, num: int, items: Sequence[tuple[Layout, int]], layouts: Sequence[Layout]
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
    out: dict[str, np.ndarray] = {}
    for name, num_f, conv, is_text in static.natives:
        out[name] = _small_transform(raw[num_f], conv, is_text)
    subs = _small_subs(static, raw)
    profile = static.profile
    if profile is not None:
        sources: list[tuple[list[Any], fp.FieldConversion]] = [
            (raw[num_f], conv) for num_f, conv in static.sources
        ]
        sources += [(column, sub) for _, column, sub in subs if sub.components]
        expanded = _small_expand(profile, sources)
    else:
        expanded = {}
    for name, column, sub in subs:
        out[name] = _small_transform(column, sub, False)
    lists: set[str] = set()
    if profile is not None:
        for target_num, expansion in expanded.items():
            name = profile.fields[target_num].name
            override(out, name, expansion, n)
            if out[name].dtype == object:
                lists.add(name)
    types = static.types
    names: list[str] = []
    arrays: list[Any] = []
    for name, values in out.items():
        if all_missing(values):
            continue
        ftype, array = types.get(name, (None, False))
        names.append(name)
        arrays.append(finalize(values, ftype, array, name in lists))
    return names, arrays


@dataclass
class SmallRows:
    """A message type decoded by the few-rows path: frame-ready columns."""

    seqs: np.ndarray
    names: list[str]
    arrays: list[Any]


def try_small(
    buf: bytes, offsets: Sequence[int], num: int, groups: list[tuple[np.ndarray, Layout]]
) -> SmallRows | None:
    """Decode a message type on the few-rows path, or ``None`` when it needs the vectorised one.

    Parameters
    ----------
    buf
        The FIT bytes.
    offsets
        Byte offset of every data message's content (by message ordinal).
    num
        Global message number of the type.
    groups
        (message ordinals, layout) of the type's messages, one per layout.
    """
    pairs = sorted((seq, layout) for rows, layout in groups for seq in rows.tolist())
    items = [(layout, offsets[seq]) for seq, layout in pairs]
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
    return SmallRows(np.array([seq for seq, _ in pairs], dtype=np.int64), names, arrays)
