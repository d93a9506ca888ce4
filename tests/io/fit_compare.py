"""Compare :class:`FitMessages` with what garmin-fit-sdk's ``Decoder.read()`` returns.

The SDK gives ``{"record_mesgs": [ {field: value, ...}, ...], ...}``; :func:`sdk_rows`
turns that into comparable rows per message name (developer fields under their
``dev_*`` column), and :func:`compare` walks every field value the SDK returns
and checks ours: floats to 1e-9 relative, datetimes equal, strings equal, lists
element by element (our arrays are tuples).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from garmin_fit_sdk import fit as sdk_fit

from stridecheck.io.fit.messages import FitMessages

REL_TOL = 1e-9


@dataclass
class Difference:
    """One SDK value we do not reproduce."""

    message: str
    field: str
    row: int
    sdk: Any
    ours: Any

    def __str__(self) -> str:
        return f"{self.message}.{self.field}[{self.row}]: sdk={self.sdk!r} ours={self.ours!r}"


@dataclass
class Comparison:
    """Agreement between our frames and the SDK's messages."""

    compared: int = 0
    equal: int = 0
    differences: list[Difference] = field(default_factory=list)

    def add(self, other: Comparison) -> None:
        self.compared += other.compared
        self.equal += other.equal
        self.differences.extend(other.differences)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, pd.Timestamp) and pd.isna(value)


def values_equal(sdk: Any, ours: Any) -> bool:
    """Whether our value stands for the SDK's value."""
    if isinstance(sdk, list | tuple):
        if not isinstance(ours, list | tuple):
            return len(sdk) == 1 and values_equal(sdk[0], ours)
        return len(sdk) == len(ours) and all(
            values_equal(a, b) for a, b in zip(sdk, ours, strict=True)
        )
    if isinstance(ours, tuple) and len(ours) == 1:
        return values_equal(sdk, ours[0])
    if _is_missing(sdk):
        return _is_missing(ours)
    if _is_missing(ours):
        return isinstance(sdk, float) and math.isnan(sdk)
    if isinstance(sdk, dt.datetime):
        return isinstance(ours, dt.datetime | pd.Timestamp) and pd.Timestamp(sdk) == pd.Timestamp(
            ours
        )
    if isinstance(sdk, str) or isinstance(ours, str):
        return sdk == ours
    if isinstance(sdk, int | float | np.integer | np.floating) and isinstance(
        ours, int | float | np.integer | np.floating
    ):
        a, b = float(sdk), float(ours)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)
    return bool(sdk == ours)


def _dev_expected(raw: Any, description: dict[str, Any]) -> Any:
    """What we report for an SDK developer value: invalid -> NaN, scale/offset applied.

    The SDK returns developer values raw (its own note: "possible point to scrub
    invalids"); we follow the ``field_description``: base-type invalid value ->
    NaN and ``value / scale - offset`` when they are given.
    """
    if isinstance(raw, list | tuple):
        return [_dev_expected(v, description) for v in raw]
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        return raw
    base = sdk_fit.BASE_TYPE_DEFINITIONS.get(int(description.get("fit_base_type_id", 0)) & 0x1F)
    if base is not None and isinstance(raw, int) and raw == base["invalid"]:
        return math.nan
    value = float(raw)
    scale = description.get("scale")
    offset = description.get("offset")
    if isinstance(scale, int) and scale not in (0, 0xFF):
        value = value / scale
    if isinstance(offset, int) and offset != 0x7F:
        value = value - offset
    return value


def sdk_rows(
    messages: dict[str, list[dict[Any, Any]]], ours: FitMessages
) -> dict[str, list[dict[str, Any]]]:
    """SDK messages as rows per message name, developer values under our ``dev_*`` columns."""
    descriptions = messages.get("field_description_mesgs", [])
    by_ids = {
        (d.developer_data_index, d.field_definition_number, d.name): d.column
        for d in ours.developer_fields.values()
    }
    out: dict[str, list[dict[str, Any]]] = {}
    for key, mesgs in messages.items():
        name = key[: -len("_mesgs")] if key.endswith("_mesgs") else key
        rows = []
        for message in mesgs:
            row: dict[str, Any] = {}
            for field_name, value in message.items():
                if field_name == "developer_fields" and isinstance(value, dict):
                    for dev_key, dev_value in value.items():
                        desc = descriptions[int(dev_key)]
                        name_value = desc.get("field_name")
                        if isinstance(name_value, list):
                            name_value = " ".join(name_value)
                        ids = (
                            desc.get("developer_data_index"),
                            desc.get("field_definition_number"),
                            name_value,
                        )
                        column = by_ids.get(ids, f"dev_key_{dev_key}")
                        row[column] = _dev_expected(dev_value, desc)
                elif field_name == "key" and name == "field_description":
                    continue  # the SDK's bookkeeping, not a FIT field
                else:
                    row[str(field_name)] = value
            rows.append(row)
        out[name] = rows
    return out


def compare(
    ours: FitMessages, messages: dict[str, list[dict[Any, Any]]], *, sdk_stopped: bool = False
) -> Comparison:
    """Compare every field value the SDK returns with ours.

    With ``sdk_stopped`` (the SDK reported an error and returned the messages
    before it), we may hold more rows than the SDK: the SDK's rows are compared
    with our first ones.
    """
    result = Comparison()
    for name, rows in sdk_rows(messages, ours).items():
        frame = ours.frames.get(name)
        if not rows:
            continue
        if frame is not None and sdk_stopped and len(frame) > len(rows):
            frame = frame.iloc[: len(rows)]
        if frame is None or len(frame) != len(rows):
            result.compared += 1
            result.differences.append(
                Difference(name, "<rows>", -1, len(rows), None if frame is None else len(frame))
            )
            continue
        columns = {c: frame[c].tolist() for c in frame.columns}
        for i, row in enumerate(rows):
            for field_name, value in row.items():
                result.compared += 1
                # A column we leave out holds no value (the SDK keeps NaN floats).
                ours_value = columns[field_name][i] if field_name in columns else None
                if values_equal(value, ours_value):
                    result.equal += 1
                else:
                    result.differences.append(Difference(name, field_name, i, value, ours_value))
    return result
