"""Reference FIT decoder on Garmin's official SDK (``garmin-fit-sdk``).

:func:`decode_fit_sdk` turns FIT bytes into :class:`~stridecheck.io.fit.messages.FitMessages`
with the SDK's default conversions (scale and offset applied, sub-fields and
components expanded, accumulated fields accumulated, enums as profile strings,
``date_time`` fields as UTC datetimes, heart rates of ``hr`` messages merged into
records). It is the oracle the fast decoder (:mod:`stridecheck.io.fit.decode`)
is tested against and the decoder of last resort.

Column types follow the profile (see :mod:`stridecheck.io.fit.messages`):

- a field whose profile type is ``date_time`` -> ``datetime64[ns, UTC]``;
- a field the profile marks as an array, or any column holding a list value
  -> ``object`` column of tuples (a lone scalar of such a column becomes a 1-tuple,
  undoing the SDK's unwrapping of one-element arrays); string fields keep
  ``str`` and turn only multi-string values into tuples;
- a numeric profile type (``uint8`` ... ``float64``, ``byte``) -> ``float64``;
- every other profile type (enums, ``bool``, ``string``, ``local_date_time``)
  -> ``object`` holding ``str``/``int``/``None`` as the SDK gives them;
- fields the profile does not know are named by their field number as a
  string (``"253"``) and, like developer fields, typed by value: all numbers ->
  ``float64``, all datetimes -> UTC datetimes, otherwise ``object``.

Errors: the SDK's ``read()`` never raises; its errors are mapped to stridecheck's:
bytes that do not start with a FIT header -> :class:`~stridecheck.errors.FitHeaderError`;
header or file CRC mismatch -> :class:`~stridecheck.errors.FitCRCError` through the
error policy, keeping every message; anything failing mid-file (truncation,
undefined local message, trailing junk after the last chained file) ->
:class:`~stridecheck.errors.FitDecodeError` through the policy, keeping what was
decoded before it. The SDK cannot decode compressed-timestamp record headers:
such files raise :class:`~stridecheck.errors.FitDecodeError` saying so (the fast
decoder reads them).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.errors import (
    ErrorPolicy,
    FitCRCError,
    FitDecodeError,
    FitHeaderError,
    handle_problem,
)
from stridecheck.io.fit.messages import DeveloperField, FitMessages, dev_column_name
from stridecheck.io.fit.scan import FitHeader, read_fit_header

__all__ = ["decode_fit_sdk"]

_FIELD_DESCRIPTION = 206
_DEVELOPER_DATA_ID = 207
_NUMERIC_TYPES = frozenset(
    (
        "sint8",
        "uint8",
        "sint16",
        "uint16",
        "sint32",
        "uint32",
        "float32",
        "float64",
        "uint8z",
        "uint16z",
        "uint32z",
        "byte",
        "sint64",
        "uint64",
        "uint64z",
    )
)
_AT_BYTE = re.compile(r"at byte: (\d+)")


def _chain(data: bytes) -> list[FitHeader]:
    """Headers of the chained FIT files, as far as they follow one another."""
    headers: list[FitHeader] = []
    offset = 0
    while True:
        header = read_fit_header(data, offset)
        if header is None:
            return headers
        headers.append(header)
        offset = header.end


@dataclass
class _Collected:
    """Data messages in file order: (file index, global message number, fields)."""

    items: list[tuple[int, int, dict[Any, Any]]]


def _run_sdk(
    data: bytes, starts: list[int], *, crc_check: bool
) -> tuple[_Collected, list[Exception], int]:
    from garmin_fit_sdk import Decoder, Stream

    stream = Stream.from_byte_array(bytearray(data))
    decoder = Decoder(stream)
    items: list[tuple[int, int, dict[Any, Any]]] = []

    def listener(mesg_num: int, message: dict[Any, Any]) -> None:
        position = stream.position()
        file_index = max(bisect.bisect_right(starts, position - 1) - 1, 0)
        items.append((file_index, int(mesg_num), message))

    _, errors = decoder.read(enable_crc_check=crc_check, mesg_listener=listener)
    return _Collected(items), list(errors), int(stream.position())


def _error_offset(error: Exception, fallback: int) -> int:
    match = _AT_BYTE.search(str(error))
    return int(match.group(1)) if match else fallback


def _crc16(data: bytes) -> int:
    from garmin_fit_sdk import CrcCalculator

    return int(CrcCalculator.calculate_crc(data, 0, len(data)))


def _check_header_crcs(
    data: bytes,
    headers: list[FitHeader],
    policy: ErrorPolicy,
    source_path: str | None,
    sink: list[str],
) -> None:
    for i, header in enumerate(headers):
        if not header.header_crc:  # 12-byte header, or 0x0000 = "not computed"
            continue
        expected = _crc16(data[header.offset : header.offset + 12])
        if expected != header.header_crc:
            handle_problem(
                policy,
                FitCRCError(
                    source_path,
                    header.offset + 12,
                    f"header CRC of FIT file {i} is 0x{header.header_crc:04X}, "
                    f"the header gives 0x{expected:04X}; data kept",
                ),
                sink,
            )


def _check_file_crcs(
    data: bytes,
    headers: list[FitHeader],
    policy: ErrorPolicy,
    source_path: str | None,
    sink: list[str],
) -> None:
    for i, header in enumerate(headers):
        if header.end > len(data):
            continue  # truncated: reported as a decode error
        stored = int.from_bytes(data[header.end - 2 : header.end], "little")
        computed = _crc16(data[header.offset : header.end - 2])
        if stored != computed:
            handle_problem(
                policy,
                FitCRCError(
                    source_path,
                    header.end - 2,
                    f"file CRC of FIT file {i} is 0x{stored:04X} but the data give "
                    f"0x{computed:04X}; the data may be corrupt (decoded messages kept)",
                ),
                sink,
            )


def decode_fit_sdk(
    data: bytes,
    *,
    errors: ErrorPolicy | str = "warn",
    source_path: str | None = None,
) -> FitMessages:
    """Decode FIT bytes with garmin-fit-sdk into :class:`FitMessages`.

    Parameters
    ----------
    data
        The FIT stream (one file or several chained files), uncompressed.
    errors
        Error policy for recoverable problems (CRC mismatch, truncation, junk
        after the last file): ``"raise"``, ``"warn"`` or ``"ignore"``. Each
        problem is also listed in ``FitMessages.warnings``.
    source_path
        File name used in error messages.

    Returns
    -------
    FitMessages
        One frame per message type (conventions in :mod:`stridecheck.io.fit.messages`).

    Raises
    ------
    FitHeaderError
        When the bytes do not start with a FIT header.
    FitDecodeError
        When the file uses compressed-timestamp record headers (the SDK cannot
        read them), or, under ``errors="raise"``, at the first problem.
    FitCRCError
        Under ``errors="raise"``, when a header or file CRC does not match.
    """
    import garmin_fit_sdk

    policy = ErrorPolicy.coerce(errors)
    data = bytes(data)
    headers = _chain(data)
    if not headers:
        raise FitHeaderError(
            source_path, 0, "not a FIT file: no 12- or 14-byte header with the '.FIT' signature"
        )
    sink: list[str] = []
    _check_header_crcs(data, headers, policy, source_path, sink)
    starts = [h.offset for h in headers]
    collected, sdk_errors, position = _run_sdk(data, starts, crc_check=True)
    if sdk_errors and "CRC Error" in str(sdk_errors[0]):
        # The SDK stops at the first bad file CRC; decode again without the check
        # (to keep every message of every chained file) and verify CRCs here.
        collected, sdk_errors, position = _run_sdk(data, starts, crc_check=False)
        _check_file_crcs(data, headers, policy, source_path, sink)
    truncated = headers[-1].end > len(data)
    for error in sdk_errors:
        _map_sdk_error(
            error,
            position=position,
            data=data,
            truncated=truncated,
            policy=policy,
            source_path=source_path,
            sink=sink,
        )
    msgs = _build_messages(collected)
    msgs.warnings = sink
    msgs.n_files = max(1, sum(1 for h in headers if h.offset < position))
    msgs.profile_version = str(garmin_fit_sdk.__version__)
    return msgs


def _map_sdk_error(
    error: Exception,
    *,
    position: int,
    data: bytes,
    truncated: bool,
    policy: ErrorPolicy,
    source_path: str | None,
    sink: list[str],
) -> None:
    text = str(error)
    offset = _error_offset(error, position)
    if "Compressed timestamp" in text:
        raise FitDecodeError(
            source_path,
            offset,
            "record uses a compressed-timestamp header, which garmin-fit-sdk cannot decode",
        )
    if "not a fit file" in text:
        if offset == 0:
            raise FitHeaderError(source_path, 0, "not a FIT file")
        handle_problem(
            policy,
            FitHeaderError(
                source_path,
                offset,
                f"{len(data) - offset} bytes after the end of the FIT data are not a FIT file; "
                "ignored",
            ),
            sink,
        )
        return
    if truncated:
        reason = (
            f"file is truncated: it ends after {len(data)} bytes, inside a message or "
            "before its CRC; decoded messages kept"
        )
    else:
        reason = f"{text.replace('FIT Runtime Error', '').strip()}; decoded messages kept"
    handle_problem(policy, FitDecodeError(source_path, offset, reason), sink)


# --------------------------------------------------------------------------- frames


def _profile_types(mesg_num: int) -> dict[str, tuple[str, bool]]:
    """Field name -> (profile type, is array) for one message type, sub-fields included."""
    from garmin_fit_sdk import Profile

    cached = _TYPE_CACHE.get(mesg_num)
    if cached is not None:
        return cached
    out: dict[str, tuple[str, bool]] = {}
    profile = Profile["messages"].get(mesg_num)
    if profile is not None:
        for fld in profile["fields"].values():
            array = str(fld.get("array", "false")).lower() == "true"
            for sub in fld.get("sub_fields", []):
                out.setdefault(sub["name"], (sub["type"], array))
            out[fld["name"]] = (fld["type"], array)
    _TYPE_CACHE[mesg_num] = out
    return out


_TYPE_CACHE: dict[int, dict[str, tuple[str, bool]]] = {}


def _mesg_name(mesg_num: int) -> str:
    from garmin_fit_sdk import Profile

    profile = Profile["messages"].get(mesg_num)
    return str(profile["name"]) if profile is not None else str(mesg_num)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    )


def _as_tuple(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,)


def _to_datetime(values: list[Any]) -> pd.Series:
    stamps = [pd.Timestamp(v) if isinstance(v, dt.datetime) else pd.NaT for v in values]
    return pd.Series(pd.DatetimeIndex(stamps).tz_convert("UTC").as_unit("ns"))


def _column(values: list[Any], ftype: str | None, array: bool) -> pd.Series:
    has_list = any(isinstance(v, list | tuple) for v in values)
    if ftype is None and all(
        v is None
        or isinstance(v, str)
        or (isinstance(v, list | tuple) and all(isinstance(x, str) for x in v))
        for v in values
    ):
        ftype = "string"
    if ftype == "string":
        return pd.Series(
            [tuple(v) if isinstance(v, list | tuple) else v for v in values], dtype=object
        )
    if array or has_list:
        return pd.Series([_as_tuple(v) for v in values], dtype=object)
    if ftype == "date_time":
        return _to_datetime(values)
    if ftype in _NUMERIC_TYPES:
        return pd.Series([float(v) if _is_number(v) else np.nan for v in values], dtype="float64")
    if ftype is None:
        present = [v for v in values if v is not None]
        if present and all(_is_number(v) for v in present):
            return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
        if present and all(isinstance(v, dt.datetime) for v in present):
            return _to_datetime(values)
    return pd.Series(values, dtype=object)


@dataclass(frozen=True)
class _DevSpec:
    """How to read the values of one developer field description."""

    column: str
    invalid: int | None  # None for floats (NaN is their invalid value) and strings
    scale: float | None
    offset: float | None

    def convert(self, value: Any) -> Any:
        if value is None or isinstance(value, str | bytes):
            return value
        if isinstance(value, list | tuple):
            return tuple(self._one(v) for v in value)
        return self._one(value)

    def _one(self, value: Any) -> Any:
        if not _is_number(value):
            return value
        if self.invalid is not None and value == self.invalid:
            return np.nan
        out = float(value)
        if self.scale is not None:
            out = out / self.scale
        if self.offset is not None:
            out = out - self.offset
        return out


def _joined(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return value if isinstance(value, str) else None


def _int_or_none(value: Any) -> int | None:
    value = _first_item(value)
    return int(value) if _is_number(value) else None


def _first_item(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _developer_fields(
    items: list[tuple[int, int, dict[Any, Any]]],
) -> tuple[dict[int, _DevSpec], dict[str, DeveloperField]]:
    """Map the SDK's developer-field keys to columns and describe them.

    A ``developer_data_id`` message (re)declares its index and, as in the SDK,
    starts a new set of field descriptions for it; within one declaration the
    first description of a field number wins. A column name already used by
    another (index, field number, application) gets ``_<index>_<number>`` appended.
    Unlike the SDK, values equal to the base type's invalid value become NaN and
    the description's scale and offset are applied.
    """
    from garmin_fit_sdk import fit as sdk_fit

    epochs: dict[int, int] = {}
    app_ids: dict[tuple[int, int], str | None] = {}
    by_decl: dict[tuple[int, int, int], _DevSpec] = {}
    columns: dict[str, tuple[int, int, str | None]] = {}
    described: dict[str, DeveloperField] = {}
    key_to_spec: dict[int, _DevSpec] = {}
    for _, num, message in items:
        if num == _DEVELOPER_DATA_ID:
            index = _int_or_none(message.get("developer_data_index"))
            if index is None:
                continue
            epochs[index] = epochs.get(index, 0) + 1
            app = message.get("application_id")
            app_ids[(index, epochs[index])] = (
                bytes(int(b) & 0xFF for b in app).hex()
                if isinstance(app, list | tuple) and all(isinstance(b, int) for b in app)
                else None
            )
            continue
        if num != _FIELD_DESCRIPTION:
            continue
        index = _int_or_none(message.get("developer_data_index"))
        number = _int_or_none(message.get("field_definition_number"))
        base_num = _int_or_none(message.get("fit_base_type_id"))
        key = message.get("key")
        if index is None or number is None or base_num is None or key is None:
            continue
        decl = (index, number, epochs.get(index, 0))
        spec = by_decl.get(decl)
        if spec is None:
            app_id = app_ids.get((index, decl[2]))
            name = _joined(message.get("field_name"))
            column = dev_column_name(name, index, number)
            if columns.setdefault(column, (index, number, app_id)) != (index, number, app_id):
                column = f"{column}_{index}_{number}"
            base = sdk_fit.BASE_TYPE_DEFINITIONS.get(base_num & sdk_fit.BASE_TYPE_MASK, {})
            is_float = base.get("type_code") in ("f", "d")
            invalid = base.get("invalid")
            scale = _int_or_none(message.get("scale"))
            offset = _int_or_none(message.get("offset"))
            spec = _DevSpec(
                column=column,
                invalid=None if is_float or base.get("type_code") == "s" else invalid,
                scale=float(scale) if scale else None,
                offset=float(offset) if offset is not None else None,
            )
            by_decl[decl] = spec
            described.setdefault(
                column,
                DeveloperField(
                    column=column,
                    name=name if name is not None else f"field_{index}_{number}",
                    units=_joined(message.get("units")),
                    developer_data_index=index,
                    field_definition_number=number,
                    application_id=app_id,
                ),
            )
        key_to_spec[int(key)] = spec
    return key_to_spec, described


def _build_messages(collected: _Collected) -> FitMessages:
    items = collected.items
    key_to_spec, described = _developer_fields(items)
    rows: dict[int, list[tuple[int, int, dict[Any, Any]]]] = {}
    for seq, (file_index, num, message) in enumerate(items):
        rows.setdefault(num, []).append((seq, file_index, message))
    frames: dict[str, pd.DataFrame] = {}
    for num, group in rows.items():
        frames[_mesg_name(num)] = _frame(num, group, key_to_spec)
    return FitMessages(frames=frames, developer_fields=described)


def _frame(
    mesg_num: int, group: list[tuple[int, int, dict[Any, Any]]], key_to_spec: dict[int, _DevSpec]
) -> pd.DataFrame:
    types = _profile_types(mesg_num)
    names: dict[str, None] = {}
    dev_names: dict[str, None] = {}
    flat: list[dict[str, Any]] = []
    for _, _, message in group:
        row: dict[str, Any] = {}
        for key, value in message.items():
            if key == "developer_fields" and isinstance(value, dict):
                for dev_key, dev_value in value.items():
                    spec = key_to_spec.get(int(dev_key))
                    if spec is None:
                        continue  # the SDK decoded it, so a description exists
                    row[spec.column] = spec.convert(dev_value)
                    dev_names[spec.column] = None
                continue
            if key == "key" and mesg_num == _FIELD_DESCRIPTION:
                continue  # the SDK's own bookkeeping, not a FIT field
            name = str(key)
            row[name] = value
            names[name] = None
        flat.append(row)
    columns: dict[str, pd.Series] = {
        "_seq": pd.Series([seq for seq, _, _ in group], dtype="int64"),
        "_file": pd.Series([f for _, f, _ in group], dtype="int64"),
    }
    for name in names:
        ftype, array = types.get(name, (None, False))
        columns[name] = _column([row.get(name) for row in flat], ftype, array)
    for name in dev_names:
        columns[name] = _column([row.get(name) for row in flat], None, False)
    return pd.DataFrame(columns)
