"""The decoded content of a FIT file, as one DataFrame per message type.

This is the hand-over between a FIT *decoder* (bytes -> :class:`FitMessages`) and
the FIT *reader* (:class:`FitMessages` -> :class:`~stridecheck.activity.Activity`).
Two decoders produce it: the vectorised one in :mod:`stridecheck.io.fit.decode`
(the fast path) and the reference one on Garmin's SDK in
:mod:`stridecheck.io.fit.sdk`; both must give the same frames.

Conventions of ``FitMessages.frames[name]``
-------------------------------------------
- ``name`` is the profile's message name (``"record"``, ``"lap"``, ``"session"``,
  ``"event"``, ``"file_id"``, ``"device_info"``, ``"split"``, ``"hrv"``,
  ``"workout"``, ``"workout_step"``, ...); a global message number the profile
  does not know is named by the number as a string (``"233"``).
- One row per data message, in file order. Column ``_seq`` (int64) is the
  message's ordinal among *all* data messages of the file (chained files
  continue the count), so messages of different types can be interleaved
  again; column ``_file`` (int64) is the index of the chained FIT file (0 for
  the first).
- Other columns are the profile's field names as Garmin's SDK returns them with
  its defaults (scale and offset applied, sub-fields and components expanded,
  accumulated fields accumulated, enum values as their profile strings):
  numeric fields are ``float64`` with NaN where the field is absent or holds
  its invalid value; enum and string fields are ``object`` (``str`` or
  ``None``; an enum value the profile does not name stays its ``int``);
  ``date_time`` fields (``timestamp``, ``start_time``, ``time_created``, ...)
  are ``datetime64[ns, UTC]`` with NaT; array fields are ``object`` columns
  holding tuples.
- Developer fields are columns named ``"dev_" + snake_case(field_name)`` (the
  ``field_description``'s name); :attr:`FitMessages.developer_fields` describes
  them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["DeveloperField", "FitMessages", "dev_column_name", "snake_case"]


@dataclass(frozen=True)
class DeveloperField:
    """A developer field as its ``field_description`` message defines it.

    Attributes
    ----------
    column
        Column name used in the frames (``dev_...``).
    name
        Field name as the file gives it.
    units
        Units as the file gives them (may be ``None``).
    developer_data_index, field_definition_number
        The identifiers of the field in the file.
    application_id
        The developer's application id (hex string) when declared.
    """

    column: str
    name: str
    units: str | None
    developer_data_index: int
    field_definition_number: int
    application_id: str | None = None


@dataclass
class FitMessages:
    """Decoded FIT content: one DataFrame per message type (see module docs)."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    developer_fields: dict[str, DeveloperField] = field(default_factory=dict)
    #: Recoverable problems met while decoding (CRC mismatch, truncation ...).
    warnings: list[str] = field(default_factory=list)
    #: Number of chained FIT files decoded.
    n_files: int = 0
    #: Profile version the decoder used (e.g. "21.218.0").
    profile_version: str | None = None

    def frame(self, name: str) -> pd.DataFrame:
        """Return the frame of one message type, or an empty frame when absent."""
        frame = self.frames.get(name)
        if frame is None:  # built only when needed: a DataFrame costs ~0.1 ms
            return pd.DataFrame({"_seq": pd.Series(dtype="int64")})
        return frame

    def __contains__(self, name: object) -> bool:
        return name in self.frames and len(self.frames[str(name)]) > 0


def snake_case(name: str) -> str:
    """Turn a developer field name into a snake-case identifier.

    An upper-case letter after a lower-case letter or digit starts a new word,
    every other character than a letter or digit becomes ``_``, runs of ``_``
    collapse: ``"Leg Spring Stiffness"`` -> ``"leg_spring_stiffness"``,
    ``"FormPower"`` -> ``"form_power"``, ``"kN/m"`` -> ``"k_n_m"``; an empty result
    becomes ``"field"``.
    """
    out: list[str] = []
    for i, char in enumerate(name):
        if char.isupper() and i and (name[i - 1].islower() or name[i - 1].isdigit()):
            out.append("_")
        out.append(char.lower() if char.isalnum() else "_")
    text = re.sub(r"_+", "_", "".join(out))
    return text.strip("_") or "field"


def dev_column_name(name: str | None, developer_data_index: int, field_number: int) -> str:
    """Column name of a developer field in :class:`FitMessages` frames (``dev_...``).

    A field without a name is named ``<developer data index>_<field number>``.
    """
    return "dev_" + snake_case(name if name else f"{developer_data_index}_{field_number}")
