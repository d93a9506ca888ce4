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

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.errors import ErrorPolicy
from stridecheck.frames import frame_from_arrays
from stridecheck.io.fit import profile as fp
from stridecheck.io.fit.definitions import Layout
from stridecheck.io.fit.messages import DeveloperField, FitMessages, dev_column_name
from stridecheck.io.fit.scan import Problems, Scan, scan_fit
from stridecheck.io.fit.small import SmallRows, try_small
from stridecheck.io.fit.values import (
    NS_PER_S,
    Expansion,
    absent,
    all_missing,
    convert_string,
    datetimes,
    finalize,
    name_values,
    override,
    present_rows,
    to_object,
    tuples,
)

__all__ = ["decode_fit"]


_FIELD_DESCRIPTION = fp.mesg_num("field_description")


_DEVELOPER_DATA_ID = fp.mesg_num("developer_data_id")


_RECORD = fp.mesg_num("record")


_HR = fp.mesg_num("hr")


_TIMESTAMP_FIELD = 253


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
                value = cache[row] = convert_string(row)
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


class _MessageDecoder:
    """Applies the profile to the raw columns of one message type."""

    def __init__(
        self, profile: fp.MessageProfile | None, raw: dict[int, np.ndarray], n: int
    ) -> None:
        self.profile = profile
        self.raw = raw
        self.n = n
        self.expanded: dict[int, Expansion] = {}
        self._pending: list[
            tuple[np.ndarray, np.ndarray, fp.ComponentProfile, fp.FieldProfile, int]
        ] = []
        self._queue: list[tuple[str, np.ndarray, np.ndarray, fp.FieldProfile, int]] = []

    # components -----------------------------------------------------------

    def _expand(self, name: str, column: np.ndarray, conv: fp.FieldConversion, order: int) -> None:
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
        shown: np.ndarray = name_values(value, names) if names is not None else value
        expansion = self.expanded.setdefault(target.num, Expansion())
        expansion.rows.append(rows)
        expansion.values.append(shown)
        expansion.raws.append(np.where(invalid, np.nan, np.trunc(raw)))
        if target.components and not invalid.all():
            self._queue.append(
                (target.name, rows, np.where(invalid, np.nan, np.trunc(raw)), target, sub)
            )

    def expand_all(self, sources: list[tuple[str, np.ndarray, fp.FieldConversion]]) -> None:
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

    def transform(self, column: np.ndarray, conv: fp.FieldConversion | None) -> np.ndarray:
        """Final values of a native or sub-field column (the SDK's transform step)."""
        if conv is None:
            return column if column.dtype != object else tuples(column)
        kind = conv.kind
        if column.dtype == object:
            return tuples(_transform_objects(column, conv))
        if kind == "date_time":
            return datetimes(column)
        if kind == "enum":
            names = fp.type_names(conv.type)
            return name_values(column, names or {})
        if conv.is_numeric_type and conv.single_scale is not None:
            scale, offset = conv.single_scale
            out = column / scale if scale != 1 else column
            return out - offset if offset else out
        return column


