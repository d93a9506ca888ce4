"""Lookup tables for FIT decoding, derived from Garmin's own profile.

Everything here is computed once, at import time, from ``garmin_fit_sdk.Profile``
(the profile the official SDK ships) and the SDK's base-type table, so a new SDK
release brings new messages, fields, enum names, scales and components without a
hand-copied table in this project.

The structures are what :mod:`stridecheck.io.fit.decode` needs per field: the
numpy dtype of each FIT base type and its invalid value, and per message field its
name, type, scale, offset, components (with bit widths), accumulation flag and
sub-fields with their reference maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from garmin_fit_sdk import Profile
from garmin_fit_sdk import fit as sdk_fit

__all__ = [
    "BASE_TYPES",
    "DATE_TIME_EPOCH_S",
    "PROFILE_VERSION",
    "BaseType",
    "ComponentProfile",
    "FieldProfile",
    "MessageProfile",
    "SubFieldProfile",
    "message_profile",
    "type_names",
]

#: Seconds from the Unix epoch to the FIT epoch (1989-12-31T00:00:00Z). [s]
DATE_TIME_EPOCH_S: int = 631065600

#: Profile version of the installed SDK, e.g. ``"21.218.0"``.
PROFILE_VERSION: str = "{major}.{minor}.{patch}".format(**Profile["version"])

#: Base-type number of the FIT string type.
STRING_BASE_TYPE: int = sdk_fit.BASE_TYPE["STRING"]
#: Base-type number of the FIT byte type.
BYTE_BASE_TYPE: int = sdk_fit.BASE_TYPE["BYTE"]
#: Base-type number of uint8 (used when a field size does not fit its base type).
UINT8_BASE_TYPE: int = sdk_fit.BASE_TYPE["UINT8"]
#: Mask applied to a base-type byte of a field definition.
BASE_TYPE_MASK: int = sdk_fit.BASE_TYPE_MASK

_STRUCT_TO_NUMPY = {
    "B": "u1",
    "b": "i1",
    "H": "u2",
    "h": "i2",
    "I": "u4",
    "i": "i4",
    "Q": "u8",
    "q": "i8",
    "f": "f4",
    "d": "f8",
    "s": "u1",
}


@dataclass(frozen=True)
class BaseType:
    """A FIT base type.

    Attributes
    ----------
    number
        Base-type number (low 5 bits of the definition byte).
    size
        Size of one element. [byte]
    numpy_code
        numpy type code without byte order (``"u2"``, ``"f4"``, ...).
    invalid
        The raw value that marks "no value" (an ``int``; for floats the bit pattern).
    is_float, is_string
        Kind of the type.
    """

    number: int
    size: int
    numpy_code: str
    invalid: int
    is_float: bool
    is_string: bool

    def dtype(self, big_endian: bool) -> np.dtype[Any]:
        """numpy dtype of one element in the given byte order."""
        return np.dtype((">" if big_endian else "<") + self.numpy_code)


def _base_types() -> dict[int, BaseType]:
    table: dict[int, BaseType] = {}
    for number, spec in sdk_fit.BASE_TYPE_DEFINITIONS.items():
        code = str(spec["type_code"])
        table[int(number)] = BaseType(
            number=int(number),
            size=int(spec["size"]),
            numpy_code=_STRUCT_TO_NUMPY[code],
            invalid=int(spec["invalid"]),
            is_float=code in ("f", "d"),
            is_string=int(number) == STRING_BASE_TYPE,
        )
    return table


#: Base types by number.
BASE_TYPES: dict[int, BaseType] = _base_types()

#: Numeric field types: scale and offset apply to them (as in the SDK).
NUMERIC_TYPES: frozenset[str] = frozenset(sdk_fit.NUMERIC_FIELD_TYPES)


def field_type_base(type_name: str) -> BaseType | None:
    """Base type of a profile field type that is itself a base type, else ``None``."""
    number = sdk_fit.FIELD_TYPE_TO_BASE_TYPE.get(type_name)
    return None if number is None else BASE_TYPES[int(number)]


@dataclass(frozen=True)
class ComponentProfile:
    """One component of a field: bits that expand into another field.

    Attributes
    ----------
    target
        Field number the bits expand into.
    bits
        Width of the component. [bit]
    bit_offset
        Position of the first bit inside the source value. [bit]
    scale, offset
        Component scale and offset (value = bits / scale - offset).
    """

    target: int
    bits: int
    bit_offset: int
    scale: float
    offset: float


@dataclass(frozen=True)
class FieldConversion:
    """Value conversion shared by fields and sub-fields."""

    name: str
    type: str
    scale: tuple[float, ...]
    offset: tuple[float, ...]
    units: str | None
    components: tuple[ComponentProfile, ...]

    @property
    def kind(self) -> str:
        """How values are presented: ``date_time``, ``string``, ``enum`` or ``numeric``.

        ``enum`` means the profile has a name table for the type (values become
        strings where named); ``numeric`` covers the numeric types and anything
        else the SDK leaves as a number (``bool``, unknown fields).
        """
        if self.type == "date_time":
            return "date_time"
        if self.type == "string":
            return "string"
        if type_names(self.type) is not None:
            return "enum"
        return "numeric"

    @property
    def is_numeric_type(self) -> bool:
        """Whether scale and offset apply (the SDK's ``NUMERIC_FIELD_TYPES``)."""
        return self.type in NUMERIC_TYPES

    @property
    def single_scale(self) -> tuple[float, float] | None:
        """``(scale, offset)`` to apply, or ``None`` when the SDK leaves raw values."""
        if len(self.scale) > 1:
            return None
        scale = self.scale[0] if self.scale else 1.0
        offset = self.offset[0] if self.offset else 0.0
        return (scale, offset)

    @property
    def bitstream_base(self) -> BaseType | None:
        """Base type the SDK uses to cut this field's value into component bits."""
        return field_type_base(self.type)


@dataclass(frozen=True)
class SubFieldProfile(FieldConversion):
    """A sub-field: another reading of a field, chosen by a reference field's value.

    Attributes
    ----------
    maps
        ``(reference field number, raw value)`` pairs; any match selects it.
    """

    maps: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class FieldProfile(FieldConversion):
    """A message field as the profile defines it."""

    num: int = 0
    is_array: bool = False
    is_accumulated: bool = False
    sub_fields: tuple[SubFieldProfile, ...] = ()
    #: Invalid raw value the SDK tests when this field is a component target.
    component_invalid: int = 0xFF


@dataclass(frozen=True)
class MessageProfile:
    """A message as the profile defines it."""

    num: int
    name: str
    fields: dict[int, FieldProfile]


def _floats(values: Any) -> tuple[float, ...]:
    if values is None:
        return ()
    if not isinstance(values, list | tuple):
        values = [values]
    return tuple(float(v) for v in values)


def _units(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value) if value else None


def _components(spec: dict[str, Any]) -> tuple[ComponentProfile, ...]:
    targets = [int(t) for t in spec.get("components") or []]
    bits = [int(b) for b in spec.get("bits") or []]
    scales = _floats(spec.get("scale"))
    offsets = _floats(spec.get("offset"))
    out: list[ComponentProfile] = []
    position = 0
    for i, target in enumerate(targets):
        width = bits[i] if i < len(bits) else 0
        out.append(
            ComponentProfile(
                target=target,
                bits=width,
                bit_offset=position,
                scale=scales[i] if i < len(scales) else 1.0,
                offset=offsets[i] if i < len(offsets) else 0.0,
            )
        )
        position += width
    return tuple(out)


def _component_invalid(type_name: str) -> int:
    base = field_type_base(type_name)
    return 0xFF if base is None else base.invalid


def _field(spec: dict[str, Any]) -> FieldProfile:
    subs = tuple(
        SubFieldProfile(
            name=str(sub["name"]),
            type=str(sub["type"]),
            scale=_floats(sub.get("scale")),
            offset=_floats(sub.get("offset")),
            units=_units(sub.get("units")),
            components=_components(sub) if sub.get("has_components") else (),
            maps=tuple((int(m["num"]), int(m["raw_value"])) for m in sub.get("map") or []),
        )
        for sub in spec.get("sub_fields") or []
    )
    return FieldProfile(
        name=str(spec["name"]),
        type=str(spec["type"]),
        scale=_floats(spec.get("scale")),
        offset=_floats(spec.get("offset")),
        units=_units(spec.get("units")),
        components=_components(spec) if spec.get("has_components") else (),
        num=int(spec["num"]),
        is_array=str(spec.get("array")) == "true",
        is_accumulated=bool(spec.get("is_accumulated")),
        sub_fields=subs,
        component_invalid=_component_invalid(str(spec["type"])),
    )


@cache
def message_profile(num: int) -> MessageProfile | None:
    """Profile of global message number ``num`` (``None`` when the profile lacks it)."""
    spec = Profile["messages"].get(num)
    if spec is None:
        return None
    fields = {int(k): _field(v) for k, v in spec["fields"].items()}
    return MessageProfile(num=num, name=str(spec["name"]), fields=fields)


@cache
def type_names(type_name: str) -> dict[int, str] | None:
    """Value names of a profile type (``None`` when the type has no name table)."""
    table = Profile["types"].get(type_name)
    if table is None:
        return None
    return {int(k): str(v) for k, v in table.items()}


def mesg_num(name: str) -> int:
    """Global message number of a profile message name (e.g. ``"record"`` -> 20)."""
    return int(Profile["mesg_num"][name.upper()])


@cache
def field_types(num: int) -> dict[str, tuple[str, bool]]:
    """Field name -> (profile type, is array) of a message, sub-fields included.

    A sub-field takes its parent's array flag; where a sub-field shares its name
    with another field, the field wins. This is the typing key of the frame
    columns (see :mod:`stridecheck.io.fit.messages`).
    """
    profile = message_profile(num)
    out: dict[str, tuple[str, bool]] = {}
    if profile is None:
        return out
    for spec in profile.fields.values():
        for sub in spec.sub_fields:
            out.setdefault(sub.name, (sub.type, spec.is_array))
        out[spec.name] = (spec.type, spec.is_array)
    return out