def _transform_objects(column: np.ndarray, conv: fp.FieldConversion) -> np.ndarray:
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
                    pd.Timestamp((int(item) + fp.DATE_TIME_EPOCH_S) * NS_PER_S, tz="UTC")
                )
            elif scaling is not None and isinstance(item, int | float):
                scale, offset = scaling
                converted.append((item / scale if scale != 1 else item) - offset)
            else:
                converted.append(item)
        out[i] = converted if isinstance(value, list) else converted[0]
    return out


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
            [convert_string(block[i].tobytes()) for i in range(len(block))] + [None],
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
    times = ((records["timestamp"].astype("int64") // NS_PER_S) - fp.DATE_TIME_EPOCH_S).tolist()
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
            anchor = stamp.value / NS_PER_S - fp.DATE_TIME_EPOCH_S
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


#: Message types with at most this many messages take the few-rows path.
_SMALL_ROWS = 16


@dataclass
class _TypeRows:
    """Raw columns of one message type, rows in file order."""

    num: int
    seqs: np.ndarray
    raw: dict[int, np.ndarray]
    dev: list[tuple[np.ndarray, Layout, np.ndarray, tuple[int, int, int, int]]]
    #: Fields whose raw columns already hold their final values (array fields).
    final: frozenset[int] = frozenset()


#: How an array field's elements are shown: (profile type whose value names they get,
#: or None; (scale, offset) or None). Hashable, so tables of shown values can be cached.
_ArrayShow = tuple[str | None, tuple[float, float] | None]


def _final_array_fields(num: int, layouts: Sequence[Layout]) -> dict[int, _ArrayShow]:
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


def _enum_bases_ok(layouts: Sequence[Layout], num_f: int) -> bool:
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

    Gives what :func:`_decode_field`, the transform step and :func:`finalize`
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
        return name_values(floats.ravel(), names).reshape(values.shape)
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


def _assemble(
    buf: bytes, scan: Scan, *, small_rows: int = 0
) -> tuple[dict[int, _TypeRows], dict[int, SmallRows]]:
    """Decode every layout's fields and merge layouts of a message type in file order.

    Message types with at most ``small_rows`` messages are tried on the few-rows
    path first (returned apart, already final).
    """
    buf_array = np.frombuffer(buf, dtype=np.uint8)
    layout_ids = np.frombuffer(scan.layout_ids, dtype=np.int64)
    offsets = np.frombuffer(scan.offsets, dtype=np.int64)
    order = np.argsort(layout_ids, kind="stable")
    bounds = np.searchsorted(layout_ids[order], np.arange(len(scan.layouts) + 1))
    by_type: dict[int, list[tuple[np.ndarray, Layout]]] = {}
    for layout_id, layout in enumerate(scan.layouts):
        rows = order[bounds[layout_id] : bounds[layout_id + 1]]
        if len(rows):
            by_type.setdefault(layout.global_num, []).append((rows, layout))
    out: dict[int, _TypeRows] = {}
    small: dict[int, SmallRows] = {}
    for num, groups in by_type.items():
        if sum(len(rows) for rows, _ in groups) <= small_rows:
            decoded_small = try_small(buf, scan.offsets, num, groups)
            if decoded_small is not None:
                small[num] = decoded_small
                continue
        seqs = np.concatenate([rows for rows, _ in groups])
        type_order = np.argsort(seqs, kind="stable")
        position = np.empty(len(seqs), dtype=np.int64)
        position[type_order] = np.arange(len(seqs))
        n = len(seqs)
        decoded: list[tuple[np.ndarray, dict[int, np.ndarray]]] = []
        dev: list[tuple[np.ndarray, Layout, np.ndarray, tuple[int, int, int, int]]] = []
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
                    existing = absent(n, column.dtype == object)
                elif column.dtype == object and existing.dtype != object:
                    existing = to_object(existing)
                if existing.dtype == object and column.dtype != object:
                    column = to_object(column)
                existing[where] = column
                raw[num_f] = existing
        out[num] = _TypeRows(
            num=num, seqs=seqs[type_order], raw=raw, dev=dev, final=frozenset(final)
        )
    return out, small


def _apply_compressed_timestamps(
    types: dict[int, _TypeRows], scan: Scan, problems: Problems
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
    subs: list[tuple[str, np.ndarray, fp.FieldConversion]] = []
    for _name, column, conv in natives:
        if conv is None or not conv.sub_fields:
            continue
        present = present_rows(column)
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
                sub_column = absent(n, column.dtype == object)
                sub_column[mask] = column[mask]
                subs.append((sub.name, sub_column, sub))
    sources: list[tuple[str, np.ndarray, fp.FieldConversion]] = [
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
            override(out, name, expansion, n)
            if out[name].dtype == object:
                lists.add(name)
            final.discard(name)
    return out, lists, final


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
        if all_missing(column):
            continue  # like the SDK, which only returns fields holding a value
        ftype, array = (None, False) if name in dev_names else types.get(name, (None, False))
        names.append(name)
        if name in final and name not in dev_names:
            arrays.append(column)
            continue
        arrays.append(finalize(column, ftype, array, name in lists or name in dev_names))
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
    problems = Problems(policy, source_path, messages.warnings)
    scan = scan_fit(buf, problems)
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
                existing = absent(n, as_object)
            if as_object and existing.dtype != object:
                existing = to_object(existing)
            elif not as_object and existing.dtype == object:
                values = to_object(values)
            existing[targets] = values
            columns[name] = existing
            names.add(name)
            messages.developer_fields.setdefault(name, desc.info)
    return names
